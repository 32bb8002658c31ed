"""bench/_signin.py: a benchmark signs in as a browser would — /sign-in, the provider's
persona page, its form posted with the persona, the callback — and keeps the session cookie."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

BENCH = Path(__file__).parents[3] / "bench"
sys.path.insert(0, str(BENCH))  # bench/ is scripts that import each other by file name
signin = importlib.import_module("_signin")

PERSONA_PAGE = """<main><h1>Demo sign-in</h1>
<form method="post" action="/demo-oidc/authorize">
  <input type="hidden" name="state" value="s&amp;1">
  <input type="hidden" name="csrf_token" value="c2">
  <ul>
    <li><button class="usa-button" type="submit" name="persona" value="ana">Ana</button></li>
    <li><button class="usa-button" type="submit" name="persona" value="lee">Lee</button></li>
    <li><button type="submit" name="persona" value="">Cancel</button></li>
  </ul>
</form></main>"""


def test_the_persona_form_is_read_with_its_hidden_fields_and_personas() -> None:
    form = signin.persona_form(PERSONA_PAGE)
    assert form.action == "/demo-oidc/authorize"
    assert form.fields == {"state": "s&1", "csrf_token": "c2"}
    assert form.personas == ["ana", "lee"]


def test_a_page_without_a_form_or_far_too_long_is_refused() -> None:
    with pytest.raises(ValueError, match="no form"):
        signin.persona_form("<p>Service unavailable</p>")
    with pytest.raises(ValueError, match="at most 200,000"):
        signin.persona_form("x" * 200_001)


def _provider(posted: list[dict[str, list[str]]]) -> httpx.MockTransport:
    """The pages and the demo provider, as far as a sign-in goes."""
    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/sign-in":
            return httpx.Response(302, headers={
                "location": "http://demo/demo-oidc/authorize?state=s&nonce=n"})
        if path == "/demo-oidc/authorize" and request.method == "GET":
            return httpx.Response(200, text=PERSONA_PAGE)
        if path == "/demo-oidc/authorize":
            posted.append(parse_qs(request.content.decode()))
            return httpx.Response(303, headers={
                "location": "http://demo/sign-in/callback?code=k&state=s"})
        if path == "/sign-in/callback":
            return httpx.Response(303, headers={
                "location": "/me", "set-cookie": "caseline_session=signed; Path=/; HttpOnly"})
        return httpx.Response(404)

    return httpx.MockTransport(answer)


def test_signing_in_posts_the_form_with_the_persona_and_returns_the_cookie() -> None:
    posted: list[dict[str, list[str]]] = []
    cookie = signin.session_cookie("http://demo", "lee", transport=_provider(posted))
    assert cookie == "signed"
    assert posted == [{"state": ["s&1"], "csrf_token": ["c2"], "persona": ["lee"]}]


def test_an_unknown_persona_is_named_with_the_ones_listed() -> None:
    with pytest.raises(ValueError, match=r"no persona 'bob'.*ana, lee"):
        signin.session_cookie("http://demo", "bob", transport=_provider([]))
