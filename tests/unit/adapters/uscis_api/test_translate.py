"""The API's answers as plain text and UTC times, whatever they hold."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.immigration.profile import PROFILE as IMMIGRATION
from adapters.sdk.mapping import MappingTable
from adapters.sdk.records import AgencyWording
from adapters.sdk.to_contract import case_to_proto
from adapters.uscis_api.translate import parse_case_status, parse_time, plain_text, to_record
from support.uscis_fake import case_status, sample_cases

SEEN = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_html_in_descriptions_leaves_as_text_only() -> None:
    raw = ('We received it. <a href="https://www.uscis.gov/x">Sign up</a> now.'
           "<script>alert(1)</script><br/>Thanks &amp; welcome.")
    assert plain_text(raw) == "We received it. Sign up now. Thanks & welcome."


def test_escaped_markup_is_not_passed_on_once_decoded() -> None:
    assert plain_text("Hi &lt;script&gt;alert(1)&lt;/script&gt; there") == "Hi there"
    assert plain_text("&amp;lt;b&amp;gt;bold&amp;lt;/b&amp;gt;") == "bold"
    assert "<" not in plain_text("&amp;amp;amp;amp;amp;lt;i&amp;amp;amp;amp;amp;gt;x")


def test_text_that_only_looks_like_a_comparison_is_kept() -> None:
    assert plain_text("fewer than 3 < 5 days") == "fewer than 3 < 5 days"


def test_anything_but_a_string_is_empty_text() -> None:
    assert plain_text(None) == "" and plain_text(12) == "" and plain_text(["x"]) == ""


def test_uscis_times_are_eastern_and_come_back_in_utc() -> None:
    assert parse_time("09-05-2023 14:28:46") == datetime(2023, 9, 5, 18, 28, 46, tzinfo=UTC)
    assert parse_time("01-15-2024 10:00:00") == datetime(2024, 1, 15, 15, 0, tzinfo=UTC)
    assert parse_time("2023-03-20") == datetime(2023, 3, 20, 4, 0, tzinfo=UTC)


def test_missing_or_unreadable_times_are_none() -> None:
    assert parse_time("") is None and parse_time(None) is None
    assert parse_time("13-45-2023 99:00:00") is None and parse_time("yesterday") is None


def test_hist_case_status_null_is_no_history() -> None:
    body = case_status("EAC9999103402", "I-485", "Case Was Approved", "ok", history=None)
    assert parse_case_status(body, "EAC9999103402").history == ()


def test_history_entries_that_are_not_objects_are_skipped() -> None:
    body = case_status("EAC9999103402", "I-485", "Case Was Approved", "ok")
    body["hist_case_status"] = ["junk", 3, {"date": "2023-03-20", "completed_text_en": "<b>R</b>"},
                                {"date": "bad"}]
    (entry,) = parse_case_status(body, "EAC9999103402").history
    assert entry.text_en == "R" and entry.at == datetime(2023, 3, 20, 4, tzinfo=UTC)


def test_an_ioe_receipt_without_dates_takes_the_time_it_was_first_seen() -> None:
    case = parse_case_status(sample_cases()["IOE0912345678"], "IOE0912345678")
    assert case.submitted is None and case.modified is None
    record = to_record("IOE0912345678", case, SEEN)
    (event,) = record.events
    assert event.occurred_at == SEEN and record.opened == SEEN
    assert event.code == "Case Was Received"
    assert "<" not in event.text and "alert" not in event.text and "Sign up" in event.text
    assert record.case_type == "I-765"


def test_a_dated_case_takes_its_modified_and_submitted_dates() -> None:
    case = parse_case_status(sample_cases()["EAC9999103402"], "EAC9999103402")
    record = to_record("EAC9999103402", case, SEEN)
    assert record.events[0].occurred_at == datetime(2023, 9, 5, 18, 28, 46, tzinfo=UTC)
    assert record.opened == datetime(2023, 3, 15, 13, 12, 44, tzinfo=UTC)
    assert record.office == "Vermont Service Center"
    assert case.title_es == "Caso Fue Aprobado" and len(case.history) == 2


def test_unknown_receipts_answered_with_empty_fields_are_not_found() -> None:
    blank = case_status("", "", "", "")
    assert not parse_case_status(blank, "EAC0000000001").found


# USCIS's own Spanish (current_case_status_text_es / desc_es) travels beside its English as
# the event's "es" wording, as plain text, and reaches the contract's Status.agency_texts.

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
