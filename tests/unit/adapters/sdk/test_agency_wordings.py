"""The agency's own words in several languages (EventRecord.wordings) become
Status.agency_texts: English first and equal to agency_text, withheld and masked like it."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.immigration.profile import PROFILE as IMMIGRATION
from adapters.sdk.mapping import MappingTable
from adapters.sdk.records import AgencyWording, CaseRecord, EventRecord, IdentityTerms
from adapters.sdk.redaction import CaseRedactor, NumberFinder
from adapters.sdk.scopes import withhold
from adapters.sdk.to_contract import case_to_proto, event_to_proto
from caseline.v1 import case_pb2

TABLE = MappingTable.load(IMMIGRATION.mapping_path)
AT = datetime(2026, 5, 2, 14, tzinfo=UTC)
TITLE, TEXT = "Case Was Received", "We received your Form I-765 for Ana Reyes, A201555123."
SPANISH = AgencyWording("es", "Caso Fue Recibido",
                        "Recibimos su Formulario I-765 para Ana Reyes, A201555123.")


def _event(*wordings: AgencyWording) -> EventRecord:
    return EventRecord(occurred_at=AT, code=TITLE, text=TEXT, wordings=wordings)


def _record(event: EventRecord) -> CaseRecord:
    return CaseRecord(number="IOE0990000001", case_type="I-765", office="",
                      subject_ref="A201555123", access_code="", events=(event,),
                      identity=IdentityTerms(names=("Ana Reyes",)))


def _case(event: EventRecord) -> case_pb2.Case:
    return case_to_proto(_record(event), TABLE, None, "Application for Employment "
                         "Authorization", with_history=True)


def test_english_comes_first_and_equals_agency_text() -> None:
    """With Spanish supplied, the list is English (the code and text) then Spanish."""
    status = event_to_proto("IOE0990000001", _event(SPANISH), TABLE, None).status
    assert [(t.language, t.title, t.description) for t in status.agency_texts] == [
        ("en", TITLE, TEXT), ("es", SPANISH.title, SPANISH.text)]
    assert status.agency_texts[0].description == status.agency_text
    assert status.agency_texts[0].next_step == ""


def test_the_case_status_and_every_event_carry_the_languages() -> None:
    """Case.status (the latest event) and the history's events both carry them."""
    case = _case(_event(SPANISH))
    assert [t.language for t in case.status.agency_texts] == ["en", "es"]
    assert [t.language for t in case.events[0].status.agency_texts] == ["en", "es"]


def test_an_agency_with_one_language_sends_no_list() -> None:
    """No wordings: agency_text alone, as before the field existed."""
    status = event_to_proto("IOE0990000001", _event(), TABLE, None).status
    assert status.agency_text == TEXT and not status.agency_texts


def test_empty_and_repeated_languages_are_left_out_and_tags_sorted() -> None:
    """An empty wording is dropped, the first per language wins, others follow "en" in tag
    order; an "en" wording of the agency's own replaces the code and text."""
    status = event_to_proto("IOE0990000001", _event(
        AgencyWording("fr", "", ""), AgencyWording("vi", "Đã nhận", ""), SPANISH,
        AgencyWording("es", "otra", "otra"), AgencyWording("en", "Received", "Got it")),
        TABLE, None).status
    assert [(t.language, t.title) for t in status.agency_texts] == [
        ("en", "Received"), ("es", SPANISH.title), ("vi", "Đã nhận")]


def test_a_status_only_reader_gets_no_language_of_the_agencys_words() -> None:
    """Withholding DETAILS clears the list with agency_text; the mapped texts stay."""
    case = _case(_event(SPANISH))
    withhold(case, frozenset({"STATUS"}))
    assert not case.status.agency_texts and not case.events[0].status.agency_texts
    assert case.status.agency_text == "" and case.status.texts


def test_identity_values_are_masked_in_every_language() -> None:
    """The person's name and A-number are masked in the Spanish as in the English."""
    case = _case(_event(SPANISH))
    CaseRedactor(NumberFinder(IMMIGRATION.number_formats), _record(_event(SPANISH))).case(case)
    for status in (case.status, case.events[0].status):
        for wording in status.agency_texts:
            assert "Ana Reyes" not in wording.description
            assert "A201555123" not in wording.description
        assert status.agency_texts[1].description.startswith("Recibimos su Formulario I-765")
