"""/me/consents over a real ledger: granting through the invitation code and "check your
answers", the errors a person can meet, CSRF, and pausing, resuming and revoking with a
receipt each time."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.bootstrap import bootstrap
from aggregator.config import parse_config
from aggregator.consent.vocabulary import ConsentState, Role
from aggregator.ledger.ledger import Ledger
from aggregator.ledger.note import NoteSigner
from aggregator.service import CaselineService
from caseline.v1.lib.scopes import Scope
from gateway.app import GatewaySettings, create_app
from gateway.auth import SignedIn, TokenVerifier
from gateway.web import localized
from gateway.web.app import WebSettings
from support.fakes import NO_STATE_DIR, FixedClock, fake_keys, memory_store, refusing_opener
from support.pages import SESSION_COOKIE, session_cookie
from support.receipt_check import check_in_node, receipts_in_page

SECRET = b"s" * 32
CONFIG = parse_config({"agencies": [
    {"id": "immigration", "name": "USCIS", "name_es": "USCIS", "address": "unused:1",
     "numbers": "^IOE", "number_format": "IOE and 10 digits"},
    {"id": "courts", "name": "Immigration Court", "name_es": "Tribunal de Inmigración",
     "address": "unused:2", "numbers": "^A", "number_format": "A and 9 digits"}]})
ANA = SignedIn("ana", Role.APPLICANT, "Ana Pérez")
LEE = SignedIn("lee", Role.REPRESENTATIVE, "Lee Ortiz, Esq.")


@dataclass
class World:
    service: CaselineService
    clock: FixedClock
    ana: httpx.AsyncClient
    lee: httpx.AsyncClient

    def until(self, days: int = 30) -> str:
        return (self.clock.now.date() + timedelta(days=days)).isoformat()


def _client(app: object, who: SignedIn) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
                               base_url="http://127.0.0.1")
    client.cookies.set(SESSION_COOKIE, session_cookie(SECRET, who, csrf="t"))
    return client


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    ledger = Ledger(tmp_path / "ledger.sqlite3",
                    NoteSigner("test.localhost/ledger", Ed25519PrivateKey.generate()))
    service = bootstrap(CONFIG, NO_STATE_DIR, adapters={}, store=memory_store(), ledger=ledger,
                        opener=refusing_opener(), keys=fake_keys(), clock=clock)
    app = create_app(service, TokenVerifier(Ed25519PrivateKey.generate().public_key()),
                     GatewaySettings(web=WebSettings(session_secret=SECRET)))
    async with _client(app, ANA) as ana, _client(app, LEE) as lee:
        yield World(service, clock, ana, lee)
    await service.close()


async def _code(world: World) -> str:
    page = await world.lee.post("/clients/invite", data={"csrf_token": "t"})
    assert page.status_code == 200, page.text
    found = re.search(r'data-code="([0-9A-Z]{5}-[0-9A-Z]{5})"', page.text)
    assert found, page.text
    return found.group(1)


def _grant(world: World, code: str, **changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "csrf_token": "t", "code": code, "agencies": ["immigration"],
        "scopes": ["STATUS", "DETAILS"], "purpose": "LEGAL_REPRESENTATION",
        "purpose_text": "", "until": world.until(), "shared_name": "Ana P."}
    form.update(changes)
    return form


def _errors(page: str) -> list[tuple[str, str]]:
    summary = page.split('id="error-summary-heading"', 1)[1].split("</ul>", 1)[0]
    return [(anchor, html.unescape(text)) for anchor, text in
            re.findall(r'<a class="usa-link" href="#([\w-]+)">([^<]*)</a>', summary)]


async def test_granting_through_check_your_answers_names_the_invited_representative(
        world: World) -> None:
    """The code typed loosely resolves to lee; the check page shows lee's name and what was
    chosen, and only Grant creates the consent, for lee, with those scopes, with a receipt."""
    code = await _code(world)
    form = await world.ana.get("/me/consents/grant")
    assert form.status_code == 200 and 'name="csrf_token" value="t"' in form.text
    check = await world.ana.post("/me/consents/grant",
                                 data=_grant(world, code.lower().replace("-", " ")))
    assert check.status_code == 200, check.text
    assert "Lee Ortiz, Esq." in check.text and code in check.text
    assert "USCIS" in check.text and "Ana P." in check.text
    assert 'action="/me/consents/grant/confirm"' in check.text
    assert world.service.consents.granted_by("ana") == ()  # nothing before Grant
    done = await world.ana.post("/me/consents/grant/confirm",
                                data=_grant(world, code.lower().replace("-", " ")))
    assert done.status_code == 200, done.text
    (record,) = world.service.consents.granted_by("ana")
    assert record.grantee_id == "lee"
    assert record.scopes == (Scope.STATUS, Scope.DETAILS)
    assert record.agencies == ("immigration",) and record.shared_name == "Ana P."
    assert record.valid_until.date() == date.fromisoformat(world.until())
    assert 'class="caseline-receipt' in done.text and 'src="/static/receipt.js"' in done.text
    assert f'data-key="{world.service.ledger.verifier_key()}"' in done.text
    assert check_in_node(*receipts_in_page(done.text)) == ["ok"]  # the markup's own data
    listing = await world.ana.get("/me/consents")
    assert "Lee Ortiz, Esq." in listing.text and 'data-state="ACTIVE"' in listing.text


async def test_a_change_link_brings_the_answers_back_to_the_form(world: World) -> None:
    """"Change" re-opens the form with every answer kept, at the field."""
    code = await _code(world)
    back = await world.ana.post("/me/consents/grant?change=scopes", data=_grant(world, code))
    assert back.status_code == 200
    assert 'value="DETAILS"\n             aria-describedby="scope-1-says" checked' in back.text
    assert f'value="{code}"' in back.text and "There is a problem" not in back.text


@pytest.mark.parametrize(("changes", "anchor", "words"), [
    ({"code": "K7QMR-4RTXW"}, "code", "No invitation has this code"),
    ({"code": "nonsense"}, "code", "10 letters and digits"),
    ({"code": ""}, "code", "Enter the invitation code"),
    ({"agencies": []}, "agency-0", "Choose at least one agency"),
    ({"agencies": ["nowhere"]}, "agency-0", "Choose at least one agency"),
    ({"scopes": []}, "scope-0", "Choose at least one kind"),
    ({"purpose": "OTHER"}, "purpose-text", "Say what the access is for"),
    ({"until": "yesterday"}, "until", "2027-01-31"),
    ({"until": "2020-01-01"}, "until", "after today"),
    ({"shared_name": "Ana\u202eP"}, "shared-name", "letters, digits, spaces and punctuation"),
])
async def test_a_bad_answer_is_named_in_the_error_summary(
        world: World, changes: dict[str, object], anchor: str, words: str) -> None:
    """Each problem is listed with a link to its field; nothing is granted."""
    code = await _code(world)
    page = await world.ana.post("/me/consents/grant", data={**_grant(world, code), **changes})
    assert page.status_code == 400
    errors = _errors(page.text)
    assert [a for a, _ in errors] == [anchor], errors
    assert words in errors[0][1]
    assert world.service.consents.granted_by("ana") == ()


async def test_an_expired_code_is_said_to_have_expired(world: World) -> None:
    code = await _code(world)
    world.clock.advance(timedelta(days=31))
    page = await world.ana.post("/me/consents/grant", data=_grant(world, code))
    assert page.status_code == 400
    assert _errors(page.text) == [("code", "This invitation code has expired. Ask the person "
                                           "who gave it to you for a new one.")]


async def test_wrong_codes_are_throttled_with_a_wait_in_words(world: World) -> None:
    """After ten wrong codes even the right one waits, with Retry-After."""
    code = await _code(world)
    for _ in range(10):
        await world.ana.post("/me/consents/grant", data=_grant(world, "ZZZZZ-ZZZZZ"))
    page = await world.ana.post("/me/consents/grant", data=_grant(world, code))
    assert page.status_code == 429
    assert "Too many wrong invitation codes. Try again in" in _errors(page.text)[0][1]
    assert int(page.headers["retry-after"]) > 0


async def test_spanish_errors_and_choices(world: World) -> None:
    code = await _code(world)
    page = await world.ana.post("/me/consents/grant?lang=es",
                                data=_grant(world, code, scopes=[]))
    assert '<html lang="es">' in page.text
    assert "Hay un problema" in page.text and "Tribunal de Inmigración" in page.text


async def test_without_the_csrf_token_nothing_is_granted(world: World) -> None:
    code = await _code(world)
    form = _grant(world, code)
    del form["csrf_token"]
    refused = await world.ana.post("/me/consents/grant/confirm", data=form)
    assert refused.status_code == 403
    assert world.service.consents.granted_by("ana") == ()
    wrong = await world.ana.post("/me/consents/grant/confirm", data={**form, "csrf_token": "x"})
    assert wrong.status_code == 403 and world.service.consents.granted_by("ana") == ()


async def _granted(world: World) -> str:
    code = await _code(world)
    done = await world.ana.post("/me/consents/grant/confirm", data=_grant(world, code))
    assert done.status_code == 200, done.text
    return world.service.consents.granted_by("ana")[0].id


@pytest.mark.parametrize(("steps", "state"), [
    (["pause"], ConsentState.PAUSED),
    (["pause", "resume"], ConsentState.ACTIVE),
    (["revoke"], ConsentState.REVOKED),
])
async def test_pause_resume_and_revoke_take_a_confirmation_and_show_a_receipt(
        world: World, steps: list[str], state: ConsentState) -> None:
    consent_id = await _granted(world)
    for action in steps:
        listing = await world.ana.get("/me/consents")
        assert f'action="/me/consents/{consent_id}/{action}"' in listing.text
        ask = await world.ana.post(f"/me/consents/{consent_id}/{action}",
                                   data={"csrf_token": "t"})
        assert ask.status_code == 200 and "Lee Ortiz, Esq." in ask.text
        assert f'action="/me/consents/{consent_id}/{action}/confirm"' in ask.text
        assert world.service.consents.granted_by("ana")[0].version == steps.index(action) + 1
        done = await world.ana.post(f"/me/consents/{consent_id}/{action}/confirm",
                                    data={"csrf_token": "t"})
        assert done.status_code == 200, done.text
        assert check_in_node(*receipts_in_page(done.text)) == ["ok"]
    record = world.service.consents.granted_by("ana")[0]
    assert record.state == state and record.version == len(steps) + 1
    assert f'data-state="{state}"' in (await world.ana.get("/me/consents")).text


def _visible(page: str) -> str:
    """The page's text as read, without its markup (attributes keep machine values)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize(("language", "words"), [
    ("en", r"[A-Z][a-z]+ \d{1,2}, \d{4}"), ("es", r"\d{1,2} de [a-z]+ de \d{4}")])
async def test_the_end_date_is_written_out_in_the_readers_language(
        world: World, language: str, words: str) -> None:
    """Check your answers, the receipt, the list and the confirmation show the consent's last
    day written out (ISO only in the time element's datetime), in English and Spanish."""
    until = date.fromisoformat(world.until())
    shown = localized.day(language, until)
    assert re.fullmatch(words, shown)
    code = await _code(world)
    check = await world.ana.post(f"/me/consents/grant?lang={language}", data=_grant(world, code))
    assert f'<time datetime="{until.isoformat()}">{shown}</time>' in check.text
    done = await world.ana.post("/me/consents/grant/confirm", data=_grant(world, code))
    listing = await world.ana.get("/me/consents")
    assert f'<time datetime="{until.isoformat()}">{shown}</time>' in listing.text
    consent_id = world.service.consents.granted_by("ana")[0].id
    ask = await world.ana.post(f"/me/consents/{consent_id}/pause", data={"csrf_token": "t"})
    assert f'<time datetime="{until.isoformat()}">{shown}</time>' in ask.text
    assert shown in _visible(done.text)
    for page in (check, done, listing, ask):
        assert until.isoformat() not in _visible(page.text)


async def test_a_change_without_csrf_changes_nothing(world: World) -> None:
    consent_id = await _granted(world)
    refused = await world.ana.post(f"/me/consents/{consent_id}/revoke/confirm", data={})
    assert refused.status_code == 403
    assert world.service.consents.granted_by("ana")[0].state == ConsentState.ACTIVE


async def test_a_revoked_consent_offers_no_more_changes(world: World) -> None:
    consent_id = await _granted(world)
    await world.ana.post(f"/me/consents/{consent_id}/revoke/confirm", data={"csrf_token": "t"})
    again = await world.ana.post(f"/me/consents/{consent_id}/resume/confirm",
                                 data={"csrf_token": "t"})
    assert again.status_code == 409
    assert world.service.consents.granted_by("ana")[0].state == ConsentState.REVOKED
    unknown = await world.ana.post("/me/consents/cns_nope/revoke", data={"csrf_token": "t"})
    assert unknown.status_code == 404


async def test_a_representative_cannot_open_the_consent_pages(world: World) -> None:
    assert (await world.lee.get("/me/consents")).status_code == 403
    assert (await world.lee.post("/me/consents/grant/confirm",
                                 data={"csrf_token": "t"})).status_code == 403


async def test_the_pages_allow_their_own_scripts_only(world: World) -> None:
    page = await world.ana.get("/me/consents")
    assert "script-src 'self';" in page.headers["content-security-policy"]
    assert "<script>" not in page.text


async def test_an_erased_account_is_told_so(world: World) -> None:
    """A session from before the erasure: the page says the data was erased (410)."""
    world.service.store.ensure_account("ana", Role.APPLICANT)
    world.service.store.mark_erased("ana", world.clock.now)  # type: ignore[attr-defined]
    page = await world.ana.get("/me/consents")
    assert page.status_code == 410 and "was erased on" in page.text
