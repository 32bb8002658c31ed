"""The EOIR demo-data generator: proceedings and the persona's case."""

from __future__ import annotations

import random
from datetime import date

from adapters.courts import synthetic
from adapters.courts.numbers import normalize
from adapters.courts.profile import PROFILE
from adapters.sdk import CaseRecord, MappingTable

TODAY = date(2026, 11, 22)
TABLE = MappingTable.load(PROFILE.mapping_path)


def _map(code: str) -> tuple[str, str, bool]:
    mapped = TABLE.map(code)
    assert mapped.known, code
    return mapped.category, mapped.milestone, mapped.action_required


def _cases(n: int) -> list[CaseRecord]:
    rng = random.Random(4)
    return [synthetic.generate_case(rng, serial, TODAY) for serial in range(n)]


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
