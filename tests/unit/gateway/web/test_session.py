"""Page sessions: who is signed in, expiry, and the CSRF check of forms."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from aggregator.consent.vocabulary import Role
from gateway.auth import SignedIn
from gateway.web.session import (
    SESSION_MAX_S,
    CsrfError,
    checked_form,
    csrf_token,
    renew,
    sign_in,
    sign_out,
    signed_in,
)

ANA = SignedIn("ana", Role.APPLICANT, "Ana Morales")


def _app() -> Starlette:
    async def enter(request: Request) -> Response:
        sign_in(request, ANA)
        return PlainTextResponse(csrf_token(request))

    async def leave(request: Request) -> Response:
        sign_out(request)
        return PlainTextResponse("out")

    async def who(request: Request) -> Response:
        person = signed_in(request)
        return PlainTextResponse(person.name if person else "nobody")

    async def change(request: Request) -> Response:
        try:
            form = await checked_form(request)
        except CsrfError as exc:
            return PlainTextResponse(str(exc), status_code=403)
        return PlainTextResponse(f"changed {form.get('what')}")

    app = Starlette(routes=[Route("/in", enter), Route("/out", leave), Route("/who", who),
                            Route("/change", change, methods=["POST"])])
    app.add_middleware(SessionMiddleware, secret_key="k" * 32)
    return app


@pytest.fixture
async def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()),
                             base_url="http://127.0.0.1")


async def test_signed_in_until_signed_out(client: httpx.AsyncClient) -> None:
    assert (await client.get("/who")).text == "nobody"
    await client.get("/in")
    assert (await client.get("/who")).text == "Ana Morales"
    await client.get("/out")
    assert (await client.get("/who")).text == "nobody"


async def test_a_form_changes_only_with_the_sessions_csrf_token(
        client: httpx.AsyncClient) -> None:
    token = (await client.get("/in")).text
    refused = await client.post("/change", data={"what": "x", "csrf_token": "forged"})
    missing = await client.post("/change", data={"what": "x"})
    accepted = await client.post("/change", data={"what": "x", "csrf_token": token})
    assert (refused.status_code, missing.status_code) == (403, 403)
    assert accepted.text == "changed x"


async def test_signing_in_again_replaces_the_csrf_token(client: httpx.AsyncClient) -> None:
    first = (await client.get("/in")).text
    second = (await client.get("/in")).text
    assert first != second
    stale = await client.post("/change", data={"csrf_token": first})
    assert stale.status_code == 403


class _Request:
    """Just enough of a request for the session functions."""

    def __init__(self, session: dict[str, object]) -> None:
        self.session = session


def test_a_session_expires_whatever_its_activity() -> None:
    request = _Request({})
    sign_in(request, ANA, now=1000.0)  # type: ignore[arg-type]
    assert signed_in(request, now=1000.0 + SESSION_MAX_S - 1) == ANA  # type: ignore[arg-type]
    assert signed_in(request, now=1000.0 + SESSION_MAX_S) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("user", [
    "ana", {"sub": "ana"}, {"sub": "ana", "role": "king", "name": "A", "exp": 9e12},
    {"sub": "ana", "role": "applicant", "name": "A", "exp": "soon"}])
def test_a_malformed_session_is_signed_out(user: object) -> None:
    assert signed_in(_Request({"user": user})) is None  # type: ignore[arg-type]


def test_renewing_changes_the_session_at_most_once_a_minute() -> None:
    request = _Request({})
    sign_in(request, ANA, now=0.0)  # type: ignore[arg-type]
    renew(request, now=30.0)  # type: ignore[arg-type]
    first = dict(request.session)
    renew(request, now=59.0)  # type: ignore[arg-type]
    assert request.session == first
    renew(request, now=61.0)  # type: ignore[arg-type]
    assert request.session != first


def test_renewing_a_signed_out_session_keeps_it_empty() -> None:
    request = _Request({})
    renew(request)  # type: ignore[arg-type]
    assert request.session == {}
