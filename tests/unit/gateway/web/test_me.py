"""``/me`` over fake agencies: cases, actions by due date, hearings, events filtered by
agency, agencies that did not answer, the sign-in guard, the ledger, Spanish, erasure."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from aggregator.consent.vocabulary import Role
from aggregator.processing.model import Deadline, DeadlineKind, DeadlineParty, DeadlineState
from support.applicant_pages import COURT_NUMBER, IMMIGRATION_NUMBER, Applicant, applicant_pages
from support.processing_fakes import FakeProcessing, deadline, estimate, journey, next_step


@pytest.fixture
async def ana() -> AsyncIterator[Applicant]:
    async with applicant_pages() as pages:
        yield pages


def _section(html: str, start: str, end: str) -> str:
    return html[html.index(start):html.index(end, html.index(start))]


async def test_signed_out_visitors_are_sent_to_sign_in_and_back(ana: Applicant) -> None:
    response = await ana.client.get("/me?agency=courts")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/me%3Fagency%3Dcourts"


async def test_a_representative_is_refused_with_a_page(ana: Applicant) -> None:
    response = await ana.page("/me", subject="lee", role=Role.REPRESENTATIVE)
    assert response.status_code == 403
    assert "It is for another kind of account" in response.text
    assert ana.ledger is not None and ana.ledger.entries == []  # nothing was read


async def test_cases_at_a_glance_with_status_agency_type_and_update(ana: Applicant) -> None:
    response = await ana.page("/me")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    cases = _section(response.text, 'id="cases"', 'id="actions"')
    # Most recent change first: the immigration case changed last (T1).
    assert cases.index(IMMIGRATION_NUMBER) < cases.index(COURT_NUMBER)
    assert "caseline-category--active" in cases and ">Active<" in cases
    assert "Evidence requested" in cases and "Immigration Agency" in cases
    # A form number people know stays, with its name; a data identifier gives way to its name.
    assert "I-765 (Work permit)" in cases and ">Removal proceedings<" in cases
    assert "REMOVAL" not in cases
    # Dates written out as the reader's language writes them, never ISO.
    assert '<time datetime="2026-05-03T09:30:00+00:00">May 3, 2026, 9:30\u202fAM UTC</time>' \
        in cases
    assert "2026-05-03 09:30" not in cases


async def test_action_required_names_the_case_and_its_due_date(ana: Applicant) -> None:
    response = await ana.page("/me")
    actions = _section(response.text, 'id="actions"', 'id="hearings"')
    assert "Due June 2, 2026" in actions and IMMIGRATION_NUMBER in actions
    assert "2026-06-02" not in actions
    assert "Next after Evidence requested." in actions
    assert COURT_NUMBER not in actions  # its status asks nothing of ana


async def test_a_hearing_shows_local_time_court_address_and_video(ana: Applicant) -> None:
    response = await ana.page("/me")
    hearings = _section(response.text, 'id="hearings"', 'id="events"')
    assert "Master calendar hearing" in hearings
    assert "July 14, 2030" in hearings and "9:00\u202fAM (America/New_York)" in hearings
    assert "2030-07-14<" not in hearings
    assert "New York Immigration Court" in hearings
    assert "26 Federal Plaza, New York, NY" in hearings
    assert "By video" in hearings and "In person" not in hearings
    assert "Past" not in hearings


async def test_events_are_newest_first_and_filter_by_agency_without_js(ana: Applicant) -> None:
    everything = (await ana.page("/me")).text
    events = everything[everything.index('id="events"'):]
    assert '<form class="usa-form caseline-filter" action="/me#events" method="get">' in events
    assert '<label class="usa-label" for="agency">' in events
    order = [events.index(t) for t in ("Evidence requested", "Hearing scheduled", "Received")]
    assert order == sorted(order)
    assert "Vermont Service Center" in events  # the applicant's own DETAILS
    filtered = (await ana.page("/me?agency=courts")).text
    events = filtered[filtered.index('id="events"'):]
    assert COURT_NUMBER in events and IMMIGRATION_NUMBER not in events
    assert '<option value="courts" selected>' in events


async def test_event_times_and_due_dates_are_in_words_in_each_language(ana: Applicant) -> None:
    """Each event's moment in the reader's words with the ISO value machine-readable beside
    it, and its due date written out: not ISO, in English nor in Spanish."""
    english = (await ana.page("/me")).text
    events = english[english.index('id="events"'):]
    assert '<time datetime="2026-05-03T09:30:00+00:00">May 3, 2026, 9:30\u202fAM UTC</time>: ' \
           'Evidence requested' in events
    assert "Due June 2, 2026" in events
    spanish = (await ana.page("/me?lang=es")).text
    eventos = spanish[spanish.index('id="events"'):]
    assert '<time datetime="2026-05-03T09:30:00+00:00">3 de mayo de 2026, 9:30 UTC</time>: ' \
           'Se solicitaron pruebas' in eventos
    assert "Vence el 2 de junio de 2026" in eventos
    cases = _section(spanish, 'id="cases"', 'id="actions"')
    assert ">3 de mayo de 2026, 9:30 UTC</time>" in cases
    hearings = _section(spanish, 'id="hearings"', 'id="events"')
    assert "14 de julio de 2030" in hearings and "9:00 (America/New_York)" in hearings
    for page in (events, eventos):
        assert "2026-05-03 09:30" not in page and "2026-06-02" not in page


async def test_an_unknown_agency_filter_is_explained(ana: Applicant) -> None:
    response = await ana.page("/me?agency=" + "x" * 500)
    assert response.status_code == 400
    assert "There is no agency " + "x" * 64 + " to filter by" in response.text
    alert = _section(response.text, 'usa-alert--error', '</div>')
    assert "x" * 65 not in alert


async def test_an_agency_that_did_not_answer_is_named_in_words() -> None:
    async with applicant_pages(failing="courts") as ana:
        response = await ana.page("/me")
    assert response.status_code == 200
    assert "Immigration Court did not answer" in response.text
    assert "Immigration Court did not answer in time (DEADLINE_EXCEEDED)" in response.text
    assert IMMIGRATION_NUMBER in response.text  # the other agency's cases still show


def _without_time(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k not in {"at", "i", "prev"}}


async def test_the_page_read_lands_in_the_ledger_as_the_apis_does(ana: Applicant) -> None:
    assert ana.ledger is not None
    await ana.page("/me")
    through_page = [_without_time(e) for e in ana.ledger.entries]
    assert [e["kind"] for e in through_page] == ["access"]
    body = await ana.graphql("{ viewer { timeline { events { caseNumber } } } }")
    assert "errors" not in body, body
    through_api = [_without_time(e) for e in ana.ledger.entries[len(through_page):]]
    assert through_page == through_api


async def test_spanish_renders_in_spanish(ana: Applicant) -> None:
    response = await ana.page("/me?lang=es")
    assert '<html lang="es">' in response.text
    for text in ("Mis casos", "Resumen de sus casos", "Se solicitaron pruebas",
                 "Vence el 2 de junio de 2026", "Por video", "Audiencia de calendario general",
                 "Agencia de Inmigración", "Todas las agencias"):
        assert text in response.text, text


async def test_erased_data_gets_a_clear_page(ana: Applicant) -> None:
    ana.service.store.ensure_account("ana", Role.APPLICANT)
    ana.service.store.mark_erased("ana", datetime(2026, 6, 1, tzinfo=UTC))  # type: ignore[attr-defined]
    response = await ana.page("/me")
    assert response.status_code == 410
    assert "Your data was erased" in response.text
    # When, in words, the moment machine-readable (the API's message keeps ISO).
    assert ('The data of account ana was erased on <time datetime="2026-06-01T00:00:00+00:00">'
            'June 1, 2026, 12:00\u202fAM UTC</time>; nothing of it can be read or changed any '
            'more.') in response.text
    spanish = (await ana.page("/me?lang=es")).text
    assert ('Los datos de la cuenta ana se borraron el <time datetime="2026-06-01T00:00:00+00:00">'
            '1 de junio de 2026, 0:00 UTC</time>; ya no se puede leer') in spanish
    body = await ana.graphql("{ viewer { cases { number } } }")
    assert "2026-06-01T00:00:00+00:00" in body["errors"][0]["message"]


async def test_an_open_case_shows_its_estimate_deadline_and_gauge() -> None:
    fake = FakeProcessing(estimates={("immigration", IMMIGRATION_NUMBER): estimate(
        outside=True, age_days=150, deadlines=(deadline(),))})
    async with applicant_pages(processing=fake) as ana:
        html = (await ana.page("/me")).text
        spanish = (await ana.page("/me?lang=es")).text
    # Both of ana's cases are open: both were asked about, with today's date.
    asked = fake.asked[0]
    assert sorted(asked["estimates"]) == sorted([IMMIGRATION_NUMBER, COURT_NUMBER])
    assert asked["today"] == datetime.now(UTC).date()
    estimates = html[html.index('id="estimates"'):html.index('id="actions"')]
    # The typical date (median) before the date by which most are decided (80%).
    assert "Cases like yours are typically decided by" in estimates
    assert "and most by August 19, 2026" in estimates
    assert "Outside normal processing time" in estimates and "caseline-outside" in estimates
    assert ('role="img" aria-labelledby="gauge-1-title" '
            'aria-describedby="gauge-1-desc"') in estimates
    assert "Your case has waited 150 days" in estimates
    assert "Labor certification valid for filing the I-140" in estimates and "Running" in estimates
    # The employer files the I-140, not the applicant.
    assert "The employer must act by then" in estimates and "You must act" not in estimates
    assert 'href="/statistics/immigration/I-765"' in estimates
    assert COURT_NUMBER not in estimates  # no estimate for it: no card
    assert "Fuera del tiempo normal de tramitación" in spanish
    assert "Su caso frente a lo típico" in spanish


async def test_the_journey_section_marks_the_current_step_and_its_deadline() -> None:
    async with applicant_pages(journeys=(journey(current=1),)) as ana:
        html = (await ana.page("/me")).text
    journeys = html[html.index('id="journeys"'):html.index('id="actions"')]
    assert "Employment-based green card" in journeys
    order = [journeys.index(t) for t in ("PERM", "I-140", "I-485")]
    assert order == sorted(order)
    current = journeys[journeys.index('aria-current="step"'):]
    assert current[:current.index("</li>")].count("I-140") == 1
    assert journeys.count('aria-current="step"') == 1
    assert "Met on November 2, 2026" in journeys


async def test_without_estimates_or_journeys_the_sections_are_absent(ana: Applicant) -> None:
    html = (await ana.page("/me")).text
    assert 'id="estimates"' not in html and 'id="journeys"' not in html


async def test_a_journey_shows_its_next_step_as_not_filed_yet() -> None:
    """After the filed steps, in the same ordered list: the I-140, marked not filed yet, with
    what is to be done by when; in Spanish too."""
    shown = replace(journey(current=0), next_steps=(next_step(),))
    async with applicant_pages(journeys=(shown,)) as ana:
        html = (await ana.page("/me")).text
        spanish = (await ana.page("/me?lang=es")).text
    journeys = _section(html, 'id="journeys"', 'id="actions"')
    steps = journeys[:journeys.index("</ol>")]
    nxt = steps[steps.index('class="caseline-journey__next"'):]
    assert steps.index("I-485") < steps.index('class="caseline-journey__next"')
    assert "I-140, Immigration Agency:" in nxt
    assert '<span class="usa-tag caseline-not-filed">Not filed yet</span>' in nxt
    assert "Next: the employer files the I-140 petition" in nxt
    assert "Aún no presentado" in spanish and "Siguiente: el empleador presenta" in spanish


async def test_action_required_lists_running_deadlines_against_ana_soonest_first() -> None:
    """The court case's status asks nothing, but the BIA appeal window runs on it: an item,
    before the RFE due later; the RFE's evidence-response deadline (same case, same day) is
    the RFE's own item, not a second one; a deadline on the agency is not ana's action."""
    appeal = Deadline(DeadlineKind.BIA_APPEAL, date(2026, 5, 20), DeadlineState.RUNNING,
                      DeadlineParty.APPLICANT, "8 CFR 1003.38(b)",
                      {"en": "The Board must receive the appeal by May 20, 2026.",
                       "es": "La Junta debe recibir la apelación a más tardar el 20 de mayo."},
                      "courts", COURT_NUMBER)
    response = Deadline(DeadlineKind.EVIDENCE_RESPONSE, date(2026, 6, 2),
                        DeadlineState.RUNNING, DeadlineParty.APPLICANT, "8 CFR 103.2(b)(8)",
                        {"en": "USCIS must receive your response by June 2, 2026.",
                         "es": "USCIS debe recibir su respuesta a más tardar el 2 de junio."},
                        "immigration", IMMIGRATION_NUMBER)
    agency_owes = replace(appeal, kind=DeadlineKind.ASYLUM_ADJUDICATION,
                          party=DeadlineParty.AGENCY, due=date(2026, 5, 10))
    fake = FakeProcessing(estimates={
        ("immigration", IMMIGRATION_NUMBER): estimate(deadlines=(response,)),
        ("courts", COURT_NUMBER): estimate(deadlines=(appeal, agency_owes))})
    async with applicant_pages(processing=fake) as ana:
        html = (await ana.page("/me")).text
        spanish = (await ana.page("/me?lang=es")).text
    actions = _section(html, 'id="actions"', 'id="hearings"')
    items = actions.split("<li>")[1:]
    assert len(items) == 2
    assert "Due May 20, 2026" in items[0] and COURT_NUMBER in items[0]
    assert "Appeal to the Board of Immigration Appeals" in items[0]
    assert "The Board must receive the appeal by May 20, 2026." in items[0]
    assert "Due June 2, 2026" in items[1] and IMMIGRATION_NUMBER in items[1]
    assert "Next after Evidence requested." in items[1]
    assert "USCIS must receive your response by June 2, 2026." in items[1]
    assert "Asylum decision" not in actions
    assert "Apelación ante la Junta de Apelaciones de Inmigración" in _section(
        spanish, 'id="actions"', 'id="hearings"')
