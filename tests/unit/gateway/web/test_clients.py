"""The representative's pages: clients with their consents, a client's timeline under the
consent policy (recorded in the ledger), and nothing of anyone who gave no consent."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest

from aggregator.consent.vocabulary import ConsentState
from aggregator.model import AgencyInfo, Event, Hearing, Timeline
from aggregator.service import TimelineRead
from caseline.v1.lib.masking import mask_number
from caseline.v1.lib.scopes import Scope
from gateway.schema.viewer import timeline_view
from gateway.web import localized
from gateway.web.clients import event_row
from support.applicant_pages import HEARING
from support.consent_world import AGENCY_TEXT, NUMBER, OFFICE, ConsentWorld, consent_world


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[ConsentWorld]:
    async with consent_world(tmp_path) as value:
        yield value


async def test_clients_lists_the_client_by_shared_name_with_the_consent(
        world: ConsentWorld) -> None:
    """/clients shows ana by the name she shared, linked to her timeline, with the
    consent's agency, scope, end date and state; and the invitation link."""
    await world.grant()
    response = await world.pages["lee"].get("/clients")
    assert response.status_code == 200
    html = response.text
    assert '<a class="usa-link" href="/clients/ana">Ana María Pérez</a>' in html
    assert re.search(r"<td[^>]*>USCIS</td>\s*<td[^>]*>Status</td>", html)
    assert 'data-label="State">Active</td>' in html
    assert 'href="/clients/invite"' in html
    assert '<th scope="col">' in html and "<caption>" in html


async def test_a_client_without_a_shared_name_gets_a_pseudonymous_label(
        world: ConsentWorld) -> None:
    """No shared name: a short label from the ledger pseudonym, never the account id."""
    await world.grant(shared_name=None)
    html = (await world.pages["lee"].get("/clients")).text
    code = world.service.pseudonym("ana").removeprefix("psn_")[:8]
    assert f'href="/clients/ana">Client {code}</a>' in html


async def test_former_clients_are_listed_apart_with_why(world: ConsentWorld) -> None:
    """A revoked consent moves ana under former clients, saying Revoked, with no link."""
    change = await world.grant()
    await world.service.consents.change("ana", change.record.id, ConsentState.REVOKED)
    html = (await world.pages["lee"].get("/clients", params={"lang": "es"})).text
    former = html.split("Clientes anteriores", 1)[1]
    assert "Ana María Pérez" in former and "Revocado" in former
    assert 'href="/clients/ana"' not in html


async def test_status_consent_shows_events_and_withholds_details(world: ConsentWorld) -> None:
    """STATUS only: ana's event is shown, and the agency's text, office and due date are
    "not shared with you", naming the Details scope; the read is in the ledger."""
    await world.grant(scopes=(Scope.STATUS,))
    response = await world.pages["lee"].get("/clients/ana")
    assert response.status_code == 200, response.text
    html = unescape(response.text)
    assert NUMBER in html and "We received your case." in html
    assert AGENCY_TEXT not in html and OFFICE not in html and "June 1, 2026" not in html
    assert re.search(r"Not shared with you:</strong> The agency's own words, Due date, "
                     r"Office, Hearing\. The Details scope would share it\.", html)
    assert world.reads_of_ana_by_lee() == ["ALLOW"]


async def test_a_number_that_identifies_the_person_is_masked(tmp_path: Path) -> None:
    """Where the case number identifies the person, STATUS shows it masked and says the
    Identity scope would show it whole."""
    async with consent_world(tmp_path, number_scope="IDENTITY") as world:
        await world.grant(scopes=(Scope.STATUS,))
        html = unescape((await world.pages["lee"].get("/clients/ana")).text)
    assert NUMBER not in html and mask_number(NUMBER) in html
    assert "Not shared with you:</strong> Whole case number. The Identity scope would share " \
           "it." in html


async def test_details_consent_shows_the_details(world: ConsentWorld) -> None:
    """STATUS and DETAILS: the agency's own words and the office are shown, nothing is
    said to be withheld."""
    await world.grant(scopes=(Scope.STATUS, Scope.DETAILS))
    html = (await world.pages["lee"].get("/clients/ana")).text
    assert AGENCY_TEXT in html and OFFICE in html and "June 1, 2026" in html
    assert "Not shared with you" not in html


async def test_client_page_dates_are_in_the_readers_words(world: ConsentWorld) -> None:
    """The event's moment, its due date and the consent's end date in words, English and
    Spanish, the moment machine-readable in its time element; no ISO text."""
    change = await world.grant(scopes=(Scope.STATUS, Scope.DETAILS))
    until = change.record.valid_until.date()
    english = unescape((await world.pages["lee"].get("/clients/ana")).text)
    assert '<time datetime="2026-05-01T14:00:00+00:00">May 1, 2026, 2:00\u202fPM UTC</time>' \
        in english
    assert "June 1, 2026" in english and f"until {localized.day('en', until)}" in english
    spanish = unescape((await world.pages["lee"].get("/clients/ana?lang=es")).text)
    assert '<time datetime="2026-05-01T14:00:00+00:00">1 de mayo de 2026, 14:00 UTC</time>' \
        in spanish
    assert "1 de junio de 2026" in spanish and localized.day("es", until) in spanish
    for page in (english, spanish):
        assert "2026-06-01" not in page and until.isoformat() not in page
        assert "2026-05-01 14:00" not in page


async def test_clients_list_dates_are_in_the_readers_words(world: ConsentWorld) -> None:
    """/clients: the consent's end date written out with the ISO date in its time element,
    and a former client's "since" as a moment in words; English and Spanish."""
    change = await world.grant()
    until = change.record.valid_until.date()
    for language, pattern in (("en", r"[A-Z][a-z]+ \d{1,2}, \d{4}"),
                              ("es", r"\d{1,2} de [a-z]+ de \d{4}")):
        html = (await world.pages["lee"].get("/clients", params={"lang": language})).text
        assert f'<time datetime="{until.isoformat()}">{localized.day(language, until)}</time>' \
            in html
        assert re.fullmatch(pattern, localized.day(language, until))
    await world.service.consents.change("ana", change.record.id, ConsentState.REVOKED)
    for language, pattern in (("en", r"[A-Z][a-z]+ \d{1,2}, \d{4}, \d{1,2}:\d{2}\u202f[AP]M UTC"),
                              ("es", r"\d{1,2} de [a-z]+ de \d{4}, \d{1,2}:\d{2} UTC")):
        html = (await world.pages["lee"].get("/clients", params={"lang": language})).text
        since = re.search(r'data-label="[^"]+"><time datetime="([^"]+)">([^<]+)</time>', html)
        assert since is not None and datetime.fromisoformat(since.group(1)).tzinfo is not None
        assert re.fullmatch(pattern, since.group(2)), since.group(2)


async def test_without_consent_nothing_of_the_client_is_shown(world: ConsentWorld) -> None:
    """No consent: a 403 page with nothing of ana's (no number, no name, no event), the same
    as for an account that does not exist; the refused attempt is recorded."""
    response = await world.pages["lee"].get("/clients/ana")
    assert response.status_code == 403
    for secret in (NUMBER, "We received your case.", "Ana", AGENCY_TEXT):
        assert secret not in response.text
    assert "No consent lets you read this person's cases now" in unescape(response.text)
    unknown = await world.pages["lee"].get("/clients/nobody")
    assert unknown.status_code == 403
    assert _main(unknown.text) == _main(response.text)
    assert world.reads_of_ana_by_lee() == ["DENY"]


async def test_after_revocation_the_next_page_load_shows_nothing(world: ConsentWorld) -> None:
    """Revoking takes effect on the next page load."""
    change = await world.grant()
    assert (await world.pages["lee"].get("/clients/ana")).status_code == 200
    await world.service.consents.change("ana", change.record.id, ConsentState.REVOKED)
    response = await world.pages["lee"].get("/clients/ana")
    assert response.status_code == 403 and NUMBER not in response.text


async def test_an_overlong_subject_is_refused_before_any_read(world: ConsentWorld) -> None:
    """A path segment longer than any account id is a 400, and nothing is read."""
    response = await world.pages["lee"].get("/clients/" + "a" * 129)
    assert response.status_code == 400
    assert "longer than 128 characters" in response.text
    assert world.reads_of_ana_by_lee() == []


@pytest.mark.parametrize("path", ["/clients", "/clients/ana"])
async def test_applicants_and_auditors_get_403(world: ConsentWorld, path: str) -> None:
    """Only representatives open the clients' pages."""
    await world.grant()
    for person in ("ana", "audrey"):
        response = await world.pages[person].get(path)
        assert response.status_code == 403
        assert NUMBER not in response.text
    assert world.reads_of_ana_by_lee() == []


def _main(html: str) -> str:
    return html.split('<main id="main-content"', 1)[1]


async def test_an_erased_client_is_said_to_be_erased(world: ConsentWorld,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A former grantee of an erased account is told the data was erased, and sees none."""
    await world.grant()
    erased = datetime(2026, 5, 2, tzinfo=UTC)
    store = world.service.store
    real = store.erased_at
    monkeypatch.setattr(store, "erased_at", lambda s: erased if s == "ana" else real(s))
    response = await world.pages["lee"].get("/clients/ana")
    assert response.status_code == 404
    assert "data was erased at their request" in unescape(response.text)
    assert NUMBER not in response.text


@pytest.mark.parametrize(("path", "status"), [("/clients/invite", 200),
                                              ("/clients/webhooks", 404)])
async def test_reserved_paths_are_never_read_as_a_client(world: ConsentWorld, path: str,
                                                         status: int) -> None:
    """/clients/invite (the invitation code's page) and /clients/webhooks (reserved) belong
    to other pages: not a timeline read."""
    response = await world.pages["lee"].get(path)
    assert response.status_code == status
    assert world.service.ledger.size == 0


def test_a_hearing_is_shown_on_the_courts_clock_in_words() -> None:
    """13:00 UTC in New York is 9:00 there: the date and time in the reader's words with the
    court's zone named (it was the UTC time under the court's zone, as ISO)."""
    hearing = Hearing("MASTER", "VIDEO", datetime(2030, 7, 14, 13, 0, tzinfo=UTC),
                      "America/New_York", "NY Court", "26 Federal Plaza", "")
    event = Event("courts", "A1", "h1", 0, datetime(2026, 5, 1, tzinfo=UTC), HEARING,
                  hearing=hearing)
    agencies = {"courts": AgencyInfo("courts", "Court", "Tribunal", Scope.STATUS)}
    read = TimelineRead(Timeline((), (event,), ()), {"courts": frozenset(Scope)})
    for language, when in (("en", "July 14, 2030, 9:00\u202fAM (America/New_York)"),
                           ("es", "14 de julio de 2030, 9:00 (America/New_York)")):
        [shown] = timeline_view(agencies, read, language).events
        values = [value for _, value, _ in event_row(shown, language).shown]
        assert any(when in v for v in values), values
        assert not any("2030-07-14" in v for v in values), values
