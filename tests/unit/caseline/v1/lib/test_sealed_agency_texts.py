"""The agency's wording per language (Status.agency_texts, a repeated message field) is sealed,
opened and withheld exactly like agency_text, beside which it travels."""

from __future__ import annotations

import os

from caseline.v1 import case_pb2, sensitivity_pb2, vocabulary_pb2
from caseline.v1.lib.sealed import DataKey, associated_data
from caseline.v1.lib.sealed_fields import open_case, seal_case, strip_unsealed

AGENCY, SUBJECT = "immigration", "psn_ana"
SPANISH = "Recibimos su Formulario I-765 el 2 de mayo."


def _wordings() -> list[vocabulary_pb2.LocalizedText]:
    return [vocabulary_pb2.LocalizedText(language="en", title="Case Was Received",
                                         description="We received your Form I-765."),
            vocabulary_pb2.LocalizedText(language="es", title="Caso Fue Recibido",
                                         description=SPANISH)]


def _case() -> case_pb2.Case:
    case = case_pb2.Case(case_number="IOE0990000001", case_type="I-765",
                         status=vocabulary_pb2.Status(
                             agency_code="Case Was Received",
                             agency_text="We received your Form I-765.",
                             agency_texts=_wordings()))
    event = case.events.add(event_id="e1")
    event.status.CopyFrom(case.status)
    return case


def _key() -> DataKey:
    return DataKey(os.urandom(32), "dk_test")


def test_the_wording_in_every_language_is_sealed_with_agency_text() -> None:
    """Both languages leave only sealed, in the one DETAILS value that holds agency_text."""
    case = _case()
    count = seal_case(case, _key(), agency=AGENCY, subject=SUBJECT)
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
    original, key = _case(), _key()
    case = case_pb2.Case()
    case.CopyFrom(original)
    seal_case(case, key, agency=AGENCY, subject=SUBJECT)
    report = open_case(case, key, agency=AGENCY, subject=SUBJECT, scopes={"STATUS", "DETAILS"})
    assert report.failed == [] and report.opened == {"DETAILS": 4}
    assert case == original
    assert [t.language for t in case.events[0].status.agency_texts] == ["en", "es"]


def test_without_details_the_wording_stays_sealed_and_is_reported_withheld() -> None:
    """A reader without DETAILS gets neither language; the report names the field."""
    case, key = _case(), _key()
    seal_case(case, key, agency=AGENCY, subject=SUBJECT)
    report = open_case(case, key, agency=AGENCY, subject=SUBJECT, scopes={"STATUS"})
    assert ("events[0].status.agency_texts", "DETAILS") in report.withheld
    assert not case.status.agency_texts and case.status.agency_code == "Case Was Received"


def test_a_value_whose_plaintext_lacks_the_list_opens_nothing() -> None:
    """A sealed value naming agency_texts must hold it: otherwise nothing of it opens."""
    case, key = _case(), _key()
    seal_case(case, key, agency=AGENCY, subject=SUBJECT)
    # Re-seal under the same path a projection without the Spanish list.
    path = case.sealed_fields[0].path
    projection = case_pb2.Case()
    projection.status.agency_text = "forged"
    projection.events.add().status.agency_text = "forged"
    value = key.seal_bound(projection.SerializeToString(),
                           associated_data(AGENCY, case.case_number) + associated_data(path)
                           + associated_data(SUBJECT))
    case.sealed_fields[0].value = value
    report = open_case(case, key, agency=AGENCY, subject=SUBJECT, scopes={"DETAILS"})
    assert report.opened == {} and report.failed
    assert case.status.agency_text == "" and not case.status.agency_texts


def test_plaintext_wording_is_stripped_by_receivers_that_accept_only_sealed() -> None:
    """An adapter that sent the list in the clear has it dropped, and named."""
    case = _case()
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
