"""The demo's GraphiQL page: only the gateway's own files, each served with the right type,
under a CSP that allows scripts from this origin alone; production serves no such page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.config import parse_config
from gateway.app import GatewaySettings, create_app
from gateway.auth import TokenVerifier
from support.fakes import fake_service

CONFIG = parse_config({"agencies": [{
    "id": "fake", "name": "Fake Agency", "address": "unused:1", "numbers": "^FAK",
    "number_format": "FAK and 6 digits"}]})
HTML = {"Accept": "text/html"}


async def _client(demo: bool) -> AsyncIterator[httpx.AsyncClient]:
    service = fake_service(CONFIG, {})
    app = create_app(service, TokenVerifier(Ed25519PrivateKey.generate().public_key()),
                     GatewaySettings(demo=demo))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://127.0.0.1") as client:
        yield client
    await service.close()


@pytest.fixture
async def demo() -> AsyncIterator[httpx.AsyncClient]:
    """The demo gateway, GraphiQL on."""
    async for client in _client(demo=True):
        yield client


def _references(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]*)"', page)


async def test_the_page_references_only_the_gateways_own_files(
        demo: httpx.AsyncClient) -> None:
    """Every script and stylesheet is under /static/graphiql/; no URL names another host,
    and no script is inline (each <script> has a src and no body)."""
    response = await demo.get("/graphql", headers=HTML)
    assert response.status_code == 200
    page = response.text
    references = _references(page)
    assert "/static/graphiql/vendor/graphiql.min.js" in references
    assert "/static/graphiql/boot.js" in references
    assert all(r.startswith("/static/graphiql/") for r in references), references
    assert not re.search(r"https?:|//[a-z]", page, re.IGNORECASE)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.DOTALL)
    assert len(scripts) == 5
    assert all('src="' in attributes and body == "" for attributes, body in scripts)
    assert "<style" not in page
    assert " style=" not in page


@pytest.mark.parametrize(("suffix", "content_type"), [
    (".js", "text/javascript"), (".css", "text/css")])
async def test_every_referenced_file_is_served_with_its_type(
        demo: httpx.AsyncClient, suffix: str, content_type: str) -> None:
    """Each referenced script and stylesheet is served 200 with its content type, and is
    the real thing (not an empty placeholder)."""
    page = (await demo.get("/graphql", headers=HTML)).text
    references = [r for r in _references(page) if r.endswith(suffix)]
    assert len(references) == (5 if suffix == ".js" else 3)
    for reference in references:
        response = await demo.get(reference)
        assert response.status_code == 200, reference
        assert response.headers["content-type"].startswith(content_type), reference
        assert len(response.content) > 100, reference


async def test_the_vendor_scripts_load_nothing_from_elsewhere(
        demo: httpx.AsyncClient) -> None:
    """The boot script asks this page's own address; the vendored GraphiQL bundle has no
    CDN address to load from (it names CDNs only in a warning's words; the CSP stops any
    load from elsewhere anyway)."""
    boot = (await demo.get("/static/graphiql/boot.js")).text
    assert "window.location.origin + window.location.pathname" in boot
    assert "GraphiQL.createFetcher" in boot
    bundle = (await demo.get("/static/graphiql/vendor/graphiql.min.js")).text
    assert "unpkg.com" not in bundle


async def test_the_page_has_a_csp_allowing_scripts_from_self_only(
        demo: httpx.AsyncClient) -> None:
    """script-src 'self' (no inline, no eval), connections to this origin only, no
    framing, and the other security headers of the pages."""
    headers = (await demo.get("/graphql", headers=HTML)).headers
    directives = dict(d.strip().split(" ", 1)
                      for d in headers["content-security-policy"].split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["style-src"] == "'self' 'unsafe-inline'"
    assert not any("http" in value or "*" in value for value in directives.values())
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


async def test_graphql_still_answers_posts_in_the_demo(demo: httpx.AsyncClient) -> None:
    """The page's fetcher posts JSON to /graphql, which still answers."""
    response = await demo.post("/graphql", json={"query": "{ agencies { id } }"})
    assert response.json() == {"data": {"agencies": [{"id": "fake"}]}}


async def test_production_serves_no_graphiql() -> None:
    """Without the demo, a browser's GET /graphql gets no GraphiQL page."""
    async for client in _client(demo=False):
        response = await client.get("/graphql", headers=HTML)
        assert response.status_code != 200
        assert "graphiql" not in response.text.lower()
