"""USCIS's own Spanish (current_case_status_text_es / desc_es) travels beside its English as
the event's "es" wording, as plain text, and reaches the contract's Status.agency_texts."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.immigration.profile import PROFILE as IMMIGRATION
from adapters.sdk.mapping import MappingTable
from adapters.sdk.records import AgencyWording
from adapters.sdk.to_contract import case_to_proto
from adapters.uscis_api.translate import parse_case_status, to_record
from support.uscis_fake import case_status, sample_cases

SEEN = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_the_spanish_title_and_description_become_the_es_wording_without_markup() -> None:
    """The fake's IOE answer has Spanish with <b> inside: it arrives as plain text."""
    case = parse_case_status(sample_cases()["IOE0912345678"], "IOE0912345678")
    (event,) = to_record("IOE0912345678", case, SEEN).events
    assert event.wordings == (AgencyWording("es", "Caso Fue Recibido",
                                            "Recibimos su Formulario I-765. Gracias."),)


def test_spanish_markup_and_scripts_are_removed_like_the_englishs() -> None:
    """A script and escaped markup in the Spanish leave no markup and no script text."""
    body = case_status("EAC9999103402", "I-485", "Case Was Approved", "ok",
                       title_es="<i>Caso Fue Aprobado</i>",
                       desc_es="Aprobamos su caso.<script>alert(1)</script> &lt;b&gt;Fin")
    (event,) = to_record("EAC9999103402", parse_case_status(body, "EAC9999103402"),
                         SEEN).events
    (spanish,) = event.wordings
    assert spanish.title == "Caso Fue Aprobado"
    assert spanish.text == "Aprobamos su caso. Fin"


def test_a_spanish_title_without_description_stands_for_both() -> None:
    """As the English title stands in for a missing English description."""
    body = case_status("EAC9999103402", "I-485", "Case Was Approved", "",
                       title_es="Caso Fue Aprobado")
    (event,) = to_record("EAC9999103402", parse_case_status(body, "EAC9999103402"),
                         SEEN).events
    assert event.wordings == (AgencyWording("es", "Caso Fue Aprobado", "Caso Fue Aprobado"),)


def test_an_answer_without_spanish_has_no_other_wording() -> None:
    """The fake's RFE case has English only: the event carries English alone."""
    case = parse_case_status(sample_cases()["LIN9912345678"], "LIN9912345678")
    (event,) = to_record("LIN9912345678", case, SEEN).events
    assert event.wordings == ()


def test_the_contract_status_carries_english_then_uscis_spanish() -> None:
    """Served through the SDK, the case's status lists "en" (equal to agency_text), "es"."""
    case = parse_case_status(sample_cases()["EAC9999103402"], "EAC9999103402")
    record = to_record("EAC9999103402", case, SEEN)
    message = case_to_proto(record, MappingTable.load(IMMIGRATION.mapping_path), None,
                            "I-485", with_history=False)
    status = message.status
    assert [(t.language, t.title) for t in status.agency_texts] == [
        ("en", "Case Was Approved"), ("es", "Caso Fue Aprobado")]
    assert status.agency_texts[0].description == status.agency_text
    assert status.agency_texts[1].description == (
        "El 5 de septiembre de 2023, aprobamos su Formulario I-485.")
