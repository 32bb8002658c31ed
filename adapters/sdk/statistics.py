"""Processing statistics from cell aggregates: plain functions over plain data.

A source (:class:`~adapters.sdk.source.StatisticsSource`) hands over, for one case type,
histograms per *cell* (statistics.proto): completions per office × month as
``(calendar days, business days, cases)``, pending cases per office × milestone as
``(age days, cases)``. Nothing here sees a case. Every figure, for an office or agency-wide,
for a month or a period, is computed over the cases of published cells only (cells with 0 or
at least ``k`` cases), so no subtraction between two answers reveals a withheld cell.

Percentiles are nearest-rank: the p-th percentile of n values is the value at rank
ceil(p·n / 100) in ascending order; the median is the 50th (the lower median for even n).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from adapters.sdk.vocabulary import MILESTONES

__all__ = [
    "BUSINESS_DAYS_CAP",
    "DEFAULT_MIN_CELL_SIZE",
    "CompletionCell",
    "CompletionFigures",
    "MonthlyFigures",
    "OfficeStatistics",
    "PendingAtMilestone",
    "PendingCell",
    "ProcessingAggregates",
    "TargetRule",
    "completion_figures",
    "nearest_rank",
    "office_statistics",
    "pending_figures",
]

DEFAULT_MIN_CELL_SIZE = 10
# Business days are kept exactly up to this many; more are stored as this value. Business-day
# targets are short (premium processing 15-45, LCA 7), and a cap keeps a cell's histogram
# about as long as its calendar-day range: past ~6 months every case is over the cap.
BUSINESS_DAYS_CAP = 130


@dataclass(frozen=True, slots=True)
class CompletionCell:
    """Cases of one case type completed at one office in one month (UTC).

    ``histogram`` holds ``(calendar days, business days capped at BUSINESS_DAYS_CAP, cases)``
    with cases > 0; the same days may appear with several business-day counts.
    """

    office: str
    month: str
    histogram: tuple[tuple[int, int, int], ...]

    @property
    def cases(self) -> int:
        """Cases in the cell."""
        return sum(n for _, _, n in self.histogram)


@dataclass(frozen=True, slots=True)
class PendingCell:
    """Open cases of one case type at one office whose current status has one milestone;
    ``ages`` holds ``(age in days since receipt, cases)`` with cases > 0."""

    office: str
    milestone: str
    ages: tuple[tuple[int, int], ...]

    @property
    def cases(self) -> int:
        """Cases in the cell."""
        return sum(n for _, n in self.ages)


@dataclass(frozen=True, slots=True)
class ProcessingAggregates:
    """What a statistics source answers for one case type and period: every completion cell
    of the period's months and every pending cell now (of the asked office only, if one was
    asked)."""

    completions: tuple[CompletionCell, ...]
    pending: tuple[PendingCell, ...]


@dataclass(frozen=True, slots=True)
class TargetRule:
    """A target as the share within it is counted: ``days`` in business days or calendar
    days. ``days`` 0 means no target."""

    days: int
    business_days: bool = False

    def __post_init__(self) -> None:
        if self.business_days and self.days >= BUSINESS_DAYS_CAP:
            raise ValueError(f"a business-day target must be under {BUSINESS_DAYS_CAP} days "
                             f"(the statistics keep business days exactly up to it), got "
                             f"{self.days}")


@dataclass(frozen=True, slots=True)
class CompletionFigures:
    """The contract's CompletionFigures; every figure 0 (and no deciles) when suppressed."""

    suppressed: bool
    completed: int
    median_days: int
    p80_days: int
    within_target_share: float
    decile_days: tuple[int, ...]
    withheld_cells: int


@dataclass(frozen=True, slots=True)
class MonthlyFigures:
    """One month's completion figures."""

    month: str
    figures: CompletionFigures


@dataclass(frozen=True, slots=True)
class PendingAtMilestone:
    """Open cases at one milestone; count and median age 0 when suppressed."""

    milestone: str
    suppressed: bool
    count: int
    median_age_days: int


@dataclass(frozen=True, slots=True)
class OfficeStatistics:
    """One office's row, or the agency-wide one (``office`` empty)."""

    office: str
    period: CompletionFigures
    months: tuple[MonthlyFigures, ...]
    pending: tuple[PendingAtMilestone, ...]


def nearest_rank(histogram: Sequence[tuple[int, int]], percents: Sequence[int]) -> list[int]:
    """The values at each percentile (nearest rank) of a histogram of ``(value, count)``;
    ``percents`` ascending. Empty histogram: an empty list."""
    ordered = sorted((value, count) for value, count in histogram if count > 0)
    total = sum(count for _, count in ordered)
    if not total:
        return []
    ranks = [max(1, -(-p * total // 100)) for p in percents]
    found: list[int] = []
    seen = 0
    i = 0
    for value, count in ordered:
        seen += count
        while i < len(ranks) and ranks[i] <= seen:
            found.append(value)
            i += 1
        if i == len(ranks):
            break
    return found


def _published(cases: int, k: int) -> bool:
    return cases == 0 or cases >= k


@dataclass(frozen=True, slots=True)
class _Reduced:
    """One cell as its figures need it: cases by calendar days, and how many were within
    the target. Withheld cells carry nothing but themselves."""

    days: dict[int, int]
    within: int
    withheld: bool


def _reduce(cell: CompletionCell, k: int, target: TargetRule | None) -> _Reduced:
    if not _published(cell.cases, k):
        return _Reduced({}, 0, True)
    days: dict[int, int] = {}
    within = 0
    limit = target.days if target is not None and target.days > 0 else -1
    business = target is not None and target.business_days
    for calendar, business_days, n in cell.histogram:
        days[calendar] = days.get(calendar, 0) + n
        if (business_days if business else calendar) <= limit:
            within += n
    return _Reduced(days, within, False)


def _figures(parts: Iterable[_Reduced]) -> CompletionFigures:
    days: dict[int, int] = {}
    within = 0
    withheld = 0
    for part in parts:
        if part.withheld:
            withheld += 1
            continue
        within += part.within
        for value, n in part.days.items():
            days[value] = days.get(value, 0) + n
    completed = sum(days.values())
    if not completed:
        return CompletionFigures(True, 0, 0, 0, 0.0, (), withheld)
    found = nearest_rank(list(days.items()), (10, 20, 30, 40, 50, 60, 70, 80, 90))
    return CompletionFigures(False, completed, found[4], found[7], within / completed,
                             tuple(found), withheld)


def completion_figures(cells: Iterable[CompletionCell], *, k: int,
                       target: TargetRule | None) -> CompletionFigures:
    """Figures over the published cells among ``cells``; withheld ones are counted only.
    The median and p80 are the 5th and 8th deciles (nearest rank)."""
    return _figures(_reduce(cell, k, target) for cell in cells)


def pending_figures(cells: Iterable[PendingCell], *, k: int) -> tuple[PendingAtMilestone, ...]:
    """Per milestone (vocabulary order, known milestones only), open cases over published
    cells; a milestone whose cells are all withheld is suppressed, one without open cases is
    left out."""
    ages: dict[str, dict[int, int]] = {}
    held: set[str] = set()
    for cell in cells:
        if cell.milestone not in MILESTONES or not cell.cases:
            continue
        held.add(cell.milestone)
        if not _published(cell.cases, k):
            continue
        into = ages.setdefault(cell.milestone, {})
        for age, n in cell.ages:
            into[age] = into.get(age, 0) + n
    rows = []
    for milestone in MILESTONES:
        if milestone not in held:
            continue
        histogram = ages.get(milestone)
        if not histogram:
            rows.append(PendingAtMilestone(milestone, True, 0, 0))
            continue
        (median,) = nearest_rank(list(histogram.items()), (50,))
        rows.append(PendingAtMilestone(milestone, False, sum(histogram.values()), median))
    return tuple(rows)


def _row(office: str, cells: Sequence[tuple[CompletionCell, _Reduced]],
         pending: Sequence[PendingCell], months: Sequence[str], *, k: int
         ) -> OfficeStatistics:
    by_month: dict[str, list[_Reduced]] = {m: [] for m in months}
    for cell, reduced in cells:
        if cell.month in by_month:
            by_month[cell.month].append(reduced)
    return OfficeStatistics(
        office=office,
        period=_figures(r for m in months for r in by_month[m]),
        months=tuple(MonthlyFigures(m, _figures(by_month[m])) for m in months),
        pending=pending_figures(pending, k=k),
    )


def office_statistics(aggregates: ProcessingAggregates, months: Sequence[str], *,
                      office: str | None, k: int = DEFAULT_MIN_CELL_SIZE,
                      target: TargetRule | None = None) -> tuple[OfficeStatistics, ...]:
    """The answer's rows: ``office``'s row alone (none if it has no cases), or one row per
    office (sorted) then the agency-wide row (office ""). ``months`` are the period's months,
    oldest first; cells of other months are ignored."""
    if k < 1:
        raise ValueError(f"the minimum cell size must be 1 or more, got {k}")
    wanted = set(months)
    # Each cell is reduced once (its histogram read once), then merged into the four
    # figures it counts in: its office's month and period, the agency's month and period.
    completions = [(c, _reduce(c, k, target)) for c in aggregates.completions
                   if c.month in wanted]
    # A case without an office counts agency-wide only: "" names the agency-wide row.
    offices = sorted(({c.office for c, _ in completions}
                      | {p.office for p in aggregates.pending}) - {""})
    if office is not None:
        offices = [o for o in offices if o == office]
    rows = [
        _row(o, [c for c in completions if c[0].office == o],
             [p for p in aggregates.pending if p.office == o], months, k=k)
        for o in offices
    ]
    if office is None:
        rows.append(_row("", completions, aggregates.pending, months, k=k))
    return tuple(rows)
