"""The journeys /me shows come from the aggregator's deadline and journey rules, fed the
timeline's cases, events, the agencies' related cases and today's date (the rules' own
tests live under tests/unit/aggregator/processing)."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from types import ModuleType
from typing import Any

import pytest

from aggregator.model import Case
from gateway.web.me_journeys import journeys_of
from support.applicant_pages import RECEIVED
from support.processing_fakes import deadline, journey

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def test_the_rules_get_the_cases_events_related_cases_and_today(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    found = (journey(),)
    ran = (deadline(),)

    def deadlines_for(cases: Any, events: Any, related: Any, today: date) -> Any:
        seen.update(cases=cases, events=events, related=related, today=today)
        return ran

    def journeys_for(cases: Any, deadlines: Any) -> Any:
        seen["deadlines"] = deadlines
        return found

    deadlines = ModuleType("aggregator.processing.deadlines")
    deadlines.deadlines_for = deadlines_for  # type: ignore[attr-defined]
    journeys = ModuleType("aggregator.processing.journeys")
    journeys.journeys_for = journeys_for  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "aggregator.processing.deadlines", deadlines)
    monkeypatch.setitem(sys.modules, "aggregator.processing.journeys", journeys)
    case = Case("labor", "A-26001-00001", "PERM", "Labor certification", RECEIVED, T0, T0)
    assert journeys_of([case], [], date(2026, 12, 2)) == found
    assert seen["cases"] == [case] and seen["events"] == []
    assert seen["today"] == date(2026, 12, 2) and seen["deadlines"] == ran
    assert set(seen["related"]) == {("labor", "A-26001-00001")}
