"""Sign-in for the pages: OpenID Connect's authorization code flow with PKCE (S256), the
provider found by discovery, its ID token verified against its JWKS.

The protocol is Authlib's (``authlib.integrations.starlette_client``): it makes the state,
nonce and code verifier, keeps them in ``request.session`` (our signed cookie) until the
callback, exchanges the code and checks the ID token's signature, ``iss``, ``aud``, ``exp``
and ``nonce``. This module adds what is Caseline's: which algorithms are acceptable, the
role (a claim or the operator's table), where the person lands, and the pages that say in
plain words why a sign-in did not happen (never a 500).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError

with warnings.catch_warnings():
    # Recent Authlib releases warn that it falls back to httpx when httpx2 is not installed; the
    # gateway uses httpx, so the client does too, and the errors caught below are httpx's.
    warnings.filterwarnings("ignore", "The httpx module is deprecated", DeprecationWarning)
    from authlib.integrations.starlette_client import OAuth
from joserfc.errors import JoseError, SecurityWarning
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from aggregator.consent.vocabulary import Role
from gateway.auth import SignedIn
from gateway.roles import RoleMapping, RoleRefused
from gateway.signing_keys import ALGORITHMS
from gateway.web import session
from gateway.web.headers import secure
from gateway.web.pages import Pages

__all__ = ["HOMES", "OidcSettings", "SignedInHook", "routes", "safe_next"]

# Called after a sign-in with who signed in, the ID token's claims and the page language
# (the e-mail pages take the verified ``email`` claim); it must not raise.
SignedInHook = Callable[[SignedIn, Mapping[str, object], str], Awaitable[None]]

# EdDSA (RFC 8037) is what the demo's provider signs with and what the API accepts; joserfc,
# under Authlib, warns on every ID token that RFC 9864 prefers the name Ed25519, which PyJWT
# does not know yet. The signature is checked all the same: only the warning is dropped.
warnings.filterwarnings("ignore", "EdDSA is deprecated via RFC 9864", SecurityWarning)

log = logging.getLogger(__name__)

# Where each role lands after signing in when no page sent them.
HOMES = {Role.APPLICANT: "/me", Role.REPRESENTATIVE: "/clients", Role.AUDITOR: "/audit"}
MAX_NEXT_CHARS = 2048
_PENDING = "sign_in_pending"
_ID_TOKEN = "id_token"
_SIGN_IN_PATHS = ("/sign-in", "/sign-in/callback", "/sign-out")
_NAME = "caseline"  # Authlib's name for our one provider (its session keys carry it)


@dataclass(frozen=True)
class OidcSettings:
    """The OpenID provider the pages sign in with.

    ``issuer``: its issuer URL (discovery at ``{issuer}/.well-known/openid-configuration``
    unless ``metadata_url`` says otherwise). ``client_secret``: None for a public client (PKCE
    alone). ``roles``: where the Caseline role comes from (a claim, or a table by subject for
    providers that issue none). ``redirect_uri``: the callback registered at the provider;
    None: this site's ``/sign-in/callback`` as the request reached it."""

    issuer: str
    client_id: str
    client_secret: str | None = None
    # "email": the verified address notifications go to (aggregator.notify.email).
    scopes: tuple[str, ...] = ("openid", "profile", "email")
    roles: RoleMapping = field(default_factory=RoleMapping)
    redirect_uri: str | None = None
    metadata_url: str | None = None
    timeout_s: float = 10.0

    @property
    def discovery_url(self) -> str:
        """Where the provider's metadata is read."""
        return self.metadata_url or (self.issuer.rstrip("/")
                                     + "/.well-known/openid-configuration")


def safe_next(value: str | None) -> str | None:
    """``value`` when it is a path on this site, None otherwise: after sign-in nobody is sent
    elsewhere (``//evil.example`` and ``/\\evil.example`` are other sites to a browser)."""
    if (not value or len(value) > MAX_NEXT_CHARS or not value.startswith("/")
            or value.startswith(("//", "/\\")) or any(ord(c) < 0x20 for c in value)):
        return None
    # Back to a sign-in page would start (or fail) another sign-in: the role's home instead.
    if urlsplit(value).path in _SIGN_IN_PATHS:
        return None
    return value


class _ProviderProblem(Exception):
    """The provider's metadata cannot be used (the message says why, for the log)."""


def _client(settings: OidcSettings) -> Any:
    oauth = OAuth()
    public = settings.client_secret is None
    return oauth.register(
        name=_NAME, client_id=settings.client_id, client_secret=settings.client_secret,
        server_metadata_url=settings.discovery_url,
        client_kwargs={"scope": " ".join(settings.scopes), "code_challenge_method": "S256",
                       "token_endpoint_auth_method": "none" if public
                       else "client_secret_basic",
                       "timeout": settings.timeout_s})


async def _metadata(client: Any, settings: OidcSettings) -> dict[str, Any]:
    """The provider's metadata (Authlib caches it), checked: its issuer is the configured one
    (a mix-up defence) and it signs ID tokens with an algorithm Caseline accepts."""
    metadata: dict[str, Any] = await client.load_server_metadata()
    if metadata.get("issuer") != settings.issuer:
        raise _ProviderProblem(f"the discovery document names issuer "
                               f"{metadata.get('issuer')!r}, not {settings.issuer!r}")
    offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    usable = [alg for alg in offered if alg in ALGORITHMS]
    if not usable:
        raise _ProviderProblem(f"the provider signs ID tokens with {offered}, none of "
                               f"{', '.join(ALGORITHMS)}")
    # Authlib verifies with the algorithms the metadata lists: never 'none' or HS*.
    metadata["id_token_signing_alg_values_supported"] = usable
    return metadata


def _same_origin(one: str, other: str) -> bool:
    a, b = urlsplit(one), urlsplit(other)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def _state_of(location: str) -> str | None:
    states = parse_qs(urlsplit(location).query).get("state")
    return states[0] if states else None


class _Failed(Exception):
    """A sign-in that did not happen: the page's status and which reason it words."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def _finish(client: Any, settings: OidcSettings,
                  request: Request) -> tuple[dict[str, Any], SignedIn]:
    """The callback's work: the code exchanged (Authlib checks state, PKCE and the ID
    token), then the role; _Failed naming the page to show otherwise."""
    error = request.query_params.get("error")
    if error is not None:  # the provider's answer; nothing to fetch
        if error == "access_denied":
            raise _Failed(403, "denied")
        log.warning("sign-in refused by the provider: %s: %s", error[:100],
                    request.query_params.get("error_description", "")[:300])
        raise _Failed(502, "failed")
    try:
        await _metadata(client, settings)
        token: dict[str, Any] = await client.authorize_access_token(request)
        claims = token.get("userinfo")
        if claims is None:
            raise _ProviderProblem("the token response has no ID token")
        role = settings.roles.role_of(claims)
    except MismatchingStateError as exc:
        # Started in another browser, too long ago, or already used: start again.
        raise _Failed(400, "state") from exc
    except OAuthError as exc:
        if exc.error == "access_denied":
            raise _Failed(403, "denied") from exc
        if exc.error == "invalid_grant":  # the code expired or was used already
            raise _Failed(400, "expired") from exc
        log.warning("sign-in refused by the provider: %s: %s", exc.error, exc.description)
        raise _Failed(502, "failed") from exc
    except RoleRefused as exc:
        log.warning("sign-in without a Caseline role: %s", exc)
        raise _Failed(403, "no_role") from exc
    except (_ProviderProblem, httpx.HTTPError, AuthlibBaseError, JoseError, ValueError,
            KeyError, RuntimeError) as exc:
        # A forged, expired or replayed ID token, or a provider that did not answer.
        log.warning("sign-in failed: %s: %s", type(exc).__name__, exc)
        raise _Failed(502, "failed") from exc
    name = claims.get("name") or claims.get("preferred_username") or claims["sub"]
    return token, SignedIn(str(claims["sub"]), role, str(name))


def routes(pages: Pages, settings: OidcSettings | None,
           on_signed_in: SignedInHook | None = None) -> list[BaseRoute]:
    """``/sign-in``, ``/sign-in/callback`` and ``/sign-out`` against ``settings``' provider
    (None: sign-in is not configured, and /sign-in says so); ``on_signed_in`` is told of
    each sign-in with the ID token's claims."""
    client = _client(settings) if settings is not None else None

    def problem(request: Request, status: int, reason: str) -> Response:
        pending = request.session.get(_PENDING)
        back = safe_next(pending.get("next")) if isinstance(pending, dict) else None
        again = "/sign-in" + (f"?next={quote(back, safe='/')}" if back else "")
        return pages.render(request, "sign_in.html", status, problem=reason,
                            again=again if client else None)

    async def start(request: Request) -> Response:
        if client is None or settings is None:
            return problem(request, 503, "not_configured")
        back = safe_next(request.query_params.get("next"))
        callback = settings.redirect_uri or str(request.base_url) + "sign-in/callback"
        try:
            await _metadata(client, settings)
            redirect: Response = await client.authorize_redirect(
                request, callback, ui_locales=pages.language(request))
        except (_ProviderProblem, httpx.HTTPError, AuthlibBaseError, ValueError, KeyError,
                RuntimeError) as exc:
            log.warning("sign-in cannot start: the provider at %s: %s",
                        settings.discovery_url, exc)
            return problem(request, 502, "unreachable")
        request.session[_PENDING] = {"state": _state_of(redirect.headers["location"]),
                                     "next": back}
        pages.remember_language(request, redirect)  # the pages after sign-in speak it too
        return secure(redirect)

    async def callback(request: Request) -> Response:
        if client is None or settings is None:
            return problem(request, 503, "not_configured")
        pending = request.session.get(_PENDING)
        try:
            token, who = await _finish(client, settings, request)
        except _Failed as failed:
            return problem(request, failed.status, failed.reason)
        back = None
        if isinstance(pending, dict) and pending.get("state") == request.query_params.get(
                "state"):
            back = safe_next(pending.get("next"))
        session.sign_in(request, who)
        if on_signed_in is not None:
            await on_signed_in(who, token.get("userinfo") or {}, pages.language(request))
        if "end_session_endpoint" in (client.server_metadata or {}):
            request.session[_ID_TOKEN] = token.get("id_token")
        return RedirectResponse(back or HOMES[who.role], status_code=303)

    async def sign_out(request: Request) -> Response:
        await session.checked_form(request)
        id_token = request.session.get(_ID_TOKEN)
        session.sign_out(request)
        if client is not None and isinstance(id_token, str):
            # RP-initiated logout: the provider ends its own session too, then sends the
            # person back to the start page.
            try:
                logout = await client.create_logout_url(
                    post_logout_redirect_uri=str(request.base_url) + "signed-out",
                    id_token_hint=id_token)
            except (httpx.HTTPError, AuthlibBaseError, RuntimeError, KeyError) as exc:
                log.warning("the provider's sign-out could not be reached: %s", exc)
            else:
                if _same_origin(logout["url"], str(request.base_url)):
                    return RedirectResponse(logout["url"], status_code=303)
                # The pages' CSP (form-action 'self') stops a form's redirect to another
                # site: the person follows a link there instead.
                return pages.render(request, "sign_in.html", 200, problem="signed_out",
                                    provider_logout=logout["url"])
        return RedirectResponse("/", status_code=303)

    async def signed_out(request: Request) -> Response:
        # The provider comes back with its logout ``state``; the start page should not carry
        # it on in its links.
        return RedirectResponse("/", status_code=303)

    return [Route("/sign-in", start), Route("/signed-out", signed_out),
            Route("/sign-in/callback", callback,
                                            name="sign_in_callback"),
            Route("/sign-out", sign_out, methods=["POST"])]
