"""GraphQL statuses say how the agency's code matched its table, beside the unchanged fields."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aggregator.federation.from_contract import status_from_proto
from aggregator.model import AgencyInfo, AgencyWording, Case, Event, Status, Text
from caseline.v1 import vocabulary_pb2
from gateway.schema.enums import ConsentScope, StatusMatch
from gateway.schema.types import CaseStatus, TimelineEvent, WithheldField

AGENCY = AgencyInfo(id="immigration", name="Immigration", name_es="Inmigración")
AT = datetime(2026, 3, 1, tzinfo=UTC)


def _status(match: str, *, known: bool = True) -> Status:
    texts = {"en": Text("Approved", "It was approved.", "")} if known else {}
    return Status(category="APPROVED" if known else "UNSPECIFIED",
                  milestone="DECISION_MADE" if known else "UNSPECIFIED",
                  action_required=False, agency_code="Case Approved", agency_text="words",
                  texts=texts, match=match)


@pytest.mark.parametrize(("match", "expected"), [
    ("EXACT", StatusMatch.EXACT), ("VARIANT", StatusMatch.VARIANT),
    ("AMBIGUOUS", StatusMatch.AMBIGUOUS), ("NONE", StatusMatch.NONE), ("UNSPECIFIED", None)])
def test_case_status_and_timeline_event_carry_the_match(match: str,
                                                        expected: StatusMatch | None) -> None:
    """Each kind reaches both statuses; an adapter that does not say gives null."""
    known = match in {"EXACT", "VARIANT"}
    status = _status(match, known=known)
    case = CaseStatus.from_domain(Case("immigration", "IOE0000000001", "I-130", "Petition",
                                       status, AT, AT), AGENCY, "en")
    event = TimelineEvent.from_domain(Event("immigration", "IOE0000000001", "e1", 0, AT,
                                            status), AGENCY, "en")
    assert case.match is expected and event.match is expected
    # The existing fields are as before: an unknown code keeps its own words.
    assert (case.category is None, case.title) == (not known, "Approved" if known
                                                    else "Case Approved")
    assert event.agency_text == "words"


# agencyText follows the reader's language when the agency supplied it, else the agency's
# own (English) wording; withheld and unopened exactly as before.

ENGLISH, SPANISH = "We approved your Form I-485.", "Aprobamos su Formulario I-485."


def _worded_status(*, spanish: bool = True) -> Status:
    texts = {"en": AgencyWording("Case Was Approved", ENGLISH)}
    if spanish:
        texts["es"] = AgencyWording("Caso Fue Aprobado", SPANISH)
    return Status(category="APPROVED", milestone="DECISION_MADE", action_required=False,
                  agency_code="Case Was Approved", agency_text=ENGLISH, agency_texts=texts)


def _worded_event(status: Status, unopened: tuple[str, ...] = ()) -> Event:
    return Event("immigration", "EAC9999103402", "e1", 0, AT, status, unopened=unopened)


def test_a_spanish_reader_gets_the_agencys_spanish() -> None:
    """With ES and the agency's Spanish, agencyText is that Spanish (marked "es")."""
    event = TimelineEvent.from_domain(_worded_event(_worded_status()), AGENCY, "es")
    assert (event.agency_text, event.agency_text_language) == (SPANISH, "es")


def test_an_english_reader_gets_the_agencys_english() -> None:
    """With EN, agencyText is agency_text, as before."""
    event = TimelineEvent.from_domain(_worded_event(_worded_status()), AGENCY, "en")
    assert (event.agency_text, event.agency_text_language) == (ENGLISH, "en")


def test_without_the_agencys_spanish_a_spanish_reader_gets_its_english() -> None:
    """An agency with one language: ES falls back to its own wording."""
    event = TimelineEvent.from_domain(_worded_event(_worded_status(spanish=False)), AGENCY, "es")
    assert (event.agency_text, event.agency_text_language) == (ENGLISH, "en")


def test_withheld_details_leave_agency_text_null_in_every_language() -> None:
    """A reader without DETAILS reads no agency wording, Spanish or English."""
    withheld = [WithheldField(field="agencyText", scope=ConsentScope.DETAILS, reason="no")]
    event = TimelineEvent.from_domain(_worded_event(_worded_status()), AGENCY, "es", withheld)
    assert event.agency_text is None


def test_an_unopened_wording_is_listed_once_under_agency_text() -> None:
    """agency_text and agency_texts that could not be opened are one withheld agencyText."""
    unopened = ("status.agency_text", "status.agency_texts")
    event = TimelineEvent.from_domain(_worded_event(_worded_status(), unopened), AGENCY, "es")
    assert event.agency_text is None
    assert [w.field for w in event.withheld] == ["agencyText"]


def test_the_aggregator_reads_the_wording_per_language_from_the_contract() -> None:
    """From the proto: one wording per language, first wins, empty and odd tags dropped."""
    status = status_from_proto(vocabulary_pb2.Status(
        agency_code="Case Was Approved", agency_text=ENGLISH, agency_texts=[
            vocabulary_pb2.LocalizedText(language="en", title="Case Was Approved",
                                         description=ENGLISH),
            vocabulary_pb2.LocalizedText(language="ES", title="Caso Fue Aprobado",
                                         description=SPANISH),
            vocabulary_pb2.LocalizedText(language="es", description="second"),
            vocabulary_pb2.LocalizedText(language="fr"),
            vocabulary_pb2.LocalizedText(language="", description="no tag")]))
    assert status.agency_texts == {"en": AgencyWording("Case Was Approved", ENGLISH),
                                   "es": AgencyWording("Caso Fue Aprobado", SPANISH)}
    assert status.agency_text_in("es") == (SPANISH, "es")
    assert status.agency_text_in("fr") == (ENGLISH, "en")
