"""Conformance checks of GetProcessingStatistics (statistics.proto): answers well-formed,
suppression consistent, bad requests refused naming the field."""

from __future__ import annotations

import grpc

from adapters.conformance.checks import TIMEOUT_S, CheckFailed, Target, _expect_error, _require
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import statistics_pb2

__all__ = ["processing_statistics_are_well_formed",
           "processing_statistics_refuse_an_unknown_case_type"]


def _month_index(month: str) -> int:
    _require(len(month) == 7 and month[4] == "-" and month[:4].isdigit()
             and month[5:].isdigit() and 1 <= int(month[5:]) <= 12,
             f"month {month!r} is not YYYY-MM")
    return int(month[:4]) * 12 + int(month[5:]) - 1


def _check_figures(where: str, f: statistics_pb2.CompletionFigures) -> None:
    if f.suppressed:
        _require((f.completed, f.median_days, f.p80_days, f.within_target_share,
                  len(f.decile_days)) == (0, 0, 0, 0.0, 0),
                 f"{where}: suppressed figures must all be 0 with no deciles")
        return
    deciles = list(f.decile_days)
    _require(f.completed >= 1, f"{where}: not suppressed but completed is {f.completed}")
    _require(len(deciles) == 9 and deciles == sorted(deciles),
             f"{where}: decile_days must be nine ascending values, got {deciles}")
    _require(f.median_days == deciles[4] and f.p80_days == deciles[7],
             f"{where}: median and p80 must be the 5th and 8th deciles (nearest rank)")
    _require(0.0 <= f.within_target_share <= 1.0,
             f"{where}: within_target_share {f.within_target_share} is not in 0..1")
    _require(f.withheld_cells >= 0, f"{where}: negative withheld_cells")


async def processing_statistics_are_well_formed(t: Target) -> None:
    """For a case type in Describe, the default answer: a period of months, offices sorted
    with the agency-wide row last, one entry per month in order, figures all 0 when
    suppressed, nearest-rank deciles, pending in milestone order, and the agency-wide counts
    the sums of the offices' (all from published cells)."""
    _require(len(t.describe.case_types) > 0, "Describe lists no case types")
    case_type = t.describe.case_types[0].code
    answer = await t.stub.GetProcessingStatistics(
        pb.GetProcessingStatisticsRequest(case_type=case_type), timeout=TIMEOUT_S)
    first, last = _month_index(answer.first_month), _month_index(answer.last_month)
    _require(first <= last, "first_month is after last_month")
    _require(answer.min_cell_size >= 1, "min_cell_size must be at least 1")
    _require(answer.target.case_type == case_type, "target.case_type is not the case type")
    rows = list(answer.offices)
    _require(bool(rows) and rows[-1].office == "", "the last row must be the agency-wide one")
    offices = [r.office for r in rows[:-1]]
    _require(all(offices) and offices == sorted(set(offices)),
             f"office rows must be named, distinct and sorted: {offices}")
    for row in rows:
        where = row.office or "agency-wide"
        _check_figures(f"{where} period", row.period)
        _require([_month_index(m.month) for m in row.months] == list(range(first, last + 1)),
                 f"{where}: one entry per month of the period, oldest first")
        for month in row.months:
            _check_figures(f"{where} {month.month}", month.figures)
        _require(row.period.completed == sum(m.figures.completed for m in row.months),
                 f"{where}: the period's completed is not the sum of its months'")
        milestones = [p.milestone for p in row.pending]
        _require(milestones == sorted(set(milestones)), f"{where}: pending not in enum order")
        for p in row.pending:
            _require(not p.suppressed or (p.count, p.median_age_days) == (0, 0),
                     f"{where}: a suppressed pending count must be 0")
    agency = rows[-1]
    if agency.period.completed != sum(r.period.completed for r in rows[:-1]):
        raise CheckFailed("agency-wide completed is not the sum of the offices': a difference "
                          "would reveal withheld cells")


async def processing_statistics_refuse_an_unknown_case_type(t: Target) -> None:
    """A missing or unknown case type is INVALID_ARGUMENT."""
    for case_type in ("", "NOT-A-CASE-TYPE"):
        await _expect_error(t.stub.GetProcessingStatistics(
            pb.GetProcessingStatisticsRequest(case_type=case_type), timeout=TIMEOUT_S),
            grpc.StatusCode.INVALID_ARGUMENT)
