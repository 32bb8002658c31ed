"""The pages' sign-in against an OpenID provider nobody here wrote: npm ``oidc-provider``
(pinned with its dependencies in tests/integration/oidc_provider/package-lock.json, installed
by the fixture with ``npm ci``), its developer login page, RS256 ID tokens from its JWKS, PKCE
required. The gateway runs on a real uvicorn server on loopback."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from aggregator.consent.vocabulary import Role
from deploy.processes.launcher import free_port
from gateway.app import GatewaySettings
from gateway.roles import RoleMapping
from gateway.web.app import WebSettings
from gateway.web.signin import OidcSettings
from support.http_gateway import gateway_app, serving

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent / "oidc_provider"
CLIENT_ID = "caseline-pages"
CLIENT_SECRET = "a-secret-only-this-test-knows"  # provider.mjs registers the same
_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post">(.*?)</form>', re.S)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """provider.mjs with oidc-provider installed beside it."""
    where = tmp_path_factory.mktemp("oidc-provider")
    for name in ("package.json", "package-lock.json", "provider.mjs"):
        shutil.copy(HERE / name, where / name)
    # npm ci: exactly the versions of the lock file, oidc-provider's own included.
    subprocess.run(["npm", "ci", "--prefix", str(where), "--no-audit", "--no-fund"],
                   check=True, capture_output=True, timeout=300)
    return where


@pytest.fixture
def provider_port() -> int:
    """The provider's port, chosen before the gateway that is configured with it."""
    return free_port()


@pytest.fixture
async def gateway(tmp_path: Path, provider_port: int) -> AsyncIterator[str]:
    """A gateway whose pages sign in at the provider; raj has a role only in the local
    table (the provider gives him none)."""
    oidc = OidcSettings(issuer=f"http://127.0.0.1:{provider_port}", client_id=CLIENT_ID,
                        client_secret=CLIENT_SECRET,
                        roles=RoleMapping("role", {"raj": Role.REPRESENTATIVE}))
    app, _ = gateway_app(tmp_path / "state", GatewaySettings(web=WebSettings(oidc=oidc)))
    async with app.router.lifespan_context(app), serving(app) as base:
        yield base


@pytest.fixture
def provider(installed: Path, provider_port: int, gateway: str) -> Iterator[str]:
    """oidc-provider running, its one client's redirect_uri the gateway's callback."""
    process = subprocess.Popen(
        ["node", "provider.mjs", str(provider_port), f"{gateway}/sign-in/callback"],
        cwd=installed, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    try:
        assert json.loads(line)["event"] == "listening", line
        yield f"http://127.0.0.1:{provider_port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


async def _submit(client: httpx.AsyncClient, page: httpx.Response,
                  **fields: str) -> httpx.Response:
    """Post the page's (first) form with its hidden fields and ``fields``."""
    action, body = _FORM.findall(page.text)[0]
    hidden = {name: html.unescape(value) for name, value in _HIDDEN.findall(body)}
    return await client.post(str(page.url.join(html.unescape(action))),
                             data={**hidden, **fields})


async def _log_in(client: httpx.AsyncClient, gateway: str, login: str,
                  start: str = "/sign-in") -> httpx.Response:
    """From ``start`` through the provider's login and consent pages, back to the pages."""
    login_page = await client.get(f"{gateway}{start}")
    assert login_page.status_code == 200 and 'name="login"' in login_page.text, login_page.text
    consent = await _submit(client, login_page, login=login, password="anything")
    assert 'value="consent"' in consent.text, consent.text
    return await _submit(client, consent)


async def test_sign_in_completes_against_oidc_provider(gateway: str, provider: str) -> None:
    """PKCE S256 and a nonce go out; the RS256 ID token from the provider's JWKS signs ana
    in with her role claim, landing where she was going; signing out ends the page session
    and links to the provider's end_session_endpoint."""
    async with httpx.AsyncClient(follow_redirects=True, timeout=15) as client:
        start = await client.get(f"{gateway}/sign-in?next=/", follow_redirects=False)
        query = parse_qs(urlsplit(start.headers["location"]).query)
        assert start.headers["location"].startswith(f"{provider}/auth?")
        assert query["code_challenge_method"] == ["S256"] and query["nonce"]
        landed = await _log_in(client, gateway, "ana", "/sign-in?next=/")
        assert str(landed.url) == f"{gateway}/", landed.text
        assert "Sign out Person ana" in landed.text
        csrf = dict(_HIDDEN.findall(landed.text))["csrf_token"]
        out = await client.post(f"{gateway}/sign-out", data={"csrf_token": csrf},
                                follow_redirects=False)
        # The provider is another site: a link to its end_session_endpoint, since the
        # pages' CSP (form-action 'self') would stop the form's redirect there.
        assert out.status_code == 200 and "You are signed out of Caseline" in out.text
        logout = re.search(r'href="([^"]*/session/end\?[^"]*)"', out.text)
        assert logout is not None and logout.group(1).startswith(f"{provider}/session/end?")
        assert "id_token_hint=" in logout.group(1)
        assert "Sign out Person" not in (await client.get(f"{gateway}/")).text


async def test_roles_from_the_local_table_and_none(gateway: str, provider: str) -> None:
    """raj's provider account has no role claim: the local table makes him a representative
    (landing on /clients); someone in neither is told their account has no access."""
    async with httpx.AsyncClient(follow_redirects=True, timeout=15) as client:
        landed = await _log_in(client, gateway, "raj")
        assert urlsplit(str(landed.url)).path == "/clients"
        client.cookies.clear()
        refused = await _log_in(client, gateway, "nobody")
        assert refused.status_code == 403
        assert "Your account has no access to Caseline yet" in refused.text


async def test_an_aborted_sign_in_is_a_clear_page(gateway: str, provider: str) -> None:
    """The provider answers access_denied: the page says sign-in was cancelled (in Spanish
    when asked), never a 500."""
    async with httpx.AsyncClient(follow_redirects=True, timeout=15) as client:
        login_page = await client.get(f"{gateway}/sign-in?lang=es")
        abort = re.search(r'href="([^"]*/abort)"', login_page.text)
        assert abort is not None, login_page.text
        page = await client.get(str(login_page.url.join(html.unescape(abort.group(1)))))
        assert page.status_code == 403
        assert "Se canceló el inicio de sesión" in page.text


async def test_an_unreachable_provider_is_a_clear_page(gateway: str) -> None:
    """No provider listening: /sign-in answers 502 in words."""
    async with httpx.AsyncClient(timeout=15) as client:
        page = await client.get(f"{gateway}/sign-in")
    assert page.status_code == 502
    assert "The sign-in service could not be reached" in page.text
