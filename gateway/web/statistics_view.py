"""What a statistics page shows, from the aggregator's figures: the target and its basis, four
charts each with a table of the same numbers, and a table per office. Withheld cells say so
("withheld (fewer than 10 cases)"), never 0."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from aggregator.processing.model import (
    AgencyStatistics,
    CompletionFigures,
    OfficeStatistics,
    ProcessingTarget,
    TargetKind,
    TargetUnit,
)
from gateway.messages import message
from gateway.web import localized
from gateway.web.charts import NARROW, NARROW_LEFT, BarRow, Chart, bar_rows, line_chart

__all__ = ["STATUTORY_GOALS", "ChartView", "OfficeRow", "StatisticsView", "TargetView",
           "milestone_name", "months_back", "statistics_view", "target_view"]


@dataclass(frozen=True, slots=True)
class ChartView:
    """One chart and its table: ``rows`` are a header cell and the row's other cells. A
    line chart is ``chart`` (a wide drawing) and ``narrow`` (a phone's); a bar chart is
    ``bars``, HTML rows with real text."""

    id: str
    title: str
    description: str
    chart: Chart | None
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]
    legend: tuple[tuple[str, str], ...] = ()  # (css modifier, name) of each line
    narrow: Chart | None = None
    bars: tuple[BarRow, ...] = ()

    @property
    def empty(self) -> bool:
        """Whether no value is published at all (the page then shows no drawing)."""
        if self.chart is not None:
            return self.chart.empty
        return all(b.length is None for b in self.bars)

    @property
    def withheld(self) -> bool:
        """Whether any value is withheld (the page then explains the marker)."""
        if self.chart is not None:
            return self.chart.withheld
        return any(b.length is None for b in self.bars)


@dataclass(frozen=True, slots=True)
class TargetView:
    """The case type's target in words, with where it comes from."""

    summary: str
    kind: str
    basis: str
    source: str
    source_url: str


@dataclass(frozen=True, slots=True)
class OfficeRow:
    """One office's (or the agency's) figures over the period, formatted."""

    office: str
    agency_wide: bool
    completed: str
    median: str
    p80: str
    within: str


@dataclass(frozen=True, slots=True)
class StatisticsView:
    """Everything the statistics page shows below its heading."""

    target: TargetView
    period: str
    office: str | None
    charts: tuple[ChartView, ...]
    offices: tuple[OfficeRow, ...]
    office_names: tuple[str, ...]
    withheld_note: str


def months_back(last: date, count: int) -> date:
    """The first day of the month ``count`` - 1 months before ``last``'s (the first of
    ``count`` months ending with ``last``'s)."""
    index = last.year * 12 + last.month - 1 - (count - 1)
    return date(index // 12, index % 12 + 1, 1)


def _unit(language: str, days: int, unit: TargetUnit) -> str:
    if unit is TargetUnit.BUSINESS_DAYS:
        return message(language, "{days} business days", days=localized.count(language, days))
    return message(language, "{days} calendar days", days=localized.count(language, days))


# Statutes that state a goal rather than a time limit. 8 U.S.C. 1571(b) is a "sense of
# Congress" (benefit applications decided within 180 days): it binds no one, and the targets
# citing it say "a goal, not a firm deadline". The contract's TargetKind has no value for a
# goal stated in a statute (STATUTORY reads "a time limit set by statute"), so the page tells
# the two apart by the citation.
STATUTORY_GOALS = frozenset({"8 U.S.C. 1571(b)"})


def _kind(language: str, target: ProcessingTarget) -> str:
    """What kind of rule the target is, as its basis describes it."""
    if target.kind is TargetKind.STATUTORY:
        if target.source.strip() in STATUTORY_GOALS:
            return message(language, "A goal stated in law, not a deadline")
        return message(language, "A time limit set by law")
    if target.kind is TargetKind.REGULATORY:
        return message(language, "A time limit set by regulation")
    if target.kind is TargetKind.PUBLISHED_GOAL:
        return message(language, "The agency's published goal")
    return ""


def target_view(language: str, target: ProcessingTarget) -> TargetView:
    """The target as the page words it; a case type without one says so."""
    summary = (_unit(language, target.days, target.unit) if target.days > 0
               else message(language, "No published target"))
    basis = target.basis.get(language) or target.basis.get("en", "")
    return TargetView(summary, _kind(language, target), basis, target.source,
                      target.source_url)


def milestone_name(language: str, milestone: str) -> str:
    """A contract milestone where cases wait, in words; an unfamiliar one by its code."""
    # Each text spelled out in a message() call, so the catalog test finds it.
    names = {
        "RECEIVED": message(language, "Received"),
        "TRANSFERRED": message(language, "Transferred"),
        "UNDER_REVIEW": message(language, "Under review"),
        "BIOMETRICS_SCHEDULED": message(language, "Biometrics scheduled"),
        "BIOMETRICS_COMPLETED": message(language, "Biometrics completed"),
        "EVIDENCE_REQUESTED": message(language, "Evidence requested"),
        "EVIDENCE_RECEIVED": message(language, "Evidence received"),
        "INTENT_TO_DENY": message(language, "Intent to deny"),
        "INTERVIEW_SCHEDULED": message(language, "Interview scheduled"),
        "INTERVIEW_COMPLETED": message(language, "Interview completed"),
        "HEARING_SCHEDULED": message(language, "Hearing scheduled"),
        "HEARING_COMPLETED": message(language, "Hearing completed"),
        "APPEALED": message(language, "Appealed"),
        "REOPENED": message(language, "Reopened"),
        "RETURNED_FROM_OTHER_AGENCY": message(language, "Returned from another agency"),
    }
    return names.get(milestone, milestone)


def _withheld(language: str, k: int) -> str:
    return message(language, "withheld (fewer than {k} cases)", k=localized.count(language, k))


def _short(language: str) -> str:
    """A bar's withheld value in a word: its row is narrow on a phone, and the note under
    the chart and its table say why."""
    return message(language, "withheld")


def _days_or(language: str, value: int | None, withheld: str) -> str:
    return withheld if value is None else localized.days(language, value)


def _office_row(language: str, row: OfficeStatistics, withheld: str) -> OfficeRow:
    figures = row.period
    name = row.office or message(language, "Agency-wide")
    if figures.suppressed:
        return OfficeRow(name, row.office is None, withheld, withheld, withheld, withheld)
    within = (localized.share(language, figures.within_target_share)
              if figures.within_target_share is not None else message(language, "No target"))
    return OfficeRow(name, row.office is None,
                     localized.count(language, figures.completed or 0),
                     _days_or(language, figures.median_days, withheld),
                     _days_or(language, figures.p80_days, withheld), within)


def _trend(language: str, months: Sequence[date], figures: Sequence[CompletionFigures],
           withheld: str, span: str) -> ChartView:
    labels = [localized.short_month(language, m) for m in months]
    median_name = message(language, "Median")
    p80_name = message(language, "80% decided within")
    series = [(median_name, "median", [f.median_days for f in figures]),
              (p80_name, "p80", [f.p80_days for f in figures])]
    chart = line_chart(series, labels, every=2, y_label=lambda v: localized.count(language, v))
    # A phone's drawing: every third month named, so each label has room at 14 units.
    narrow = line_chart(series, labels, every=3, across=NARROW, left=NARROW_LEFT,
                        y_label=lambda v: localized.count(language, v))
    rows = tuple((localized.month(language, m),
                  (_days_or(language, f.median_days, withheld),
                   _days_or(language, f.p80_days, withheld)))
                 for m, f in zip(months, figures, strict=True))
    return ChartView(
        "trend", message(language, "Processing time, month by month"),
        message(language, "Days from receipt to decision of the cases decided each month, {span}:"
                          " the median and the time within which 80% were decided. Months with "
                          "too few cases are withheld and break the lines.", span=span),
        chart, (message(language, "Month"), median_name, p80_name), rows,
        (("median", median_name), ("p80", p80_name)), narrow=narrow)


def _distribution(language: str, figures: CompletionFigures, withheld: str,
                  span: str) -> ChartView:
    shares = [(i + 1) / 10 for i in range(9)]
    labels = [localized.share(language, s) for s in shares]
    deciles: list[int | None] = (list(figures.decile_days) if not figures.suppressed
                                 and len(figures.decile_days) == 9 else [None] * 9)
    rows = tuple((label, (_days_or(language, d, withheld),))
                 for label, d in zip(labels, deciles, strict=True))
    bars = bar_rows(deciles, labels, [cells[0] for _, cells in rows], _short(language))
    return ChartView(
        "distribution", message(language, "How long cases took"),
        message(language, "Of the cases decided {span}: the number of days within which each "
                          "share of them was decided (10% within the first bar's days, and so "
                          "on).", span=span),
        None, (message(language, "Share of cases decided"),
               message(language, "Within")), rows, bars=bars)


def _pending(language: str, row: OfficeStatistics, withheld: str) -> ChartView:
    names = [milestone_name(language, p.milestone) for p in row.pending]
    rows = tuple((name, (withheld if p.count is None else localized.count(language, p.count),
                         _days_or(language, p.median_age_days, withheld)))
                 for name, p in zip(names, row.pending, strict=True))
    bars = bar_rows([p.count for p in row.pending], names, [cells[0] for _, cells in rows],
                    _short(language))
    return ChartView(
        "pending", message(language, "Cases waiting now, by step"),
        message(language, "Open cases at each step of the process today, with how long they "
                          "have waited (median)."),
        None, (message(language, "Step"), message(language, "Cases waiting"),
               message(language, "Median wait so far")), rows, bars=bars)


def _within(language: str, months: Sequence[date], figures: Sequence[CompletionFigures],
            withheld: str, span: str, target: str) -> ChartView:
    labels = [localized.short_month(language, m) for m in months]
    values = [None if f.within_target_share is None else f.within_target_share * 100
              for f in figures]
    no_target = message(language, "No target")
    rows = tuple((localized.month(language, m),
                  (withheld if f.suppressed else no_target if f.within_target_share is None
                   else localized.share(language, f.within_target_share),))
                 for m, f in zip(months, figures, strict=True))
    # Each bar against the whole (100%).
    bars = bar_rows(values, labels, [cells[0] for _, cells in rows], _short(language),
                    top=100)
    return ChartView(
        "within", message(language, "Share decided within the target"),
        message(language, "Of the cases decided each month, {span}, the share decided within "
                          "the target ({target}).", span=span, target=target),
        None, (message(language, "Month"), message(language, "Decided within the target")),
        rows, bars=bars)


def statistics_view(language: str, period: AgencyStatistics, trend: AgencyStatistics,
                    office: str | None) -> StatisticsView:
    """The page from ``period`` (every office over the default six months) and ``trend``
    (twelve months of ``office``, or of the agency when None)."""
    withheld = _withheld(language, period.min_cell_size)
    target = target_view(language, period.target)
    six = message(language, "{first} to {last}",
                  first=localized.month(language, period.first_month),
                  last=localized.month(language, period.last_month))
    twelve = message(language, "{first} to {last}",
                     first=localized.month(language, trend.first_month),
                     last=localized.month(language, trend.last_month))
    chosen = trend.row(office) or OfficeStatistics(office, CompletionFigures(True, None, None,
                                                                             None, None))
    in_period = period.row(office) or chosen
    months = [m.month for m in chosen.months]
    figures = [m.figures for m in chosen.months]
    charts: tuple[ChartView, ...] = (_trend(language, months, figures, withheld, twelve),
                                     _distribution(language, in_period.period, withheld, six),
                                     _pending(language, chosen, withheld))
    if period.target.days > 0:  # without a target there is no share to chart
        charts += (_within(language, months, figures, withheld, twelve, target.summary),)
    # Offices by name, the agency-wide row last.
    rows = sorted(period.offices, key=lambda o: (o.office is None, o.office or ""))
    return StatisticsView(
        target, six, office, charts, tuple(_office_row(language, o, withheld) for o in rows),
        tuple(o.office for o in rows if o.office is not None),
        message(language, "Figures from fewer than {k} cases are withheld so that no one can "
                          "be recognized in them.",
                k=localized.count(language, period.min_cell_size)))
