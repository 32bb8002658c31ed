"""Signing in on the pages of a real `caseline demo` (two gateway processes) over HTTP: the
pages' OpenID client, the demo's provider and its persona page, the callback, the signed-in
page and signing out; the API keeps taking only bearer tokens."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from support.demo_process import Demo, start_demo

pytestmark = pytest.mark.integration

_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """One demo with two gateway processes: a code issued by one is redeemed at either."""
    running = start_demo(tmp_path_factory.mktemp("state"), "--cases", "50", "--workers", "2")
    yield running
    assert running.stop() == 0


def hidden_fields(page: str) -> dict[str, str]:
    """A form's hidden fields."""
    return {name: html.unescape(value) for name, value in _INPUT.findall(page)}


def sign_in(client: httpx.Client, persona: str, path: str) -> httpx.Response:
    """Follow the flow from ``path`` (a /sign-in address) to the persona page, choose
    ``persona`` and return the callback's answer."""
    start = client.get(path)
    assert start.status_code == 302, start.text
    authorize = start.headers["location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["nonce"] and query["state"]
    chooser = client.get(authorize)
    assert chooser.status_code == 200, chooser.text
    fields = hidden_fields(chooser.text)
    chosen = client.post(urlsplit(authorize)._replace(query="").geturl(),
                         data={**fields, "persona": persona})
    assert chosen.status_code == 303, chosen.text
    back = chosen.headers["location"]
    assert back.startswith(f"{str(client.base_url).rstrip('/')}/sign-in/callback?code=")
    return client.get(back)


def test_sign_in_as_a_persona_and_out(demo: Demo) -> None:
    """The banner names the sign-in page; the persona page lists every persona; ana lands
    where she was going, her name on the page; signing out ends the session at the provider
    too and the page asks to sign in again."""
    banner = "".join(demo.output)
    assert f"{demo.base_url}/sign-in" in banner
    with httpx.Client(base_url=demo.base_url, timeout=15) as client:
        # The pages' language goes along (ui_locales) to the provider's page.
        chooser = client.get(client.get("/sign-in?lang=es").headers["location"])
        assert "Iniciar sesión como Ana Morales — solicitante" in chooser.text
        assert "Lee Chen — representante" in chooser.text
        assert "Audrey Okafor — auditor" in chooser.text

        landed = sign_in(client, "ana", "/sign-in?next=/status%3Fnumber%3DIOE0990000001")
        assert landed.status_code == 303, landed.text
        assert landed.headers["location"] == "/status?number=IOE0990000001"
        page = client.get("/")
        # Spanish, as chosen at /sign-in?lang=es before signing in.
        assert "Cerrar la sesión de Ana Morales" in page.text
        assert page.headers["cache-control"] == "no-store"

        out = client.post("/sign-out", data={"csrf_token": hidden_fields(page.text)
                                             ["csrf_token"]})
        assert out.status_code == 303
        assert out.headers["location"].startswith(f"{demo.base_url}/demo-oidc/end-session?")
        home = client.get(out.headers["location"])
        assert home.status_code == 303 and home.headers["location"].startswith(
            f"{demo.base_url}/")
        after = client.get("/")
        assert 'action="/sign-out"' not in after.text
        assert 'href="/sign-in?next=/"' in after.text


@pytest.mark.parametrize(("persona", "home"), [
    ("raj", "/me"), ("lee", "/clients"), ("audrey", "/audit")])
def test_each_role_lands_on_its_home_without_next(demo: Demo, persona: str,
                                                  home: str) -> None:
    with httpx.Client(base_url=demo.base_url, timeout=15) as client:
        landed = sign_in(client, persona, "/sign-in")
        assert landed.status_code == 303 and landed.headers["location"] == home


def test_a_callback_replayed_or_cancelled_is_a_clear_page(demo: Demo) -> None:
    """The same callback address a second time (state used, code spent) and a cancelled
    sign-in each answer a page in words, never a 500, and sign nobody in."""
    with httpx.Client(base_url=demo.base_url, timeout=15) as client:
        start = client.get("/sign-in")
        authorize = start.headers["location"]
        fields = hidden_fields(client.get(authorize).text)
        target = urlsplit(authorize)._replace(query="").geturl()
        back = client.post(target, data={**fields, "persona": "ana"}).headers["location"]
        assert client.get(back).status_code == 303
        client.cookies.clear()
        replayed = client.get(back, headers={"Accept-Language": "es"})
        assert replayed.status_code == 400
        assert "Este inicio de sesión ha caducado" in replayed.text

        start = client.get("/sign-in")
        authorize = start.headers["location"]
        fields = hidden_fields(client.get(authorize).text)
        cancelled = client.post(urlsplit(authorize)._replace(query="").geturl(),
                                data={**fields, "persona": ""})
        assert "error=access_denied" in cancelled.headers["location"]
        page = client.get(cancelled.headers["location"])
        assert page.status_code == 403 and "Sign-in was cancelled" in page.text
        assert 'action="/sign-out"' not in client.get("/").text


def test_the_api_takes_bearer_tokens_never_the_page_cookie(demo: Demo) -> None:
    """Signed in on the pages, /graphql still sees nobody without a bearer token; a dev
    token (the provider's key and issuer) is a viewer."""
    query = {"query": "{ viewer { subject role } }"}
    with httpx.Client(base_url=demo.base_url, timeout=15) as client:
        sign_in(client, "ana", "/sign-in")
        page = client.get("/").text  # in ana's language, whichever it is
        assert 'action="/sign-out"' in page and "Ana Morales" in page
        body = client.post("/graphql", json=query).json()
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
    token = demo.token("ana")
    assert httpx.post(f"{demo.base_url}/graphql", json=query, timeout=15,
                      headers={"Authorization": f"Bearer {token}"}).json() == {
        "data": {"viewer": {"subject": "ana", "role": "applicant"}}}
