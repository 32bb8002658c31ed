"""The pages as one Starlette application, mounted under the gateway's routes: the session
cookie, the CSRF check and the sign-in guard live here, so ``/graphql`` never sees them."""

from __future__ import annotations

import ipaddress
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aggregator.notify.email.accounts import EmailAccounts
from aggregator.service import CaselineService
from gateway.ratelimit import LookupLimits
from gateway.web import (
    audit,
    bulk,
    clients,
    consents,
    email_pages,
    invite,
    me,
    me_settings,
    me_webhooks,
    notifications,
    public,
    reserved,
    signin,
    statistics,
)
from gateway.web.pages import NotAllowed, Pages, SignInRequired
from gateway.web.session import SESSION_COOKIE, SESSION_IDLE_S, CsrfError

__all__ = ["STATIC", "WebSettings", "web_app"]

STATIC = Path(__file__).parent / "static"
_STATIC_CACHE = "public, max-age=86400"
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WebSettings:
    """``session_secret`` signs the page session cookie; every replica needs the same one
    (None: a random one, so sessions end when this process does). ``oidc``: the OpenID
    provider the pages sign in with (None: /sign-in says sign-in is not configured).
    ``email``: e-mail addresses (aggregator.notify.email), taken from the provider's verified
    claim at sign-in, verified and unsubscribed on the pages (None: no e-mail pages)."""

    session_secret: bytes | None = None
    oidc: signin.OidcSettings | None = None
    email: EmailAccounts | None = None


def _loopback(scope: Scope) -> bool:
    server = scope.get("server")
    host = server[0] if server else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class _Sessions:
    """Session cookies marked Secure except on a loopback address, where the demo and the
    tests serve plain HTTP (a Secure cookie would never come back there)."""

    def __init__(self, app: ASGIApp, secret: bytes) -> None:
        common = {"secret_key": secret.hex(), "session_cookie": SESSION_COOKIE,
                  "max_age": SESSION_IDLE_S, "same_site": "lax"}
        self._secure = SessionMiddleware(app, https_only=True, **common)  # type: ignore[arg-type]
        self._plain = SessionMiddleware(app, https_only=False, **common)  # type: ignore[arg-type]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chosen = self._plain if _loopback(scope) else self._secure
        await chosen(scope, receive, send)


class _Cached:
    """Static files kept by browsers for a day: they change only with a release."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def cached(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Cache-Control"] = _STATIC_CACHE
            await send(message)

        await self._app(scope, receive, cached)


def _static() -> ASGIApp:
    # Compressed here and only here: USWDS's stylesheet is 525 KB as built, 70 KB gzipped
    # (Lighthouse's mobile score went from 77 to 98). The pages themselves stay uncompressed:
    # they carry CSRF tokens and echo what was typed, the mix BREACH reads secrets from.
    return GZipMiddleware(_Cached(StaticFiles(directory=STATIC)), minimum_size=1024)


def web_app(service: CaselineService, quotas: LookupLimits,
            settings: WebSettings | None = None) -> Starlette:
    """Every page over ``service``, spending lookups from ``quotas`` (the API's own)."""
    settings = settings or WebSettings()
    secret = settings.session_secret
    if secret is None:
        log.warning("no session secret configured: page sessions end when this process "
                    "does and differ between replicas")
        secret = secrets.token_bytes(32)
    pages = Pages(service, quotas)
    routes: list[BaseRoute] = [
        *reserved.routes(pages),
        *public.routes(pages),
        *statistics.routes(pages),
        *signin.routes(pages, settings.oidc, email_pages.sign_in_hook(settings.email)),
        *email_pages.routes(pages, settings.email),
        *bulk.routes(pages),
        *me.routes(pages),
        *notifications.routes(pages),
        *me_settings.routes(pages),
        *me_webhooks.routes(pages),
        *consents.routes(pages),
        *invite.routes(pages),
        *clients.routes(pages),
        *audit.routes(pages),
        Mount("/static", _static(), name="static"),
    ]

    async def sign_in_first(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return RedirectResponse("/sign-in?next=" + quote(exc.back_to, safe="/"), status_code=303)

    async def not_allowed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NotAllowed)
        return pages.render(request, "refused.html", 403, reason="role", roles=exc.roles)

    async def csrf_failed(request: Request, exc: Exception) -> Response:
        return pages.render(request, "refused.html", 403, reason="csrf")

    async def missing(request: Request, exc: Exception) -> Response:
        if isinstance(exc, HTTPException) and exc.status_code != 404:
            return PlainTextResponse(exc.detail, status_code=exc.status_code,
                                     headers=exc.headers)
        return pages.render(request, "problem.html", 404, problem="missing")

    async def fault(request: Request, exc: Exception) -> Response:
        # Starlette logs the exception after this answers; the person gets a page in their
        # language rather than a bare "Internal Server Error".
        try:
            return pages.render(request, "problem.html", 500, problem="fault")
        except Exception:
            log.exception("the error page itself failed")
            return PlainTextResponse("Internal Server Error", status_code=500)

    app = Starlette(routes=routes, exception_handlers={
        SignInRequired: sign_in_first, NotAllowed: not_allowed, CsrfError: csrf_failed,
        HTTPException: missing, 500: fault})
    app.add_middleware(_Sessions, secret=secret)
    return app
