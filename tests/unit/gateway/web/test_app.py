"""The pages' application: the session cookie's flags, the menu of a signed-in person, and
that the API never reads the pages' cookie."""

from __future__ import annotations

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.config import parse_config
from aggregator.consent.vocabulary import Role
from gateway.app import GatewaySettings, create_app
from gateway.auth import SignedIn, TokenVerifier
from gateway.web import public
from gateway.web.app import WebSettings
from support.fakes import fake_service
from support.pages import SESSION_COOKIE, session_cookie

SECRET = b"s" * 32
LEE = SignedIn("lee", Role.REPRESENTATIVE, "Lee Chen")
CONFIG = parse_config({"agencies": [{
    "id": "fake", "name": "Fake Agency", "address": "unused:1", "numbers": "^FAK",
    "number_format": "FAK and 6 digits"}]})


def _client(host: str) -> httpx.AsyncClient:
    service = fake_service(CONFIG, {})
    app = create_app(service, TokenVerifier(Ed25519PrivateKey.generate().public_key()),
                     GatewaySettings(web=WebSettings(session_secret=SECRET)))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                               base_url=f"http://{host}")
    client.cookies.set(SESSION_COOKIE, session_cookie(SECRET, LEE))
    return client


async def test_the_session_cookie_is_secure_off_loopback_and_always_httponly_lax() -> None:
    async with _client("127.0.0.1") as local, _client("caseline.example") as public:
        plain = (await local.get("/")).headers["set-cookie"].lower()
        secure = (await public.get("/")).headers["set-cookie"].lower()
    assert "httponly" in plain and "samesite=lax" in plain and "secure" not in plain
    assert "httponly" in secure and "samesite=lax" in secure and "; secure" in secure


async def test_a_signed_in_page_shows_the_persons_menu_and_is_never_cached() -> None:
    async with _client("127.0.0.1") as client:
        page = await client.get("/")
    assert "Sign out Lee Chen" in page.text
    assert 'href="/clients"' in page.text and 'href="/me"' not in page.text
    assert page.headers["cache-control"] == "no-store"


async def test_a_cookie_signed_with_another_secret_signs_no_one_in() -> None:
    async with _client("127.0.0.1") as client:
        client.cookies.set(SESSION_COOKIE, session_cookie(b"x" * 32, LEE))
        page = await client.get("/")
    assert "Sign out" not in page.text and "/sign-in?next=/" in page.text


async def test_the_api_ignores_the_pages_cookie() -> None:
    async with _client("127.0.0.1") as client:
        answer = await client.post("/graphql", json={"query": "{ viewer { name } }"})
    assert answer.json()["data"] == {"viewer": None}


async def test_an_unknown_page_answers_a_page_in_the_visitors_language() -> None:
    async with _client("127.0.0.1") as client:
        page = await client.get("/no/such/page", headers={"accept-language": "es"})
    assert page.status_code == 404
    assert "Página no encontrada" in page.text and 'lang="es"' in page.text


async def test_a_fault_answers_a_page_in_words_not_a_bare_500(
        monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*_args: object) -> None:
        raise RuntimeError("the formats could not be read")

    monkeypatch.setattr(public, "format_hints", broken)
    service = fake_service(CONFIG, {})
    app = create_app(service, TokenVerifier(Ed25519PrivateKey.generate().public_key()),
                     GatewaySettings(web=WebSettings(session_secret=SECRET)))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        page = await client.get("/")
    assert page.status_code == 500
    assert "Something went wrong" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")


async def test_static_files_are_compressed_and_kept_but_pages_are_not_compressed() -> None:
    async with _client("127.0.0.1") as client:
        css = await client.get("/static/uswds/css/uswds.min.css",
                               headers={"accept-encoding": "gzip"})
        page = await client.get("/", headers={"accept-encoding": "gzip"})
    assert css.headers["content-encoding"] == "gzip"
    assert css.num_bytes_downloaded < len(css.content) / 4  # content is decoded by httpx
    assert css.headers["cache-control"] == "public, max-age=86400"
    # BREACH: a compressed page that holds a CSRF token and echoed input leaks the token.
    assert "content-encoding" not in page.headers
