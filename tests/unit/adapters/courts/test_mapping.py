"""The court/BIA code table: every real EOIR label maps, plainly, and the traps are right."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from adapters.courts import synthetic
from adapters.courts.profile import PROFILE
from adapters.sdk import MappingTable
from deploy.commands.vocab import _known_codes

TABLE = MappingTable.load(PROFILE.mapping_path)
SOURCES = Path(PROFILE.mapping_path).parent / "sources" / "eoir_labels.txt"
# Every gathered label maps; a label added here would stay UNSPECIFIED with its text kept.
KNOWN_UNMAPPED: set[str] = set()


def _map(code: str) -> tuple[str, str, bool]:
    mapped = TABLE.map(code)
    assert mapped.known, code
    return mapped.category, mapped.milestone, mapped.action_required


def _gathered() -> dict[str, list[str]]:
    """The real wording in sources/eoir_labels.txt, by source section."""
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in SOURCES.read_text(encoding="utf-8").splitlines():
        if raw.startswith("# @source "):
            current = raw.removeprefix("# @source ").strip()
            sections[current] = []
        elif raw.strip() and not raw.startswith("#"):
            sections[current].append(raw)
    return sections


def _texts(code: str, language: str) -> str:
    text = TABLE.map(code).text(language)
    assert text is not None
    return f"{text.title} {text.description} {text.next_step}".casefold()


def test_every_listed_code_maps_in_both_languages() -> None:
    """Every EOIR code in known_codes.txt maps; each entry has English and Spanish text."""
    known = _known_codes(PROFILE.known_codes_path)
    assert len(known) >= 40
    assert [c for _, c in known if not TABLE.map(c).known] == []
    for entry in TABLE.entries:
        assert {t.language for t in entry.texts} == {"en", "es"}


def test_gathered_real_eoir_wording_maps_per_source() -> None:
    """At least 95% of the real EOIR labels map, in every source, and nothing unmapped is new."""
    sections = _gathered()
    assert set(sections) >= {"foia-court-decision", "foia-bia-decision", "acis-portal",
                             "eoir-adjudication-statistics"}
    lines = [line for section in sections.values() for line in section]
    assert len(lines) >= 250
    unmapped = {line for line in lines if not TABLE.map(line).known}
    assert unmapped <= KNOWN_UNMAPPED
    for name, section in sections.items():
        mapped = sum(TABLE.map(line).known for line in section)
        assert mapped / len(section) >= 0.95, name


@pytest.mark.parametrize("code", [
    "VOLUNTARY DEPARTURE GRANTED", "VOLUNTARY DEPARTURE", "Voluntary Departure",
    "DVD", "Dismissed (Voluntary Departure Granted)", "D30", "Dismissed (Grant V/D 30 days)",
    "SAV", "SUMMARY AFFIRMANCE/VD", "BVD", "CFV", "Final Denial of 42B/40 - Granting VD",
])
def test_voluntary_departure_is_not_denied(code: str) -> None:
    """Voluntary departure is CLOSED with its own milestone and action required, never DENIED,
    and no text tells the person they were denied."""
    assert _map(code) == ("CLOSED", "VOLUNTARY_DEPARTURE_GRANTED", True)
    assert "denied" not in _texts(code, "en")
    assert "negó" not in _texts(code, "es") and "negado" not in _texts(code, "es")
    assert "leave" in _texts(code, "en") and "fecha de salida" in _texts(code, "es")


def test_voluntary_departure_carries_the_departure_date_as_due_date() -> None:
    """The adapter sends the departure date as the voluntary departure event's due date."""
    rng = random.Random(16)
    events = [e for serial in range(3_000)
              for e in synthetic.generate_case(rng, serial, date(2026, 11, 20)).events
              if e.code == "VOLUNTARY DEPARTURE GRANTED"]
    assert events
    for event in events:
        assert event.due_date is not None
        assert 55 <= (event.due_date - event.occurred_at.date()).days <= 125


@pytest.mark.parametrize("code", [
    "ADMINISTRATIVELY CLOSED", "Administrative Closure", "ADMIN CLOSURE",
    "Administrative Closing - Other", "Administrative Closing (Other)",
    "In Court Prosecutorial Discretion - Admin Closure", "Prosecutorial Discretion - Admin Close",
    "PD Administrative Closure",
])
def test_administrative_closure_is_not_a_termination_or_denial(code: str) -> None:
    """Administrative closure pauses the case: CLOSED, not DENIED, a different entry from
    termination, and the texts say the case can come back."""
    assert _map(code)[0] == "CLOSED"
    assert TABLE.lookup(code) is not TABLE.lookup("TERMINATED")
    assert "not a denial" in _texts(code, "en") and "put it back" in _texts(code, "en")
    assert "no es una negación" in _texts(code, "es")


def test_administrative_closure_at_the_bia_is_not_a_denial() -> None:
    """The BIA's administrative closure codes are CLOSED, not DENIED."""
    for code in ("ADM", "APD", "CTM", "ABC", "Administratively Closed-DHS PD"):
        assert _map(code)[0] == "CLOSED", code


@pytest.mark.parametrize("code", [
    "CONTINUANCE", "Continued", "CON", "HEARING ADJOURNED", "HEARING CONTINUED",
    "Motion for Continuance",
])
def test_a_continuance_is_not_a_decision(code: str) -> None:
    """A continuance keeps the case ACTIVE; it is no decision."""
    category, milestone, _ = _map(code)
    assert category == "ACTIVE"
    assert milestone not in ("DECISION_MADE", "APPEAL_DECIDED")


@pytest.mark.parametrize("code", [
    "IN ABSENTIA REMOVAL ORDER", "REMOVED IN ABSENTIA", "In Absentia",
    "In Absentia Removal Orders", "ORDERED REMOVED IN ABSENTIA",
])
def test_removal_in_absentia_needs_action_with_the_motion_to_reopen_deadline(code: str) -> None:
    """An in absentia order is adverse and asks for a motion to reopen, naming its deadline."""
    assert _map(code) == ("DENIED", "DECISION_MADE", True)
    assert "180 days" in _texts(code, "en") and "reopen" in _texts(code, "en")
    assert "180 días" in _texts(code, "es")


def test_in_absentia_orders_carry_the_reopening_deadline_as_due_date() -> None:
    """The adapter sends the motion to reopen deadline (about 180 days) as the due date."""
    rng = random.Random(7)
    events = [e for serial in range(3_000)
              for e in synthetic.generate_case(rng, serial, date(2026, 11, 20)).events
              if e.code == "IN ABSENTIA REMOVAL ORDER"]
    assert events
    assert all(e.due_date is not None
               and 170 <= (e.due_date - e.occurred_at.date()).days <= 183 for e in events)


@pytest.mark.parametrize("code", [
    "BIA DECISION: REMANDED", "REM", "Remand", "REMAND", "BCR", "Background Check Remand",
    "Remand to IJ", "Remand to BIA", "FEDERAL COURT REMANDS",
])
def test_bia_remand_is_not_a_decision_on_the_merits(code: str) -> None:
    """A remand sends the case back: ACTIVE and reopened, neither won nor lost."""
    assert _map(code) == ("ACTIVE", "REOPENED", False)


@pytest.mark.parametrize("code", [
    "DISMISSED – PROSECUTORIAL DISCRETION", "DISMISSED - PROSECUTORIAL DISCRETION",
    "Dismissed by IJ", "DISMISSED", "Failure to Prosecute (DHS cases only)",
])
def test_prosecutorial_discretion_dismissal_is_closed_with_either_dash(code: str) -> None:
    """A dismissal (en dash or hyphen) ends the case without a removal order: CLOSED."""
    assert _map(code) == ("CLOSED", "DECISION_MADE", False)


@pytest.mark.parametrize("code", ["TERMINATE", "Terminated", "CASE TERMINATED BY IJ",
                                  "PD Termination", "TER", "Terminate-DHS PD"])
def test_termination_is_closed_not_denied(code: str) -> None:
    """Termination ends the case without a decision against the person."""
    assert _map(code)[0] == "CLOSED"


@pytest.mark.parametrize("code", ["SUMMARY AFFIRMANCE", "SAF", "Summary Affirmance", "S-L",
                                  "Streamlining", "AFFIRMED WITHOUT OPINION"])
def test_summary_affirmance_is_a_final_adverse_decision_with_a_deadline(code: str) -> None:
    """A summary affirmance upholds the judge's order: DENIED, with the 30-day review limit."""
    assert _map(code) == ("DENIED", "APPEAL_DECIDED", True)
    assert "30 days" in _texts(code, "en")


@pytest.mark.parametrize("code", ["CHANGE OF VENUE", "Change of Venue", "Transfer",
                                  "COV/TRANSFER", "Jurisdiction Transferred to the BIA"])
def test_a_change_of_venue_is_not_a_decision(code: str) -> None:
    """A change of venue or transfer moves the case; it is still ACTIVE."""
    assert _map(code)[:2] == ("ACTIVE", "TRANSFERRED")


def test_asylum_abandoned_is_adverse_and_asks_for_action() -> None:
    """An abandoned application is lost unless the person acts."""
    for code in ("ASYLUM ABANDONED", "Abandonment", "ABANDONMENT"):
        assert _map(code) == ("DENIED", "DECISION_MADE", True), code


def test_motion_granted_goes_on_and_motion_denied_asks_for_action() -> None:
    """MOTION GRANTED keeps the case going; MOTION DENIED is adverse with a deadline."""
    assert _map("MOTION GRANTED") == ("ACTIVE", "APPEAL_DECIDED", False)
    assert _map("MOTION DENIED") == ("DENIED", "APPEAL_DECIDED", True)


def test_a_motion_filed_is_not_a_decision() -> None:
    """Every court and BIA motion type, when filed, leaves the case ACTIVE and undecided."""
    sections = _gathered()
    for code in sections["foia-motion-type"] + sections["foia-board-motion"]:
        category, milestone, _ = _map(code)
        if milestone == "REOPENED":  # "REMAND" names the Board's remand, tested above
            continue
        assert category in ("ACTIVE", "PENDING"), code
        assert milestone not in ("DECISION_MADE", "APPEAL_DECIDED"), code


def test_removal_and_its_old_names_are_denied_with_a_deadline() -> None:
    """REMOVE, DEPORTED, EXCLUDED and the ACIS sentences (EN, ES) are removal orders."""
    for code in ("REMOVE", "Remove", "REMOVED", "DEPORTED", "Deport", "EXCLUDED",
                 "Removal Order", "The immigration judge ORDERED the deportation.",
                 "El juez de inmigración ORDENÓ la expulsión."):
        assert _map(code) == ("DENIED", "DECISION_MADE", True), code


def test_relief_and_protection_grants_are_approved() -> None:
    """RELIEF and the grant codes are wins for the person."""
    for code in ("RELIEF", "Relief Granted", "Grant", "FULL GRANT", "GRANT WCAT",
                 "Grant-CAT Deferral", "Grant-INA Withholding", "Conditional Grant", "CFG"):
        assert _map(code)[0] == "APPROVED", code


def test_dhs_appeal_dismissed_is_a_win_and_sustained_is_a_loss() -> None:
    """Who appealed decides what a dismissal means for the person."""
    assert _map("DHS APPEAL DISMISSED")[0] == "APPROVED"
    assert _map("DHS APPEAL SUSTAINED") == ("DENIED", "APPEAL_DECIDED", True)
    assert _map("DIS") == ("DENIED", "APPEAL_DECIDED", True)


def test_single_letter_decision_codes_stay_unmapped() -> None:
    """EOIR reuses one-letter decision codes per case type, so none is guessed."""
    for code in ("A", "C", "D", "T", "X"):
        assert not TABLE.map(code).known, code


def test_relief_granted_is_approved_and_briefing_requires_action() -> None:
    """Relief granted is a win; a BIA briefing schedule means a brief is due."""
    assert _map("RELIEF GRANTED")[0] == "APPROVED"
    assert _map("BRIEFING SCHEDULE ISSUED")[2] is True


def test_zero_bond_is_release_without_paying_not_bond_denied() -> None:
    """A $0 bond frees the person without paying; 'NO BOND' keeps them detained. The two
    must never read alike, and release on recognizance means the same as a zero bond."""
    assert _map("ZERO BOND") == ("APPROVED", "DECISION_MADE", False)
    assert _map("NO BOND") == ("DENIED", "DECISION_MADE", False)
    assert _map("RELEASED ON RECOGNIZANCE") == _map("ZERO BOND")
    assert "without paying" in TABLE.map("ZERO BOND").texts[0].description
