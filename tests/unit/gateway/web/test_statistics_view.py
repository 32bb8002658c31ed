"""The statistics page's parts from the aggregator's figures: target in words, charts that
match their tables, withheld cells worded as such, offices in order with the agency last."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from aggregator.processing.model import TargetKind, TargetUnit
from gateway.web.statistics_view import (
    milestone_name,
    months_back,
    statistics_view,
    target_view,
)
from support.processing_fakes import OFFICES, SMALL_OFFICE, TARGET, WITHHELD_MONTH_INDEX, statistics

WITHHELD = "withheld (fewer than 10 cases)"


@pytest.mark.parametrize(("last", "count", "first"), [
    (date(2026, 11, 1), 12, date(2025, 12, 1)), (date(2026, 11, 1), 1, date(2026, 11, 1)),
    (date(2027, 1, 1), 2, date(2026, 12, 1)), (date(2026, 12, 1), 12, date(2026, 1, 1))])
def test_months_back_counts_calendar_months(last: date, count: int, first: date) -> None:
    assert months_back(last, count) == first


def test_a_target_in_each_language_and_unit() -> None:
    english = target_view("en", TARGET)
    assert english.summary == "90 calendar days"
    assert english.kind == "A time limit set by regulation"
    assert english.basis.startswith("Decide within 90 days") and english.source_url
    spanish = target_view("es", replace(TARGET, unit=TargetUnit.BUSINESS_DAYS, days=15,
                                        kind=TargetKind.STATUTORY))
    assert spanish.summary == "15 días hábiles" and spanish.kind == "Un plazo fijado por ley"
    assert spanish.basis.startswith("Decidir dentro")
    none = target_view("en", replace(TARGET, days=0, kind=TargetKind.NONE, basis={}))
    assert none.summary == "No published target" and none.kind == "" and none.basis == ""


def test_a_goal_stated_in_law_is_not_called_a_time_limit() -> None:
    """8 U.S.C. 1571(b), a sense of Congress: the label agrees with its basis ("a goal")."""
    goal = replace(TARGET, kind=TargetKind.STATUTORY, source="8 U.S.C. 1571(b)", days=180)
    assert target_view("en", goal).kind == "A goal stated in law, not a deadline"
    assert target_view("es", goal).kind == "Una meta fijada en la ley, no un plazo"
    published = replace(TARGET, kind=TargetKind.PUBLISHED_GOAL)
    assert target_view("en", published).kind == "The agency's published goal"


def test_a_basis_missing_in_the_readers_language_falls_back_to_english() -> None:
    only_english = replace(TARGET, basis={"en": "English only."})
    assert target_view("es", only_english).basis == "English only."


def test_milestones_in_words_and_unknown_ones_by_code() -> None:
    assert milestone_name("en", "EVIDENCE_REQUESTED") == "Evidence requested"
    assert milestone_name("es", "INTERVIEW_SCHEDULED") == "Entrevista programada"
    assert milestone_name("en", "SOMETHING_NEW") == "SOMETHING_NEW"


def _view(language: str = "en", office: str | None = None):  # type: ignore[no-untyped-def]
    trend = statistics(office=office, first_month=date(2025, 12, 1), months=12)
    return statistics_view(language, statistics(), trend, office)


def test_each_charts_table_has_the_charts_numbers() -> None:
    view = _view()
    trend, distribution, pending, within = view.charts
    assert [c.id for c in view.charts] == ["trend", "distribution", "pending", "within"]
    assert trend.chart is not None and trend.narrow is not None
    assert len(trend.rows) == 12 and len(trend.chart.x_ticks) == 6  # every other month named
    # The phone's drawing names every third month, in a narrower viewBox.
    assert len(trend.narrow.x_ticks) == 4 and trend.narrow.width < trend.chart.width
    assert trend.rows[0] == ("December 2025", ("70 days", "110 days"))
    assert trend.rows[WITHHELD_MONTH_INDEX][1] == (WITHHELD, WITHHELD)
    assert [line.name for line in trend.chart.lines] == ["Median", "80% decided within"]
    assert len(trend.chart.lines[0].dots) == 11  # the withheld month has no point
    assert [r[0] for r in distribution.rows][:2] == ["10%", "20%"]
    # Bar charts are rows of text: each bar says its number as the table does.
    assert distribution.chart is None and len(distribution.bars) == 9
    assert (distribution.bars[0].name, distribution.bars[0].value) == ("10%", "30 days")
    assert distribution.rows[0][1] == ("30 days",)
    assert pending.rows[0] == ("Under review", ("340", "61 days"))
    assert pending.rows[2] == ("Interview scheduled", (WITHHELD, WITHHELD))
    assert pending.bars[0].length == 1.0 and pending.bars[0].value == "340"
    assert pending.bars[2].length is None and pending.bars[2].value == "withheld"
    assert pending.withheld and not pending.empty
    assert within.rows[0][1] == ("82%",) and within.rows[WITHHELD_MONTH_INDEX][1] == (WITHHELD,)
    assert within.bars[WITHHELD_MONTH_INDEX].length is None
    assert within.bars[0].length == pytest.approx(0.82) and within.bars[0].value == "82%"
    assert "(90 calendar days)" in within.description


def test_offices_by_name_with_the_agency_last_and_withheld_rows_in_words() -> None:
    view = _view()
    assert [o.office for o in view.offices] == [SMALL_OFFICE, *OFFICES, "Agency-wide"]
    small = view.offices[0]
    assert (small.completed, small.median, small.p80, small.within) == (WITHHELD,) * 4
    assert view.offices[-1].agency_wide and not view.offices[0].agency_wide
    assert view.office_names == (SMALL_OFFICE, *OFFICES)
    assert view.period == "May 2026 to October 2026"


def test_an_offices_view_charts_that_office() -> None:
    view = _view(office=OFFICES[0])
    assert view.office == OFFICES[0]
    assert view.charts[0].rows[0] == ("December 2025", ("70 days", "110 days"))


def test_spanish_view() -> None:
    view = _view("es")
    assert view.period == "de mayo de 2026 a octubre de 2026"
    assert view.charts[0].rows[WITHHELD_MONTH_INDEX][1][0] == "no se publica (menos de 10 casos)"
    assert view.offices[-1].office == "Toda la agencia"


def test_without_a_target_there_is_no_share_to_chart() -> None:
    """A case type without a target (0 days, kind NONE) has the other three charts only."""
    no_target = replace(TARGET, days=0, kind=TargetKind.NONE)
    period = replace(statistics(), target=no_target)
    trend = replace(statistics(first_month=date(2025, 12, 1), months=12), target=no_target)
    view = statistics_view("en", period, trend, None)
    assert [c.id for c in view.charts] == ["trend", "distribution", "pending"]
