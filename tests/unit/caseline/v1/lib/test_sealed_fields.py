"""Sealing a case's sensitive fields (caseline.v1.lib.sealed_fields): what is sealed comes from the
contract, values open only in their own place, and a forged value cannot touch other fields."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseline.v1 import case_pb2, sealing_pb2, sensitivity_pb2, vocabulary_pb2
from caseline.v1.lib.sealed import DataKey, associated_data
from caseline.v1.lib.sealed_fields import open_case, seal_case, strip_unsealed

AGENCY, SUBJECT = "courts", "psn_ana"
PLAINTEXTS = ("Broadway Immigration Court", "Judge Ruiz", "2026-12-03", "Hearing moved",
              "26 Federal Plaza")


def _case(number: str = "A201555123") -> case_pb2.Case:
    case = case_pb2.Case(case_number=number, case_type="REMOVAL", office="New York Court",
                         status=vocabulary_pb2.Status(agency_code="HEARING",
                                                      agency_text="Hearing moved"))
    first = case.events.add(event_id="e1", office="New York Court", due_date="2026-12-03")
    first.status.agency_code = "NTA"
    first.status.agency_text = "Notice to appear filed"
    first.occurred_at.seconds = 1_700_000_000
    second = case.events.add(event_id="e2")
    second.status.agency_code = "HEARING"
    second.hearing.court = "Broadway Immigration Court"
    second.hearing.court_address = "26 Federal Plaza"
    second.hearing.judge = "Judge Ruiz"
    return case


def _key() -> DataKey:
    return DataKey(os.urandom(32), "dk_test")


def test_every_sensitive_field_is_sealed_and_no_plaintext_remains() -> None:
    case, key = _case(), _key()
    count = seal_case(case, key, agency=AGENCY, subject=SUBJECT)
    # One value per scope, naming every field it holds in its place.
    assert [f.path for f in case.sealed_fields] == [
        "{office,status.agency_text};events[0]{due_date,office,status.agency_text};"
        "events[1]{hearing}"]
    assert count == 6
    assert all(f.sensitivity == sensitivity_pb2.SENSITIVITY_DETAILS for f in case.sealed_fields)
    wire = case.SerializeToString()
    for plaintext in PLAINTEXTS:
        assert plaintext.encode() not in wire
    # STATUS fields stay as they were.
    assert case.status.agency_code == "HEARING" and case.events[1].status.agency_code == "HEARING"


def test_opening_restores_the_case_exactly() -> None:
    original, key = _case(), _key()
    case = case_pb2.Case()
    case.CopyFrom(original)
    seal_case(case, key, agency=AGENCY, subject=SUBJECT)
    report = open_case(case, key, agency=AGENCY, subject=SUBJECT, scopes={"DETAILS"})
    assert report.opened == {"DETAILS": 6} and report.failed == [] and report.withheld == []
    assert case == original


def test_scopes_not_released_stay_sealed_and_are_reported() -> None:
    case, key = _case(), _key()
    seal_case(case, key, agency=AGENCY, subject=SUBJECT)
    report = open_case(case, key, agency=AGENCY, subject=SUBJECT, scopes={"IDENTITY"})
    assert report.opened == {} and len(report.withheld) == 6
    assert {scope for _, scope in report.withheld} == {"DETAILS"}
    assert case.office == "" and not case.events[1].HasField("hearing")
    assert len(case.sealed_fields) == 1


@pytest.mark.parametrize("place", [
    {"agency": "immigration"}, {"subject": "psn_raj"}, {"number": "A201555124"}])
def test_a_value_does_not_open_for_another_agency_case_or_subject(place: dict[str, str]) -> None:
    case, key = _case(), _key()
    seal_case(case, key, agency=AGENCY, subject=SUBJECT)
    if "number" in place:
        case.case_number = place["number"]
    report = open_case(case, key, agency=place.get("agency", AGENCY),
                       subject=place.get("subject", SUBJECT), scopes={"DETAILS"})
    assert report.opened == {} and len(report.failed) == 6
    assert case.office == ""


@pytest.mark.parametrize(("old", "new"), [
    ("events[1]{hearing}", "events[0]{hearing}"),  # event 1's hearing claimed for event 0
    ("{office,status.agency_text};", "{office};events[1]{status.agency_text};"),
    ("events[0]{due_date,office,", "events[0]{office,"),  # a field dropped from the list
])
def test_a_value_relabelled_to_other_places_does_not_open(old: str, new: str) -> None:
    """The path is bound: claiming that the value holds other fields, or the same fields in
    other places, fails to open — nothing is put anywhere."""
    case, key = _case(), _key()
    seal_case(case, key, agency=AGENCY, subject=SUBJECT)
    assert old in case.sealed_fields[0].path
    case.sealed_fields[0].path = case.sealed_fields[0].path.replace(old, new)
    report = open_case(case, key, agency=AGENCY, subject=SUBJECT, scopes={"DETAILS"})
    assert report.opened == {} and report.failed
    assert case.office == "" and not case.events[0].HasField("hearing")
    assert case.events[1].status.agency_text == ""


def test_a_value_from_another_case_does_not_open_here() -> None:
    first, second, key = _case("A201555123"), _case("A201555124"), _key()
    seal_case(first, key, agency=AGENCY, subject=SUBJECT)
    seal_case(second, key, agency=AGENCY, subject=SUBJECT)
    second.sealed_fields[0].value = first.sealed_fields[0].value
    report = open_case(second, key, agency=AGENCY, subject=SUBJECT, scopes={"DETAILS"})
    assert report.opened == {} and len(report.failed) == 6


def test_a_forged_value_cannot_set_a_status_field() -> None:
    """A sealed value whose plaintext also sets the category: only the field its path names
    is taken, so sealed data can never overwrite what the STATUS scope shows."""
    case, key = _case(), _key()
    forged = case_pb2.Case(status=vocabulary_pb2.Status(
        agency_text="fine", category=vocabulary_pb2.STATUS_CATEGORY_APPROVED))
    path = "{status.agency_text}"
    case.ClearField("status")
    case.status.agency_code = "HEARING"
    case.sealed_fields.append(sealing_pb2.SealedField(
        path=path, sensitivity=sensitivity_pb2.SENSITIVITY_DETAILS,
        value=key.seal(forged.SerializeToString(), (AGENCY, case.case_number, path, SUBJECT))))
    report = open_case(case, key, agency=AGENCY, subject=SUBJECT, scopes={"DETAILS"})
    assert report.opened == {"DETAILS": 1} and case.status.agency_text == "fine"
    assert case.status.category == vocabulary_pb2.STATUS_CATEGORY_UNSPECIFIED


def test_a_value_lacking_a_field_its_path_names_opens_nothing() -> None:
    case, key = _case(), _key()
    path = "{office,status.agency_text}"
    plaintext = case_pb2.Case(office="Court 9").SerializeToString()
    case.ClearField("office")
    case.status.ClearField("agency_text")
    case.sealed_fields.append(sealing_pb2.SealedField(
        path=path, sensitivity=sensitivity_pb2.SENSITIVITY_DETAILS,
        value=key.seal(plaintext, (AGENCY, case.case_number, path, SUBJECT))))
    report = open_case(case, key, agency=AGENCY, subject=SUBJECT, scopes={"DETAILS"})
    assert report.opened == {} and {p for p, _ in report.failed} == {
        "office", "status.agency_text"}
    assert case.office == ""


@pytest.mark.parametrize(("path", "problem"), [
    ("{case_number}", "does not name a sensitive field"),
    ("events[7]{office}", "no element 7"),
    ("events{office}", "needs an index"),
    ("status[0]{agency_text}", "needs no index"),
    ("{nothing}", "does not name a sensitive field"),
    ("{status}", "does not name a sensitive field"),
    ("events[0]{status.agency_text,due_date}", "sorted and distinct"),
    ("office", "is not ELEMENT{FIELD,...}"),
    ("events[0]{office};events[0]{due_date}", "names an element twice"),
    ("", "empty"),
])
def test_paths_that_name_nothing_sealable_are_refused(path: str, problem: str) -> None:
    case, key = _case(), _key()
    case.sealed_fields.append(sealing_pb2.SealedField(
        path=path, sensitivity=sensitivity_pb2.SENSITIVITY_DETAILS,
        value=key.seal(b"", (AGENCY, case.case_number, path, SUBJECT))))
    report = open_case(case, key, agency=AGENCY, subject=SUBJECT, scopes={"DETAILS"})
    assert len(report.failed) == 1 and problem in report.failed[0][1]


def test_a_declared_scope_that_is_not_the_contracts_is_refused() -> None:
    case, key = _case(), _key()
    seal_case(case, key, agency=AGENCY, subject=SUBJECT)
    case.sealed_fields[0].sensitivity = sensitivity_pb2.SENSITIVITY_IDENTITY
    report = open_case(case, key, agency=AGENCY, subject=SUBJECT,
                       scopes={"DETAILS", "IDENTITY"})
    assert len(report.failed) == 6
    assert all("the contract says DETAILS" in why for _, why in report.failed)


def test_without_the_data_key_nothing_opens() -> None:
    case = _case()
    seal_case(case, _key(), agency=AGENCY, subject=SUBJECT)
    report = open_case(case, None, agency=AGENCY, subject=SUBJECT, scopes={"DETAILS"})
    assert report.opened == {} and len(report.failed) == 6
    report = open_case(case, _key(), agency=AGENCY, subject=SUBJECT, scopes={"DETAILS"})
    assert report.opened == {}


def test_strip_unsealed_drops_plaintext_sensitive_fields_only() -> None:
    case = _case()
    assert sorted(strip_unsealed(case)) == [
        "events[0].due_date", "events[0].office", "events[0].status.agency_text",
        "events[1].hearing", "office", "status.agency_text"]
    assert case.office == "" and case.events[0].status.agency_code == "NTA"
    assert strip_unsealed(case) == []


_text = st.text(min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(offices=st.lists(_text, min_size=1, max_size=6), text=_text, subject=_text)
def test_any_case_round_trips_and_opens_nowhere_else(offices: list[str], text: str,
                                                     subject: str) -> None:
    case = case_pb2.Case(case_number="IOE0990000001", status=vocabulary_pb2.Status(
        agency_text=text))
    for i, office in enumerate(offices):
        case.events.add(event_id=f"e{i}", office=office)
    original = case_pb2.Case()
    original.CopyFrom(case)
    key = _key()
    seal_case(case, key, agency=AGENCY, subject=subject)
    sealed = case.SerializeToString()
    elsewhere = case_pb2.Case.FromString(sealed)
    assert open_case(elsewhere, key, agency=AGENCY, subject=subject + "x",
                     scopes={"DETAILS"}).opened == {}
    open_case(case, key, agency=AGENCY, subject=subject, scopes={"DETAILS"})
    assert case == original


# The agency's wording per language (Status.agency_texts, a repeated message field) is
# sealed, opened and withheld exactly like agency_text, beside which it travels.

WORDED_AGENCY = "immigration"
SPANISH = "Recibimos su Formulario I-765 el 2 de mayo."


def _wordings() -> list[vocabulary_pb2.LocalizedText]:
    return [vocabulary_pb2.LocalizedText(language="en", title="Case Was Received",
                                         description="We received your Form I-765."),
            vocabulary_pb2.LocalizedText(language="es", title="Caso Fue Recibido",
                                         description=SPANISH)]


def _worded_case() -> case_pb2.Case:
    case = case_pb2.Case(case_number="IOE0990000001", case_type="I-765",
                         status=vocabulary_pb2.Status(
                             agency_code="Case Was Received",
                             agency_text="We received your Form I-765.",
                             agency_texts=_wordings()))
    event = case.events.add(event_id="e1")
    event.status.CopyFrom(case.status)
    return case


def test_the_wording_in_every_language_is_sealed_with_agency_text() -> None:
    """Both languages leave only sealed, in the one DETAILS value that holds agency_text."""
    case = _worded_case()
    count = seal_case(case, _key(), agency=WORDED_AGENCY, subject=SUBJECT)
    assert [f.path for f in case.sealed_fields] == [
        "{status.agency_text,status.agency_texts};"
        "events[0]{status.agency_text,status.agency_texts}"]
    assert case.sealed_fields[0].sensitivity == sensitivity_pb2.SENSITIVITY_DETAILS
    assert count == 4
    wire = case.SerializeToString()
    assert SPANISH.encode() not in wire and b"Caso Fue Recibido" not in wire
    assert not case.status.agency_texts and not case.events[0].status.agency_texts


def test_opening_with_details_restores_every_language_in_order() -> None:
    """Opened under DETAILS, the list comes back whole, "en" first."""
    original, key = _worded_case(), _key()
    case = case_pb2.Case()
    case.CopyFrom(original)
    seal_case(case, key, agency=WORDED_AGENCY, subject=SUBJECT)
    report = open_case(case, key, agency=WORDED_AGENCY, subject=SUBJECT,
                       scopes={"STATUS", "DETAILS"})
    assert report.failed == [] and report.opened == {"DETAILS": 4}
    assert case == original
    assert [t.language for t in case.events[0].status.agency_texts] == ["en", "es"]


def test_without_details_the_wording_stays_sealed_and_is_reported_withheld() -> None:
    """A reader without DETAILS gets neither language; the report names the field."""
    case, key = _worded_case(), _key()
    seal_case(case, key, agency=WORDED_AGENCY, subject=SUBJECT)
    report = open_case(case, key, agency=WORDED_AGENCY, subject=SUBJECT, scopes={"STATUS"})
    assert ("events[0].status.agency_texts", "DETAILS") in report.withheld
    assert not case.status.agency_texts and case.status.agency_code == "Case Was Received"


def test_a_value_whose_plaintext_lacks_the_list_opens_nothing() -> None:
    """A sealed value naming agency_texts must hold it: otherwise nothing of it opens."""
    case, key = _worded_case(), _key()
    seal_case(case, key, agency=WORDED_AGENCY, subject=SUBJECT)
    # Re-seal under the same path a projection without the Spanish list.
    path = case.sealed_fields[0].path
    projection = case_pb2.Case()
    projection.status.agency_text = "forged"
    projection.events.add().status.agency_text = "forged"
    value = key.seal_bound(projection.SerializeToString(),
                           associated_data(WORDED_AGENCY, case.case_number)
                           + associated_data(path) + associated_data(SUBJECT))
    case.sealed_fields[0].value = value
    report = open_case(case, key, agency=WORDED_AGENCY, subject=SUBJECT, scopes={"DETAILS"})
    assert report.opened == {} and report.failed
    assert case.status.agency_text == "" and not case.status.agency_texts


def test_plaintext_wording_is_stripped_by_receivers_that_accept_only_sealed() -> None:
    """An adapter that sent the list in the clear has it dropped, and named."""
    case = _worded_case()
    dropped = strip_unsealed(case)
    assert "status.agency_texts" in dropped and "events[0].status.agency_texts" in dropped
    assert not case.status.agency_texts


def test_the_list_round_trips_through_the_wire_format() -> None:
    """Status.agency_texts survives serialization with its order and every field."""
    status = vocabulary_pb2.Status(agency_text="We received your Form I-765.",
                                   agency_texts=_wordings())
    again = vocabulary_pb2.Status.FromString(status.SerializeToString())
    assert again == status
    assert [(t.language, t.title) for t in again.agency_texts] == [
        ("en", "Case Was Received"), ("es", "Caso Fue Recibido")]


def test_related_cases_are_sealed_as_details_and_open_whole() -> None:
    """The repeated related_cases field (DETAILS) is sealed as one field of the case with the
    others of its scope, leaves no number in plaintext, and opens back item for item."""
    original, key = _case(), _key()
    original.related_cases.add(agency_id="immigration", case_number="IOE0990000011",
                               relation=case_pb2.CASE_RELATION_HEARS)
    original.related_cases.add(agency_id="labor", case_number="G-100-24218-604417",
                               relation=case_pb2.CASE_RELATION_BASED_ON)
    case = case_pb2.Case()
    case.CopyFrom(original)
    seal_case(case, key, agency=AGENCY, subject=SUBJECT)
    (sealed,) = case.sealed_fields
    assert sealed.path.startswith("{office,related_cases,status.agency_text};")
    assert not case.related_cases
    wire = case.SerializeToString()
    assert b"IOE0990000011" not in wire and b"G-100-24218-604417" not in wire
    withheld = case_pb2.Case()
    withheld.CopyFrom(case)
    report = open_case(withheld, key, agency=AGENCY, subject=SUBJECT, scopes={"IDENTITY"})
    assert "related_cases" in {path for path, _ in report.withheld}
    assert not withheld.related_cases
    report = open_case(case, key, agency=AGENCY, subject=SUBJECT, scopes={"DETAILS"})
    assert report.failed == [] and case == original


def test_related_cases_sent_unsealed_are_dropped() -> None:
    case = _case()
    case.related_cases.add(agency_id="labor", case_number="G-100-24218-604417",
                           relation=case_pb2.CASE_RELATION_BASED_ON)
    assert "related_cases" in strip_unsealed(case)
    assert not case.related_cases
