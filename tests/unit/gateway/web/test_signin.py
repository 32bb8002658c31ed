"""/sign-in, /sign-in/callback and /sign-out over ASGI, the provider in process (the demo's,
reached by the pages' Authlib client through an ASGI transport): where people land, what
each failure says, CSRF on sign-out, and /graphql never taking the page cookie."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from aggregator.consent.vocabulary import Role
from deploy.demo.oidc_codes import CodeStore
from deploy.demo.oidc_provider import MOUNT, DemoClient, DemoProvider
from deploy.demo.personas import Persona
from gateway.app import GatewaySettings
from gateway.auth import SignedIn
from gateway.web import signin
from gateway.web.app import WebSettings
from gateway.web.signin import OidcSettings, safe_next
from support.http_gateway import gateway_app
from support.pages import SESSION_COOKIE, session_cookie

ISSUER = f"http://op.test{MOUNT}"
BASE = "http://127.0.0.1"
SECRET = b"s" * 32
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


class Flow:
    """The gateway's pages and the provider, each over ASGI."""

    def __init__(self, pages: httpx.AsyncClient, provider: httpx.AsyncClient) -> None:
        self.pages = pages
        self.provider = provider

    async def to_provider(self, start: str = "/sign-in") -> str:
        """/sign-in's redirect: the authorization request."""
        answer = await self.pages.get(start)
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]

    async def callback_for(self, persona: str, start: str = "/sign-in") -> str:
        """The callback address the provider sends ``persona`` back to."""
        authorize = await self.to_provider(start)
        page = await self.provider.get(authorize)
        fields = {n: html.unescape(v) for n, v in _HIDDEN.findall(page.text)}
        chosen = await self.provider.post(f"{MOUNT}/authorize",
                                          data={**fields, "persona": persona})
        return chosen.headers["location"]

    async def sign_in(self, persona: str, start: str = "/sign-in") -> httpx.Response:
        return await self.pages.get(await self.callback_for(persona, start))


class _Tampering(DemoProvider):
    """A provider whose ID tokens are changed by ``tamper`` (claims) or signed by
    ``forger`` (a key the JWKS does not hold)."""

    tamper: Callable[[dict[str, Any]], dict[str, Any]] = staticmethod(lambda c: c)
    forger: Ed25519PrivateKey | None = None

    def id_token(self, persona: Persona, client_id: str, nonce: str | None) -> str:
        honest = super().id_token(persona, client_id, nonce)
        claims = self.tamper(jwt.decode(honest, options={"verify_signature": False}))
        if self.forger is not None:
            return jwt.encode(claims, self.forger, algorithm="EdDSA",
                              headers={"kid": self.kid})
        return self._sign(claims)


def _provider(tmp_path: Path, metadata: dict[str, Any] | None = None,
              provider_class: type[DemoProvider] = DemoProvider) -> Starlette:
    provider = provider_class(ISSUER, Ed25519PrivateKey.generate(), [DemoClient(
        "pages", "s3cret", (f"{BASE}/sign-in/callback",), (f"{BASE}/",))],
        CodeStore(tmp_path / "codes.sqlite3"))
    routes = provider.routes()
    if metadata is not None:  # a provider announcing something else
        async def discovery(request: object) -> JSONResponse:
            return JSONResponse({**provider.metadata(), **metadata})
        routes = [Route("/.well-known/openid-configuration", discovery), *routes]
    return Starlette(routes=[Mount(MOUNT, routes=routes)])


async def _flow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                metadata: dict[str, Any] | None = None,
                provider_class: type[DemoProvider] = DemoProvider) -> AsyncIterator[Flow]:
    provider = _provider(tmp_path, metadata, provider_class)
    transport = httpx.ASGITransport(app=provider)
    made = signin._client

    def through_asgi(settings: OidcSettings) -> Any:
        client = made(settings)
        client.client_kwargs["transport"] = transport
        return client

    monkeypatch.setattr(signin, "_client", through_asgi)
    oidc = OidcSettings(issuer=ISSUER, client_id="pages", client_secret="s3cret")
    app, _ = gateway_app(tmp_path / "state", GatewaySettings(
        web=WebSettings(session_secret=SECRET, oidc=oidc)))
    async with app.router.lifespan_context(app), \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as pages, \
            httpx.AsyncClient(transport=transport, base_url="http://op.test") as op:
        yield Flow(pages, op)


@pytest.fixture
async def flow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Flow]:
    async for made in _flow(tmp_path, monkeypatch):
        yield made


@pytest.mark.parametrize("value", ["/me", "/status?number=IOE0990000001", "/"])
def test_same_site_paths_are_next(value: str) -> None:
    assert safe_next(value) == value


@pytest.mark.parametrize("value", [None, "", "//evil.example", "/\\evil.example",
                                   "https://evil.example/", "me", "/x\r\nSet-Cookie: a=b",
                                   "/" + "a" * 3000, "/sign-in/callback",
                                   "/sign-in?next=/me", "/sign-out"])
def test_other_sites_and_odd_values_are_not(value: str | None) -> None:
    assert safe_next(value) is None


async def test_the_request_uses_pkce_s256_a_nonce_and_the_language(flow: Flow) -> None:
    authorize = await flow.to_provider("/sign-in?lang=es")
    assert authorize.startswith(f"{ISSUER}/authorize?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["nonce"] and query["state"] and query["ui_locales"] == ["es"]
    assert query["redirect_uri"] == [f"{BASE}/sign-in/callback"]
    assert query["client_id"] == ["pages"] and "openid" in query["scope"][0].split()


async def test_a_persona_lands_on_next_signed_in(flow: Flow) -> None:
    landed = await flow.sign_in("ana", "/sign-in?next=/status%3Fnumber%3DIOE0990000001")
    assert landed.status_code == 303
    assert landed.headers["location"] == "/status?number=IOE0990000001"
    assert "Sign out Ana Morales" in (await flow.pages.get("/")).text


@pytest.mark.parametrize(("persona", "start", "home"), [
    ("ana", "/sign-in", "/me"), ("lee", "/sign-in?next=//evil.example", "/clients"),
    ("audrey", "/sign-in?next=/\\evil.example", "/audit"),
    ("raj", "/sign-in?next=https://evil.example", "/me")])
async def test_without_a_same_site_next_each_role_lands_home(flow: Flow, persona: str,
                                                             start: str, home: str) -> None:
    landed = await flow.sign_in(persona, start)
    assert landed.status_code == 303 and landed.headers["location"] == home


@pytest.mark.parametrize(("language", "text"), [
    ("en", "Sign-in was cancelled"), ("es", "Se canceló el inicio de sesión")])
async def test_a_cancelled_sign_in_is_a_page_in_words(flow: Flow, language: str,
                                                      text: str) -> None:
    back = await flow.callback_for("", f"/sign-in?lang={language}")
    page = await flow.pages.get(back)
    assert page.status_code == 403 and text in page.text
    assert 'href="/sign-in"' in page.text


async def test_a_replayed_or_foreign_callback_signs_nobody_in(flow: Flow) -> None:
    back = await flow.callback_for("ana", "/sign-in?next=/status")
    flow.pages.cookies.clear()  # another browser: the state is not its own
    foreign = await flow.pages.get(back)
    assert foreign.status_code == 400 and "This sign-in has expired" in foreign.text
    assert "Sign out" not in (await flow.pages.get("/")).text


async def test_a_code_used_twice_is_an_expired_sign_in(flow: Flow) -> None:
    back = await flow.callback_for("ana")
    cookies = dict(flow.pages.cookies)
    assert (await flow.pages.get(back)).status_code == 303
    flow.pages.cookies.clear()
    flow.pages.cookies.update(cookies)  # the session before the first callback, replayed
    replayed = await flow.pages.get(back)
    assert replayed.status_code == 400 and "This sign-in has expired" in replayed.text


async def test_a_callback_with_a_provider_error_is_worded(flow: Flow) -> None:
    page = await flow.pages.get("/sign-in/callback?error=server_error&state=x")
    assert page.status_code == 502 and "Sign-in did not work" in page.text


@pytest.mark.parametrize(("metadata", "why"), [
    ({"issuer": "http://op.test/other"}, "not 'http://op.test/demo-oidc'"),
    ({"id_token_signing_alg_values_supported": ["HS256", "none"]}, "none of EdDSA")])
async def test_a_provider_announcing_the_wrong_issuer_or_algorithms_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        metadata: dict[str, Any], why: str) -> None:
    async for flow in _flow(tmp_path, monkeypatch, metadata):
        page = await flow.pages.get("/sign-in")
        assert page.status_code == 502 and "could not be reached" in page.text
    assert any(why in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("tampering", [
    {"tamper": lambda c: {**c, "nonce": "another"}},
    {"tamper": lambda c: {**c, "aud": "another-client"}},
    {"tamper": lambda c: {**c, "iss": "http://op.test/another"}},
    {"tamper": lambda c: {**c, "iat": c["iat"] - 900, "exp": c["iat"] - 600}},
    {"forger": Ed25519PrivateKey.generate()}],
    ids=["nonce", "aud", "iss", "exp", "signature"])
async def test_an_id_token_that_does_not_verify_signs_nobody_in(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tampering: dict[str, Any]) -> None:
    provider_class = type("Tampered", (_Tampering,), {
        "tamper": staticmethod(tampering.get("tamper", lambda c: c)),
        "forger": tampering.get("forger")})
    async for flow in _flow(tmp_path, monkeypatch, provider_class=provider_class):
        page = await flow.sign_in("ana")
        assert page.status_code == 502 and "Sign-in did not work" in page.text
        assert "Sign out" not in (await flow.pages.get("/")).text


async def test_the_untampered_id_token_of_the_tampering_provider_signs_in(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The control of the test above: only the change makes the difference."""
    async for flow in _flow(tmp_path, monkeypatch, provider_class=_Tampering):
        assert (await flow.sign_in("ana")).status_code == 303
        assert "Sign out Ana Morales" in (await flow.pages.get("/")).text


async def test_sign_out_needs_the_csrf_token_and_ends_at_the_provider(flow: Flow) -> None:
    await flow.sign_in("ana")
    page = await flow.pages.get("/")
    refused = await flow.pages.post("/sign-out", data={"csrf_token": "guess"})
    assert refused.status_code == 403
    assert "Sign out Ana Morales" in (await flow.pages.get("/")).text
    csrf = dict(_HIDDEN.findall(page.text))["csrf_token"]
    out = await flow.pages.post("/sign-out", data={"csrf_token": csrf})
    # The provider is another site here: a link there (the CSP's form-action 'self' would
    # stop a redirect); the demo's, on the same site, is redirected to.
    assert out.status_code == 200 and "You are signed out of Caseline" in out.text
    found = re.search(r'href="([^"]*/end-session\?[^"]*)"', out.text)
    assert found is not None
    location = html.unescape(found.group(1))
    assert location.startswith(f"{ISSUER}/end-session?")
    assert parse_qs(urlsplit(location).query)["post_logout_redirect_uri"] == [
        f"{BASE}/signed-out"]
    assert "Sign out" not in (await flow.pages.get("/")).text


@pytest.mark.parametrize(("language", "text"), [
    ("en", "Sign-in is not available on this site"),
    ("es", "El inicio de sesión no está disponible en este sitio")])
async def test_without_oidc_sign_in_says_it_is_not_configured(
        tmp_path: Path, language: str, text: str) -> None:
    app, _ = gateway_app(tmp_path / "state", GatewaySettings(
        web=WebSettings(session_secret=SECRET)))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        for path in ("/sign-in?next=/me", "/sign-in/callback?code=x&state=y"):
            page = await client.get(path, headers={"Accept-Language": language})
            assert page.status_code == 503 and text in page.text
        client.cookies.set(SESSION_COOKIE, session_cookie(
            SECRET, SignedIn("ana", Role.APPLICANT, "Ana"), csrf="t"))
        out = await client.post("/sign-out", data={"csrf_token": "t"})
        assert out.status_code == 303 and out.headers["location"] == "/"


async def test_graphql_never_takes_the_page_cookie(tmp_path: Path) -> None:
    """A signed-in page session is no GraphQL viewer: the API takes bearer tokens only."""
    app, issuer = gateway_app(tmp_path / "state", GatewaySettings(
        web=WebSettings(session_secret=SECRET)))
    cookie = session_cookie(SECRET, SignedIn("ana", Role.APPLICANT, "Ana"), csrf="t")
    query = {"query": "{ viewer { subject } }"}
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        client.cookies.set(SESSION_COOKIE, cookie)
        assert "Sign out Ana" in (await client.get("/")).text
        body = (await client.post("/graphql", json=query)).json()
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        token = issuer.issue("ana", "applicant", "Ana")
        signed = (await client.post("/graphql", json=query,
                                    headers={"Authorization": f"Bearer {token}"})).json()
        assert signed == {"data": {"viewer": {"subject": "ana"}}}


async def test_coming_back_from_the_providers_sign_out_lands_on_a_clean_start_page(
        tmp_path: Path) -> None:
    app, _ = gateway_app(tmp_path / "state", GatewaySettings(
        web=WebSettings(session_secret=b"s" * 32)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=BASE) as client:
        back = await client.get("/signed-out?state=abc123")
    assert back.status_code == 303 and back.headers["location"] == "/"
