"""Processing statistics to the contract's messages (statistics.proto)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.sdk.statistics import CompletionFigures, OfficeStatistics, TargetRule
from adapters.sdk.targets import TargetSpec
from adapters.sdk.texts import localized_strings
from adapters.sdk.vocabulary import milestone_to_proto
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import statistics_pb2

__all__ = ["statistics_response", "target_rule", "target_to_proto"]


def target_rule(spec: TargetSpec | None) -> TargetRule | None:
    """How the share within ``spec`` is counted; None without a target (or with 0 days)."""
    if spec is None or spec.days <= 0:
        return None
    return TargetRule(spec.days, business_days=spec.unit == "BUSINESS_DAYS")


def target_to_proto(case_type: str, spec: TargetSpec | None) -> statistics_pb2.ProcessingTarget:
    """The contract's ProcessingTarget; only ``case_type`` set when there is none."""
    if spec is None:
        return statistics_pb2.ProcessingTarget(case_type=case_type)
    basis = sorted(spec.basis.items(), key=lambda item: (item[0] != "en", item[0]))
    inquiry = ("INQUIRY_RULE_UNSPECIFIED" if spec.inquiry_rule == "NONE"
               else f"INQUIRY_RULE_{spec.inquiry_rule}")
    return statistics_pb2.ProcessingTarget(
        case_type=case_type, days=spec.days,
        unit=statistics_pb2.TargetUnit.Value(f"TARGET_UNIT_{spec.unit}"),
        kind=statistics_pb2.TargetKind.Value("TARGET_KIND_UNSPECIFIED" if spec.kind == "NONE"
                                             else f"TARGET_KIND_{spec.kind}"),
        source=spec.source, basis=localized_strings(tuple(basis)), source_url=spec.source_url,
        inquiry_rule=statistics_pb2.InquiryRule.Value(inquiry))


def _figures(figures: CompletionFigures) -> statistics_pb2.CompletionFigures:
    return statistics_pb2.CompletionFigures(
        suppressed=figures.suppressed, completed=figures.completed,
        median_days=figures.median_days, p80_days=figures.p80_days,
        within_target_share=figures.within_target_share,
        decile_days=list(figures.decile_days), withheld_cells=figures.withheld_cells)


def statistics_response(rows: Sequence[OfficeStatistics], *, case_type: str,
                        target: TargetSpec | None, first_month: str, last_month: str,
                        min_cell_size: int,
                        computed_at: datetime) -> pb.GetProcessingStatisticsResponse:
    """The whole answer."""
    response = pb.GetProcessingStatisticsResponse(
        target=target_to_proto(case_type, target), first_month=first_month,
        last_month=last_month, min_cell_size=min_cell_size,
        offices=[statistics_pb2.OfficeStatistics(
            office=row.office, period=_figures(row.period),
            months=[statistics_pb2.MonthlyFigures(month=m.month, figures=_figures(m.figures))
                    for m in row.months],
            pending=[statistics_pb2.PendingAtMilestone(
                milestone=milestone_to_proto(p.milestone), suppressed=p.suppressed,
                count=p.count, median_age_days=p.median_age_days) for p in row.pending])
            for row in rows])
    response.computed_at.FromDatetime(computed_at)
    return response
