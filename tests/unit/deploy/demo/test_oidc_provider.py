"""The demo's OpenID provider: discovery and JWKS, the persona page and its checks, and the
token endpoint's: client authentication, exact redirect_uri, PKCE S256, single-use codes."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette
from starlette.routing import Mount

from aggregator.consent.vocabulary import Role
from deploy.demo.oidc_codes import CodeStore
from deploy.demo.oidc_provider import MOUNT, DemoClient, DemoProvider
from deploy.demo.personas import PERSONAS
from gateway.auth import SignedIn, TokenVerifier
from gateway.signing_keys import StaticKeys

ISSUER = f"http://op.test{MOUNT}"
CALLBACK = "http://rp.test/sign-in/callback"
CLIENT = DemoClient("pages", "s3cret", (CALLBACK,), ("http://rp.test/",))
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def pkce() -> tuple[str, str]:
    """(verifier, its S256 challenge)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class World:
    """The provider over ASGI, and a PKCE pair for one authorization request."""

    def __init__(self, client: httpx.AsyncClient, provider: DemoProvider) -> None:
        self.http = client
        self.provider = provider
        self.verifier, self.challenge = pkce()

    def request(self, **overrides: str) -> dict[str, str]:
        params = {"client_id": "pages", "redirect_uri": CALLBACK, "response_type": "code",
                  "scope": "openid profile", "state": "st", "nonce": "n0",
                  "code_challenge": self.challenge, "code_challenge_method": "S256"}
        params.update(overrides)
        return {k: v for k, v in params.items() if v != "-"}

    async def persona_page(self, **overrides: str) -> httpx.Response:
        return await self.http.get(f"{MOUNT}/authorize?{urlencode(self.request(**overrides))}")

    async def choose(self, persona: str, **overrides: str) -> httpx.Response:
        page = await self.persona_page(**overrides)
        fields = {n: html.unescape(v) for n, v in _HIDDEN.findall(page.text)}
        return await self.http.post(f"{MOUNT}/authorize", data={**fields, "persona": persona})

    async def code(self, persona: str = "ana") -> str:
        chosen = await self.choose(persona)
        return parse_qs(urlsplit(chosen.headers["location"]).query)["code"][0]

    async def token(self, code: str, *, auth: tuple[str, str] | None = ("pages", "s3cret"),
                    **fields: str) -> httpx.Response:
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                "code_verifier": self.verifier, **fields}
        return await self.http.post(f"{MOUNT}/token", data=data, auth=auth)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    provider = DemoProvider(ISSUER, Ed25519PrivateKey.generate(), [CLIENT],
                            CodeStore(tmp_path / "codes.sqlite3"))
    app = Starlette(routes=[Mount(MOUNT, routes=provider.routes())])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://op.test") as client:
        yield World(client, provider)


async def test_discovery_and_jwks_describe_the_provider(world: World) -> None:
    metadata = (await world.http.get(f"{MOUNT}/.well-known/openid-configuration")).json()
    assert metadata["issuer"] == ISSUER
    assert metadata["token_endpoint"] == f"{ISSUER}/token"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["id_token_signing_alg_values_supported"] == ["EdDSA"]
    keys = (await world.http.get(f"{MOUNT}/jwks")).json()["keys"]
    assert [(k["kty"], k["crv"], k["kid"]) for k in keys] == [("OKP", "Ed25519",
                                                              world.provider.kid)]


@pytest.mark.parametrize(("language", "button"), [
    ("en", "Sign in as Ana Morales — applicant"),
    ("es", "Iniciar sesión como Lee Chen — representante")])
async def test_the_persona_page_lists_every_persona(world: World, language: str,
                                                   button: str) -> None:
    page = await world.persona_page(ui_locales=language)
    assert page.status_code == 200
    assert f'<html lang="{language}">' in page.text and button in page.text
    # every persona and cancel
    assert page.text.count('name="persona"') == len(PERSONAS) + 1
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "demo_oidc_csrf" in page.headers["set-cookie"]
    assert "<script" not in page.text


@pytest.mark.parametrize(("overrides", "why"), [
    ({"client_id": "other"}, "(client_id 'other') is not registered"),
    ({"redirect_uri": "http://evil.test/cb"}, "(redirect_uri) is not one registered"),
    ({"redirect_uri": CALLBACK + "/"}, "(redirect_uri) is not one registered"),
    ({"state": "x" * 3000}, "longer than 2048 characters")])
async def test_requests_that_cannot_be_answered_are_a_page_not_a_redirect(
        world: World, overrides: dict[str, str], why: str) -> None:
    page = await world.persona_page(**overrides)
    assert page.status_code == 400 and why in html.unescape(page.text)
    assert "location" not in page.headers


@pytest.mark.parametrize(("overrides", "error"), [
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge": "-", "code_challenge_method": "-"}, "invalid_request"),
    ({"scope": "profile"}, "invalid_scope"),
    ({"response_type": "token"}, "unsupported_response_type")])
async def test_a_bad_request_is_answered_at_the_redirect_uri(
        world: World, overrides: dict[str, str], error: str) -> None:
    answer = await world.persona_page(**overrides)
    assert answer.status_code == 303
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["error"] == [error] and query["state"] == ["st"]


async def test_a_refusal_is_worded_in_the_page_s_language(world: World) -> None:
    page = await world.persona_page(client_id="other", ui_locales="es")
    assert page.status_code == 400 and '<html lang="es">' in page.text
    assert "no está registrada" in page.text


async def test_choosing_needs_the_page_s_csrf_token(world: World) -> None:
    page = await world.persona_page()
    fields = {n: html.unescape(v) for n, v in _HIDDEN.findall(page.text)}
    forged = await world.http.post(f"{MOUNT}/authorize",
                                   data={**fields, "csrf_token": "guess", "persona": "ana"})
    assert forged.status_code == 403 and "location" not in forged.headers


async def test_cancel_answers_access_denied(world: World) -> None:
    answer = await world.choose("")
    assert answer.status_code == 303
    assert parse_qs(urlsplit(answer.headers["location"]).query)["error"] == ["access_denied"]


async def test_a_code_buys_verified_tokens_once(world: World) -> None:
    """The ID token is the persona's for this client and nonce, EdDSA under the JWKS's key;
    the access token signs in at /graphql; the same code again is invalid_grant."""
    chosen = await world.choose("lee")
    back = parse_qs(urlsplit(chosen.headers["location"]).query)
    assert back["state"] == ["st"] and back["iss"] == [ISSUER]
    first = await world.token(back["code"][0])
    assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
    body = first.json()
    keys = StaticKeys.from_jwks((await world.http.get(f"{MOUNT}/jwks")).json())
    [key] = keys.candidates("EdDSA", world.provider.kid)
    claims = jwt.decode(body["id_token"], key, algorithms=["EdDSA"], audience="pages",
                        issuer=ISSUER)
    assert (claims["sub"], claims["role"], claims["nonce"]) == ("lee", "representative", "n0")
    # The demo vouches for each persona's demo address (notification e-mails go there).
    assert (claims["email"], claims["email_verified"]) == ("lee@example.org", True)
    verifier = TokenVerifier(keys, issuer=ISSUER)
    assert verifier.verify(body["access_token"]) == SignedIn("lee", Role.REPRESENTATIVE,
                                                             "Lee Chen")
    again = await world.token(back["code"][0])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(("change", "status", "error"), [
    ({"auth": ("pages", "wrong")}, 401, "invalid_client"),
    ({"auth": None}, 401, "invalid_client"),
    ({"code_verifier": "x" * 43}, 400, "invalid_grant"),
    ({"code_verifier": "short"}, 400, "invalid_grant"),
    ({"redirect_uri": "http://rp.test/other"}, 400, "invalid_grant"),
    ({"grant_type": "password"}, 400, "unsupported_grant_type")])
async def test_the_token_endpoint_refuses(world: World, change: dict[str, Any], status: int,
                                         error: str) -> None:
    code = await world.code()
    answer = await world.token(code, **change)
    assert answer.status_code == status and answer.json()["error"] == error


async def test_client_secret_post_authenticates_too(world: World) -> None:
    code = await world.code()
    answer = await world.token(code, auth=None, client_id="pages", client_secret="s3cret")
    assert answer.status_code == 200, answer.text


async def test_end_session_returns_only_to_a_registered_address(world: World) -> None:
    back = await world.http.get(f"{MOUNT}/end-session", params={
        "post_logout_redirect_uri": "http://rp.test/", "state": "s"})
    assert back.status_code == 303 and back.headers["location"] == "http://rp.test/?state=s"
    elsewhere = await world.http.get(f"{MOUNT}/end-session", params={
        "post_logout_redirect_uri": "http://evil.test/"})
    assert elsewhere.status_code == 200 and "You are signed out." in elsewhere.text
