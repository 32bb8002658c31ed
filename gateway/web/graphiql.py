"""The demo's GraphiQL page at ``/graphql``, from the gateway's own files.

Strawberry's page loads React and GraphiQL from a CDN with an inline boot script: blank
offline, and impossible under a strict CSP. This one references only ``/static/graphiql/``
(vendor/ is written by gateway/web/graphiql_assets.py; boot.js and page.css are ours) and
carries its own CSP. Production never serves it: the gateway turns GraphiQL off there.
"""

from __future__ import annotations

from starlette.responses import HTMLResponse, Response

from gateway.web.headers import secure

__all__ = ["GRAPHIQL_CSP", "graphiql_page"]

_STATIC = "/static/graphiql"
_STYLES = ("vendor/graphiql.min.css", "vendor/plugin-explorer.css", "page.css")
# In this order: React, then ReactDOM and GraphiQL (which read the React global), then the
# plugin (reads GraphiQL.React), then our boot script. ``defer`` keeps the order.
_SCRIPTS = ("vendor/react.production.min.js", "vendor/react-dom.production.min.js",
            "vendor/graphiql.min.js", "vendor/plugin-explorer.umd.js", "boot.js")

# Scripts only from this origin, never inline, never eval (GraphiQL 3's bundle needs none).
# style-src 'unsafe-inline': opening any of GraphiQL's dialogs (settings, shortcuts) locks
# the page's scroll by inserting a <style> element (react-remove-scroll, whose nonce cannot be
# set from outside the bundle), and CodeMirror's search dialogs are HTML with style
# attributes. Checked in Chromium: with style-src 'self' alone the settings dialog is refused
# "style-src-elem inline" and loses its scroll lock. Inline style cannot run code; scripts
# stay 'self' only.
# data: for fonts and images: graphiql.min.css embeds its fonts and icons as data: URLs
# (inside our own stylesheet, so nothing is fetched from elsewhere).
GRAPHIQL_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
                "form-action 'self'; base-uri 'none'; object-src 'none'; "
                "frame-ancestors 'none'")

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Caseline GraphQL API (GraphiQL)</title>
{styles}
{scripts}
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<noscript><p class="caseline-graphiql-noscript">GraphiQL needs JavaScript. Without it, send
queries with curl or any GraphQL client: POST JSON to this address.</p></noscript>
</body>
</html>
"""


def graphiql_page() -> Response:
    """The GraphiQL page with the security headers and its own CSP."""
    styles = "\n".join(f'<link rel="stylesheet" href="{_STATIC}/{s}">' for s in _STYLES)
    scripts = "\n".join(f'<script src="{_STATIC}/{s}" defer></script>' for s in _SCRIPTS)
    response = secure(HTMLResponse(_PAGE.format(styles=styles, scripts=scripts)))
    response.headers["Content-Security-Policy"] = GRAPHIQL_CSP
    return response
