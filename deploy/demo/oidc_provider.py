"""The demo's identity provider: a small OpenID Connect provider whose sign-in page lists the
personas, so the demo's pages sign in through the same code path as with a real provider.
Demo only.

Served by every gateway process of the demo under ``/demo-oidc`` (the demo mounts it; the
gateway knows nothing of it): discovery, JWKS, the authorization endpoint (the persona page:
a form with one button per persona, no JavaScript, CSRF-checked with a double-submit cookie),
the token endpoint (client authentication, exact redirect_uri match, PKCE S256 required,
codes single-use and short-lived in a SQLite file every process shares: oidc_codes.py) and
RP-initiated logout. Tokens are signed EdDSA with the demo issuer key (keys/demo-issuer.pem),
which also signs `caseline dev-token`'s tokens.

Why not Authlib's server side (``authlib.oauth2`` grants, ``authlib.oidc.core``): it needs a
web-framework integration that exists for Flask and Django only, plus a model layer for
clients, codes and users, several times the size of this module for four fixed personas and
one client. What a provider must get right is taken from libraries: PKCE's S256 from Authlib
(``create_s256_code_challenge``), signing and the JWK from PyJWT. And the provider is held to
the protocol by clients nobody here wrote: the pages' Authlib client in the integration tests,
while the pages' client is itself tested against npm ``oidc-provider``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import unquote_plus, urlencode

import jwt
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from deploy.demo.oidc_codes import CodeStore
from deploy.demo.personas import PERSONAS, Persona
from gateway.auth import AUDIENCE
from gateway.language import SUPPORTED, from_accept_language
from gateway.messages import message
from gateway.web.headers import secure

__all__ = ["MOUNT", "DemoClient", "DemoProvider"]

MOUNT = "/demo-oidc"
ID_TOKEN_TTL_S = 300
ACCESS_TOKEN_TTL_S = 12 * 3600
MAX_PARAM_CHARS = 2048
_CSRF_COOKIE = "demo_oidc_csrf"
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 4.1
# The authorization request's parameters the persona form carries back.
_CARRIED = ("client_id", "redirect_uri", "response_type", "scope", "state", "nonce",
            "code_challenge", "code_challenge_method", "ui_locales")


@dataclass(frozen=True)
class DemoClient:
    """A registered client: the demo's pages."""

    client_id: str
    secret: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...] = ()


class _Refused(Exception):
    """An authorization request that cannot even be answered at its redirect_uri; the
    message is worded in the page's language."""

    def words(self, language: str) -> str:
        """What the page says."""
        return message(language, self.args[0], **self.args[1])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _with_params(uri: str, params: Mapping[str, str | None]) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return uri + ("&" if "?" in uri else "?") + query


class DemoProvider:
    """The provider at ``issuer`` (``http://host:port/demo-oidc``), signing with ``key``."""

    def __init__(self, issuer: str, key: Ed25519PrivateKey, clients: Iterable[DemoClient],
                 codes: CodeStore, personas: Mapping[str, Persona] = PERSONAS) -> None:
        self.issuer = issuer
        self._key = key
        self._clients = {client.client_id: client for client in clients}
        self._codes = codes
        self._personas = personas
        raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self._jwk = {"kty": "OKP", "crv": "Ed25519", "x": _b64(raw)}
        # RFC 7638 thumbprint: the members in order, no spaces.
        canonical = json.dumps(self._jwk, sort_keys=True, separators=(",", ":")).encode()
        self.kid = _b64(hashlib.sha256(canonical).digest())
        self._templates = Environment(loader=PackageLoader("deploy.demo", "templates"),
                                      autoescape=select_autoescape(default=True))

    def metadata(self) -> dict[str, Any]:
        """The discovery document."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/end-session",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["EdDSA"],
            "scopes_supported": ["openid", "profile", "email"],
            "claims_supported": ["sub", "name", "role", "locale", "email", "email_verified"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                      "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "ui_locales_supported": list(SUPPORTED),
        }

    def jwks(self) -> dict[str, Any]:
        """The public key set."""
        return {"keys": [{**self._jwk, "use": "sig", "alg": "EdDSA", "kid": self.kid}]}

    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self.kid})

    def access_token(self, persona: Persona, ttl_s: int = ACCESS_TOKEN_TTL_S) -> str:
        """A bearer token for /graphql, as `caseline dev-token` prints."""
        now = int(time.time())
        return self._sign({"iss": self.issuer, "aud": AUDIENCE, "sub": persona.id,
                           "role": str(persona.role), "name": persona.name, "iat": now,
                           "exp": now + ttl_s})

    def id_token(self, persona: Persona, client_id: str, nonce: str | None) -> str:
        """The ID token for ``client_id``."""
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": client_id, "sub": persona.id,
                  "role": str(persona.role), "name": persona.name,
                  "locale": persona.language, "iat": now, "auth_time": now,
                  "exp": now + ID_TOKEN_TTL_S,
                  # The demo vouches for its personas' demo addresses.
                  "email": persona.email, "email_verified": True}
        if nonce:
            claims["nonce"] = nonce
        return self._sign(claims)

    def routes(self) -> list[BaseRoute]:
        """The endpoints, to mount at ``MOUNT``."""
        async def discovery(request: Request) -> Response:
            return JSONResponse(self.metadata())

        async def jwks(request: Request) -> Response:
            return JSONResponse(self.jwks())

        return [Route("/.well-known/openid-configuration", discovery),
                Route("/jwks", jwks),
                Route("/authorize", self._authorize, methods=["GET", "POST"]),
                Route("/token", self._token, methods=["POST"]),
                Route("/end-session", self._end_session)]

    # The authorization endpoint ----------------------------------------------------------

    def _checked(self, params: Mapping[str, str]) -> tuple[DemoClient, dict[str, str]]:
        """The client and the request's parameters; _Refused when the request cannot be
        answered at its redirect_uri (unknown client, unregistered redirect_uri)."""
        if any(len(params.get(name, "")) > MAX_PARAM_CHARS for name in _CARRIED):
            raise _Refused("A parameter of the request is longer than {limit} characters.",
                           {"limit": MAX_PARAM_CHARS})
        client = self._clients.get(params.get("client_id", ""))
        if client is None:
            raise _Refused("The application asking (client_id {client}) is not registered.",
                           {"client": repr(params.get("client_id", "")[:100])})
        if params.get("redirect_uri") not in client.redirect_uris:
            raise _Refused("The address to return to (redirect_uri) is not one registered "
                           "for this application.", {})
        return client, {name: params[name] for name in _CARRIED if name in params}

    @staticmethod
    def _request_error(request: dict[str, str]) -> str | None:
        """What is wrong with a request for a registered redirect_uri, as OAuth words it."""
        if request.get("response_type") != "code":
            return "unsupported_response_type"
        if "openid" not in request.get("scope", "").split():
            return "invalid_scope"
        if (request.get("code_challenge_method") != "S256"
                or not request.get("code_challenge")):
            return "invalid_request"  # PKCE with S256 is required
        return None

    async def _authorize(self, request: Request) -> Response:
        language = self._language(request)
        if request.method == "POST":
            form = await request.form()
            params = {k: v for k, v in form.items() if isinstance(v, str)}
        else:
            params = dict(request.query_params)
        try:
            _client, carried = self._checked(params)
        except _Refused as exc:
            return self._page(language, 400, error=exc.words(language))
        back = partial(_with_params, carried["redirect_uri"])
        state, issuer = carried.get("state"), self.issuer
        error = self._request_error(carried)
        if error is not None:
            return RedirectResponse(back({"error": error, "state": state, "iss": issuer}),
                                    status_code=303)
        if request.method == "GET":
            csrf = request.cookies.get(_CSRF_COOKIE) or secrets.token_urlsafe(32)
            response = self._page(language, 200, carried=carried, csrf=csrf,
                                  personas=list(self._personas.values()))
            response.set_cookie(_CSRF_COOKIE, csrf, httponly=True, samesite="strict",
                                path=MOUNT, secure=request.url.scheme == "https")
            return response
        sent, expected = params.get("csrf_token", ""), request.cookies.get(_CSRF_COOKIE, "")
        if not (expected and hmac.compare_digest(sent.encode(), expected.encode())):
            return self._page(language, 403, error=message(
                language, "This form was sent from an old or another page, so nothing was "
                          "changed. Go back, reload the page and send it again."))
        persona = self._personas.get(params.get("persona", ""))
        if persona is None:  # "Cancel", or no persona chosen
            return RedirectResponse(back({"error": "access_denied", "state": state,
                                          "iss": issuer}), status_code=303)
        code = await run_in_threadpool(self._codes.issue, {
            "client_id": carried["client_id"], "redirect_uri": carried["redirect_uri"],
            "code_challenge": carried["code_challenge"], "nonce": carried.get("nonce"),
            "persona": persona.id})
        return RedirectResponse(back({"code": code, "state": state, "iss": issuer}),
                                status_code=303)

    def _language(self, request: Request) -> str:
        params = request.query_params
        for wanted in (params.get("lang", ""), *params.get("ui_locales", "").split()):
            primary = wanted.split("-")[0].lower()
            if primary in SUPPORTED:
                return primary
        return from_accept_language(request.headers.get("accept-language"))

    def _page(self, language: str, status: int, **values: Any) -> HTMLResponse:
        page = self._templates.get_template("demo_sign_in.html").render(
            lang=language, t=partial(message, language), role=partial(_role_name, language),
            about=partial(message, language), action=f"{MOUNT}/authorize", **values)
        response = HTMLResponse(page, status_code=status)
        response.headers["Cache-Control"] = "no-store"
        secure(response)
        return response

    # The token endpoint ------------------------------------------------------------------

    def _client_of(self, request: Request, form: Mapping[str, Any]) -> DemoClient | None:
        """The client that authenticated (client_secret_basic or client_secret_post)."""
        client_id, secret = form.get("client_id"), form.get("client_secret")
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(header[6:], validate=True).decode()
            except ValueError:
                return None
            raw_id, _, raw_secret = decoded.partition(":")
            client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        client = self._clients.get(client_id) if isinstance(client_id, str) else None
        if client is None or not isinstance(secret, str) or not hmac.compare_digest(
                secret.encode(), client.secret.encode()):
            return None
        return client

    async def _token(self, request: Request) -> Response:
        form = await request.form()
        client = self._client_of(request, form)
        if client is None:
            return _token_error("invalid_client", "client authentication failed", 401)
        if form.get("grant_type") != "authorization_code":
            return _token_error("unsupported_grant_type", "only authorization_code")
        code, verifier = form.get("code"), form.get("code_verifier")
        if not isinstance(code, str) or not code or len(code) > MAX_PARAM_CHARS:
            return _token_error("invalid_request", "code is missing")
        # Taken out before any other check: a code presented once is spent, right or wrong.
        grant = await run_in_threadpool(self._codes.redeem, code)
        if grant is None:
            return _token_error("invalid_grant", "the code is unknown, used or expired")
        if grant["client_id"] != client.client_id:
            return _token_error("invalid_grant", "the code was issued to another client")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return _token_error("invalid_grant", "redirect_uri differs from the authorization "
                                                 "request's")
        if not (isinstance(verifier, str) and _VERIFIER.fullmatch(verifier)
                and hmac.compare_digest(create_s256_code_challenge(verifier),
                                        grant["code_challenge"])):
            return _token_error("invalid_grant", "code_verifier does not match the "
                                                 "code_challenge (PKCE S256)")
        persona = self._personas[grant["persona"]]
        return JSONResponse({
            "access_token": self.access_token(persona), "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_TTL_S, "scope": "openid profile email",
            "id_token": self.id_token(persona, client.client_id, grant.get("nonce"))},
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    async def _end_session(self, request: Request) -> Response:
        """RP-initiated logout: the demo keeps no sign-in session of its own, so it only
        sends the person back to a registered address."""
        target = request.query_params.get("post_logout_redirect_uri")
        if target and any(target in c.post_logout_redirect_uris
                          for c in self._clients.values()):
            state = request.query_params.get("state")
            return RedirectResponse(_with_params(target, {"state": state}) if state
                                    else target, status_code=303)
        language = self._language(request)
        return self._page(language, 200, signed_out=True)


def _token_error(error: str, description: str, status: int = 400) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="demo-oidc"'
    return JSONResponse({"error": error, "error_description": description},
                        status_code=status, headers=headers)


def _role_name(language: str, role: str) -> str:
    names = {"applicant": message(language, "applicant"),
             "representative": message(language, "representative"),
             "auditor": message(language, "auditor")}
    return names.get(role, role)
