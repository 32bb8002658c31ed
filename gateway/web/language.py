"""The page's language: ``?lang=``, else the cookie it set, else Accept-Language."""

from __future__ import annotations

from starlette.requests import Request

from gateway.language import SUPPORTED, from_accept_language

__all__ = ["COOKIE", "chosen", "page_language"]

COOKIE = "lang"


def chosen(request: Request) -> str | None:
    """The language asked for by ``?lang=`` when it is a supported one (to be remembered)."""
    asked = request.query_params.get("lang", "")
    return asked if asked in SUPPORTED else None


def page_language(request: Request) -> str:
    """``?lang=``, else the remembered choice, else the browser's preference."""
    cookie = request.cookies.get(COOKIE, "")
    return (chosen(request) or (cookie if cookie in SUPPORTED else None)
            or from_accept_language(request.headers.get("accept-language")))
