"""/clients/invite: a representative sees their code and how to give it; POST makes a new
one (CSRF-checked) and the old one stops resolving; other roles are refused."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.config import parse_config
from aggregator.consent.invitations import InvitationError
from aggregator.consent.vocabulary import Role
from aggregator.service import CaselineService
from gateway.app import GatewaySettings, create_app
from gateway.auth import SignedIn, TokenVerifier
from gateway.web import localized
from gateway.web.app import WebSettings
from support.fakes import fake_service
from support.pages import SESSION_COOKIE, session_cookie

SECRET = b"i" * 32
CONFIG = parse_config({"agencies": [
    {"id": "immigration", "name": "USCIS", "name_es": "USCIS", "address": "unused:1",
     "numbers": "^IOE", "number_format": "IOE and 10 digits"}]})
LEE = SignedIn("lee", Role.REPRESENTATIVE, "Lee Ortiz")

Pages = tuple[CaselineService, httpx.AsyncClient]


@pytest.fixture
async def pages() -> AsyncIterator[Pages]:
    service = fake_service(CONFIG, {})
    app = create_app(service, TokenVerifier(Ed25519PrivateKey.generate().public_key()),
                     GatewaySettings(web=WebSettings(session_secret=SECRET)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://127.0.0.1") as client:
        yield service, client
    await service.close()


def _as(client: httpx.AsyncClient, who: SignedIn) -> None:
    client.cookies.set(SESSION_COOKIE, session_cookie(SECRET, who, csrf="t"))


def _code(page: str) -> str | None:
    found = re.search(r'data-code="([0-9A-Z]{5}-[0-9A-Z]{5})"', page)
    return found.group(1) if found else None


async def test_a_new_representative_is_offered_a_code_then_gets_one(pages: Pages) -> None:
    service, client = pages
    _as(client, LEE)
    first = await client.get("/clients/invite")
    assert first.status_code == 200 and _code(first.text) is None
    assert 'action="/clients/invite"' in first.text and "30" in first.text
    made = await client.post("/clients/invite", data={"csrf_token": "t"})
    code = _code(made.text)
    assert made.status_code == 200 and code is not None
    assert "Lee Ortiz" in made.text and "The old one no longer works" not in made.text
    assert (await service.invitations.resolve("ana", code)).grantee_id == "lee"
    assert _code((await client.get("/clients/invite")).text) == code


async def test_a_new_code_replaces_the_old_one(pages: Pages) -> None:
    service, client = pages
    _as(client, LEE)
    old = _code((await client.post("/clients/invite", data={"csrf_token": "t"})).text)
    new = _code((await client.post("/clients/invite", data={"csrf_token": "t"})).text)
    assert old and new and old != new
    again = await client.get("/clients/invite")
    assert _code(again.text) == new
    renewed = await client.post("/clients/invite", data={"csrf_token": "t"})
    assert "The old one no longer works" in renewed.text
    with pytest.raises(InvitationError):
        await service.invitations.resolve("ana", old)


async def test_without_csrf_no_code_is_made(pages: Pages) -> None:
    service, client = pages
    _as(client, LEE)
    assert (await client.post("/clients/invite", data={})).status_code == 403
    assert service.invitations.current("lee") is None


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.AUDITOR])
async def test_other_roles_are_refused(pages: Pages, role: Role) -> None:
    _, client = pages
    _as(client, SignedIn("someone", role, "Someone"))
    assert (await client.get("/clients/invite")).status_code == 403
    assert (await client.post("/clients/invite", data={"csrf_token": "t"})).status_code == 403


async def test_signed_out_visitors_are_sent_to_sign_in(pages: Pages) -> None:
    _, client = pages
    response = await client.get("/clients/invite")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/clients/invite"


async def test_the_code_says_until_when_in_the_readers_words(pages: Pages) -> None:
    """The code's end is a moment in words (English, then Spanish), not an ISO date."""
    service, client = pages
    _as(client, LEE)
    made = await client.post("/clients/invite", data={"csrf_token": "t"})
    invitation = service.invitations.current("lee")
    assert invitation is not None
    ends = invitation.expires_at
    assert f"Valid until {localized.moment('en', ends)}." in made.text
    assert re.search(r"Valid until [A-Z][a-z]+ \d{1,2}, \d{4}, \d{1,2}:\d{2}\u202f[AP]M UTC\.",
                     made.text)
    spanish = await client.get("/clients/invite?lang=es")
    assert f"Válido hasta el {localized.moment('es', ends)}." in spanish.text
    assert re.search(r"Válido hasta el \d{1,2} de [a-z]+ de \d{4}, \d{1,2}:\d{2} UTC\.",
                     spanish.text)
    for page in (made.text, spanish.text):
        assert ends.date().isoformat() not in page
