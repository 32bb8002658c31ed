"""Paths kept for pages that later issues add (unlinking, webhooks), so nothing
else takes them meanwhile: each answers 404 "not available yet"."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from gateway.web.pages import Pages

__all__ = ["RESERVED", "routes"]

RESERVED = ("/me/cases/unlink", "/clients/webhooks")


def routes(pages: Pages) -> list[BaseRoute]:
    """One route per reserved path, any method; put these before routes with parameters
    (``/clients/{subject}`` would otherwise take ``/clients/webhooks``)."""

    async def not_yet(request: Request) -> Response:
        return pages.render(request, "not_yet.html", 404)

    methods = ["GET", "HEAD", "POST"]
    return [Route(path, not_yet, methods=methods) for path in RESERVED]
