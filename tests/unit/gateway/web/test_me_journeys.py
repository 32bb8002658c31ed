"""The journeys /me shows come from the aggregator's journey rules, with the deadlines the
deadline rules find on the timeline's cases (the rules' own tests live under
tests/unit/aggregator/processing)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from aggregator.model import Case
from aggregator.processing.model import RelatedCase
from gateway.web import me_journeys
from gateway.web.me_journeys import journeys_of
from support.applicant_pages import RECEIVED
from support.processing_fakes import deadline

T0 = datetime(2026, 5, 1, tzinfo=UTC)
PW, PERM = "P-100-26001-00001", "A-26001-00001"


def test_a_linked_pw_and_perm_are_one_journey_with_the_rules_deadline(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The PW names the PERM built on it: one journey, PW first; the deadline rules are
    asked with the cases, their related cases and today, and their deadline is shown."""
    seen: dict[str, Any] = {}
    ran = (deadline(number=PERM),)

    def deadlines_for(cases: Any, events: Any, related: Any, today: date, *,
                      zones: Any = None) -> Any:
        seen.update(cases=list(cases), related=dict(related), today=today, zones=zones)
        return ran

    monkeypatch.setattr(me_journeys, "deadlines_for", deadlines_for)
    pw = Case("labor", PW, "PW", "Prevailing wage", RECEIVED, T0, T0,
              related_cases=(RelatedCase("labor", PERM, "BASIS_FOR"),))
    perm = Case("labor", PERM, "PERM", "Labor certification", RECEIVED, T0, T0)
    (journey,) = journeys_of([perm, pw], [], date(2026, 12, 2))
    assert [step.case_number for step in journey.steps] == [PW, PERM]
    assert journey.deadlines == ran
    assert seen["today"] == date(2026, 12, 2) and seen["cases"] == [perm, pw]
    assert seen["related"][("labor", PW)] == (RelatedCase("labor", PERM, "BASIS_FOR"),)
