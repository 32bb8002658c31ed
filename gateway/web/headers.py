"""Security headers of every page: nothing inline, nothing from elsewhere, no framing."""

from __future__ import annotations

from starlette.responses import Response

__all__ = ["SECURITY_HEADERS", "secure"]

# Pages load only their own stylesheet, fonts, images and scripts (static files such as
# receipt.js, which verifies ledger receipts); never an inline script ('unsafe-inline').
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "font-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
        "frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    # Case numbers are in page addresses: never send them to another site.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def secure(response: Response) -> Response:
    """``response`` with the security headers set."""
    response.headers.update(SECURITY_HEADERS)
    return response
