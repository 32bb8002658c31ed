"""Processing statistics from cell histograms: figures, suppression, rows."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.sdk.statistics import (
    BUSINESS_DAYS_CAP,
    CompletionCell,
    PendingCell,
    ProcessingAggregates,
    TargetRule,
    completion_figures,
    nearest_rank,
    office_statistics,
    pending_figures,
)

MONTHS = ("2026-04", "2026-05", "2026-06")


def _cell(office: str, month: str, *days: int, business: int | None = None) -> CompletionCell:
    counts: dict[int, int] = {}
    for d in days:
        counts[d] = counts.get(d, 0) + 1
    return CompletionCell(office, month, tuple((d, d if business is None else business, n)
                                                for d, n in sorted(counts.items())))


def test_nearest_rank_is_the_textbook_definition() -> None:
    """Rank ceil(p*n/100): for 1..10 the median is 5 (lower), p80 is 8, p10 is 1."""
    histogram = [(v, 1) for v in range(1, 11)]
    assert nearest_rank(histogram, (10, 50, 80, 90)) == [1, 5, 8, 9]
    assert nearest_rank([(7, 3)], (10, 50, 80)) == [7, 7, 7]
    assert nearest_rank([], (50,)) == []


def test_completion_figures_of_one_published_cell() -> None:
    """Median is the lower median; p80 the smallest days with at least 80% decided."""
    cell = _cell("A", "2026-04", *range(10, 20))  # 10 cases, 10..19 days
    figures = completion_figures([cell], k=10, target=TargetRule(14))
    assert (figures.suppressed, figures.completed, figures.median_days, figures.p80_days) == (
        False, 10, 14, 17)
    assert figures.decile_days == (10, 11, 12, 13, 14, 15, 16, 17, 18)
    assert figures.within_target_share == pytest.approx(0.5)
    assert figures.withheld_cells == 0


def test_within_target_counts_business_days_when_the_target_does() -> None:
    """Same calendar days, fewer business days: within a business-day target, not within a
    calendar one of the same length."""
    cell = _cell("A", "2026-04", *([20] * 10), business=14)
    assert completion_figures([cell], k=1, target=TargetRule(15, business_days=True)
                              ).within_target_share == 1.0
    assert completion_figures([cell], k=1, target=TargetRule(15)).within_target_share == 0.0
    assert completion_figures([cell], k=1, target=None).within_target_share == 0.0


def test_a_business_day_target_beyond_the_cap_is_refused() -> None:
    with pytest.raises(ValueError, match="business-day target"):
        TargetRule(BUSINESS_DAYS_CAP, business_days=True)


def test_small_cells_are_withheld_and_counted() -> None:
    """A cell of 1..k-1 cases adds nothing but its count of withheld cells."""
    small = _cell("A", "2026-05", 1, 2, 3)
    big = _cell("A", "2026-04", *range(100, 110))
    figures = completion_figures([small, big], k=10, target=None)
    assert figures.completed == 10 and figures.median_days == 104
    assert figures.withheld_cells == 1
    alone = completion_figures([small], k=10, target=None)
    assert alone.suppressed and alone.completed == 0 and alone.decile_days == ()
    assert alone.withheld_cells == 1


def test_pending_in_vocabulary_order_with_small_cells_withheld() -> None:
    """Milestones in enum order; one held only by small cells is suppressed; unknown ones
    are left out."""
    cells = [PendingCell("A", "UNDER_REVIEW", ((5, 10), (9, 2))),
             PendingCell("B", "UNDER_REVIEW", ((1, 3),)),
             PendingCell("A", "RECEIVED", ((2, 4),)),
             PendingCell("A", "UNSPECIFIED", ((2, 40),))]
    rows = pending_figures(cells, k=10)
    assert [(p.milestone, p.suppressed, p.count, p.median_age_days) for p in rows] == [
        ("RECEIVED", True, 0, 0), ("UNDER_REVIEW", False, 12, 5)]


def test_rows_are_sorted_with_the_agency_wide_row_last() -> None:
    aggregates = ProcessingAggregates(
        completions=(_cell("B", "2026-04", *range(10)), _cell("A", "2026-05", *range(10)),
                     _cell("C", "2025-01", *range(10))),  # outside the period: ignored
        pending=(PendingCell("D", "RECEIVED", ((1, 10),)),))
    rows = office_statistics(aggregates, MONTHS, office=None)
    assert [r.office for r in rows] == ["A", "B", "D", ""]
    assert [m.month for m in rows[-1].months] == list(MONTHS)
    assert rows[-1].period.completed == 20
    only = office_statistics(aggregates, MONTHS, office="B")
    assert [r.office for r in only] == ["B"] and only[0] == rows[1]
    assert office_statistics(aggregates, MONTHS, office="Nowhere") == ()


_cells = st.lists(st.tuples(st.sampled_from("ABC"), st.sampled_from(MONTHS),
                            st.lists(st.integers(0, 60), min_size=1, max_size=25)),
                  max_size=9, unique_by=lambda c: (c[0], c[1]))


def _aggregates(raw: list[tuple[str, str, list[int]]]) -> ProcessingAggregates:
    return ProcessingAggregates(tuple(_cell(o, m, *days) for o, m, days in raw), ())


@settings(max_examples=150, deadline=None)
@given(_cells, st.integers(1, 12))
def test_no_subtraction_reveals_a_withheld_cell(raw: list[tuple[str, str, list[int]]],
                                               k: int) -> None:
    """Agency-wide counts are the sum of the offices' and a period's the sum of its months',
    so differences reveal nothing; and replacing a withheld cell's cases by other small
    contents changes no published figure."""
    rows = office_statistics(_aggregates(raw), MONTHS, office=None, k=k)
    agency, offices = rows[-1], rows[:-1]
    assert agency.period.completed == sum(r.period.completed for r in offices)
    for row in rows:
        assert row.period.completed == sum(m.figures.completed for m in row.months)
    for i, month in enumerate(MONTHS):
        assert agency.months[i].figures.completed == sum(
            r.months[i].figures.completed for r in offices)
        assert agency.months[i].month == month
    altered = [(o, m, [59] * (k - 1) if 0 < len(days) < k else days) for o, m, days in raw]
    assert office_statistics(_aggregates(altered), MONTHS, office=None, k=k) == rows


@settings(max_examples=150, deadline=None)
@given(_cells, st.integers(1, 12))
def test_figures_match_a_brute_force_over_published_cases(
        raw: list[tuple[str, str, list[int]]], k: int) -> None:
    """Each office's period figures equal sorting its published cells' cases by hand."""
    rows = office_statistics(_aggregates(raw), MONTHS, office=None, k=k)
    for row in rows:
        cases = sorted(d for o, _, days in raw if row.office in ("", o)
                       if len(days) >= k for d in days)
        figures = row.period
        assert figures.suppressed == (not cases)
        if cases:
            n = len(cases)
            assert figures.median_days == cases[-(-n // 2) - 1]
            assert figures.p80_days == cases[-(-8 * n // 10) - 1]
            assert figures.decile_days == tuple(cases[-(-i * n // 10) - 1]
                                                for i in range(1, 10))
            assert sum(d <= figures.p80_days for d in cases) >= 0.8 * n


def _pending_cell(office: str, milestone: str, ages: list[int]) -> PendingCell:
    counts: dict[int, int] = {}
    for age in ages:
        counts[age] = counts.get(age, 0) + 1
    return PendingCell(office, milestone, tuple(sorted(counts.items())))


_pending_cells = st.lists(st.tuples(st.sampled_from("ABC"),
                                    st.sampled_from(("RECEIVED", "UNDER_REVIEW",
                                                     "INTERVIEW_SCHEDULED")),
                                    st.lists(st.integers(0, 400), min_size=1, max_size=25)),
                          max_size=9, unique_by=lambda c: (c[0], c[1]))


@settings(max_examples=150, deadline=None)
@given(_pending_cells, st.integers(1, 12))
def test_no_subtraction_of_pending_counts_reveals_a_withheld_cell(
        raw: list[tuple[str, str, list[int]]], k: int) -> None:
    """Cases waiting now, office against agency: the agency-wide count at each milestone is
    the sum of the offices' published counts, so the difference reveals nothing; and
    replacing a withheld cell's cases by other small contents changes no row."""
    cells = tuple(_pending_cell(o, m, ages) for o, m, ages in raw)
    rows = office_statistics(ProcessingAggregates((), cells), MONTHS, office=None, k=k)
    agency, offices = rows[-1], rows[:-1]
    for waiting in agency.pending:
        published = [p for r in offices for p in r.pending
                     if p.milestone == waiting.milestone and not p.suppressed]
        assert waiting.count == sum(p.count for p in published)
        assert waiting.suppressed == (not published)
    altered = tuple(_pending_cell(o, m, [400] * (k - 1) if len(ages) < k else ages)
                    for o, m, ages in raw)
    assert office_statistics(ProcessingAggregates((), altered), MONTHS, office=None,
                             k=k) == rows
