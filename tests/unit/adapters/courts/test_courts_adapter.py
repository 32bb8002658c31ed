"""EOIR: A-numbers, the court/BIA code table and generated proceedings."""

from __future__ import annotations

import random
from datetime import date

import pytest

from adapters.courts import synthetic
from adapters.courts.numbers import normalize
from adapters.courts.profile import PROFILE
from adapters.sdk import CaseRecord, InvalidNumberError, MappingTable
from deploy.cli import _known_codes

TODAY = date(2026, 11, 22)
TABLE = MappingTable.load(PROFILE.mapping_path)


def _map(code: str) -> tuple[str, str, bool]:
    mapped = TABLE.map(code)
    assert mapped.known, code
    return mapped.category, mapped.milestone, mapped.action_required


def _cases(n: int) -> list[CaseRecord]:
    rng = random.Random(4)
    return [synthetic.generate_case(rng, serial, TODAY) for serial in range(n)]


@pytest.mark.parametrize(("raw", "canonical"), [
    ("A201555123", "A201555123"), ("a 201 555 123", "A201555123"),
    ("201-555-123", "A201555123"), ("A#12345678", "A012345678"), ("A-12345678", "A012345678"),
])
def test_a_numbers_normalize(raw: str, canonical: str) -> None:
    """Court cases are keyed by A-number: A + 9 digits, 8-digit ones padded."""
    assert normalize(raw) == canonical


@pytest.mark.parametrize("raw", ["A1234567", "A1234567890", "A12345X78", "A000000000", ""])
def test_bad_a_numbers_are_refused_naming_the_format(raw: str) -> None:
    """Wrong lengths, letters, all zeros and empty input are refused with the format."""
    with pytest.raises(InvalidNumberError) as caught:
        normalize(raw)
    assert "e.g. A201555123" in str(caught.value)
    assert caught.value.detail


def test_every_listed_code_maps_in_both_languages() -> None:
    """Every EOIR code in known_codes.txt maps; each entry has English and Spanish text."""
    known = _known_codes(PROFILE.known_codes_path)
    assert len(known) >= 40
    assert [c for _, c in known if not TABLE.map(c).known] == []
    for entry in TABLE.entries:
        assert {t.language for t in entry.texts} == {"en", "es"}


def test_in_absentia_order_requires_action_and_is_denied() -> None:
    """An in-absentia removal order is adverse and needs prompt action (motion to reopen)."""
    category, _, action = _map("IN ABSENTIA REMOVAL ORDER")
    assert (category, action) == ("DENIED", True)


def test_administrative_closure_is_closed_not_denied() -> None:
    """Administrative closure ends the docket without a decision against the respondent."""
    assert _map("ADMINISTRATIVELY CLOSED")[0] == "CLOSED"


def test_relief_granted_is_approved_and_briefing_requires_action() -> None:
    """Relief granted is a win; a BIA briefing schedule means a brief is due."""
    assert _map("RELIEF GRANTED")[0] == "APPROVED"
    assert _map("BRIEFING SCHEDULE ISSUED")[2] is True


def test_generated_proceedings_are_unique_ordered_mapped_and_hearings_carry_details() -> None:
    """Numbers are unique and valid; codes mapped; hearing events always carry a hearing."""
    cases = _cases(5_000)
    assert len({c.number for c in cases}) == len(cases)
    assert synthetic.PERSONA_NUMBER not in {c.number for c in cases}
    for case in cases:
        assert normalize(case.number) == case.number
        times = [e.occurred_at for e in case.events]
        assert times == sorted(times) and times[-1].date() <= TODAY
        for event in case.events:
            assert TABLE.map(event.code).known, event.code
            if event.code.endswith("HEARING SCHEDULED"):
                assert event.hearing is not None and event.due_date is not None


def test_generation_is_deterministic() -> None:
    """The same seed gives the same proceedings."""
    assert _cases(300) == _cases(300)


def test_ana_has_an_individual_hearing_ahead() -> None:
    """Ana's removal case ends with an in-person individual hearing about 45 days away."""
    (case,) = synthetic.persona_cases(TODAY)["ana"]
    last = case.events[-1]
    assert (case.number, case.case_type) == ("A201555123", "REMOVAL")
    assert last.code == "INDIVIDUAL HEARING SCHEDULED" and last.hearing is not None
    assert last.hearing.type == "INDIVIDUAL" and last.hearing.medium == "IN_PERSON"
    assert last.due_date == last.hearing.scheduled_at.date() and last.due_date > TODAY
    assert _map(last.code)[2] is True
