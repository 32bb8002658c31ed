"""Statistics to the contract: targets with their unit, kind, basis and inquiry rule."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.sdk.statistics import CompletionFigures, OfficeStatistics, PendingAtMilestone
from adapters.sdk.statistics_contract import statistics_response, target_rule, target_to_proto
from adapters.sdk.targets import TargetSpec
from caseline.v1 import statistics_pb2, vocabulary_pb2

PREMIUM = TargetSpec("I-140", 15, "BUSINESS_DAYS", "REGULATORY", "8 CFR 106.4(f)",
                     {"es": "Quince días hábiles.", "en": "Fifteen business days."},
                     "https://www.ecfr.gov/current/title-8/section-106.4", "NONE")


def test_a_target_travels_with_its_unit_kind_and_basis_english_first() -> None:
    target = target_to_proto("I-140", PREMIUM)
    assert (target.days, target.unit, target.kind) == (
        15, statistics_pb2.TARGET_UNIT_BUSINESS_DAYS, statistics_pb2.TARGET_KIND_REGULATORY)
    assert [b.language for b in target.basis] == ["en", "es"]
    assert target.inquiry_rule == statistics_pb2.INQUIRY_RULE_UNSPECIFIED
    assert target.source == "8 CFR 106.4(f)"


def test_no_target_is_an_empty_one_and_counts_nothing() -> None:
    assert target_to_proto("I-130", None) == statistics_pb2.ProcessingTarget(case_type="I-130")
    assert target_rule(None) is None
    assert target_rule(PREMIUM) is not None and target_rule(PREMIUM).business_days  # type: ignore[union-attr]


def test_the_response_keeps_rows_and_suppression() -> None:
    hidden = CompletionFigures(True, 0, 0, 0, 0.0, (), 2)
    row = OfficeStatistics("", hidden, (), (PendingAtMilestone("RECEIVED", False, 12, 30),))
    answer = statistics_response([row], case_type="I-140", target=PREMIUM,
                                 first_month="2026-05", last_month="2026-10", min_cell_size=10,
                                 computed_at=datetime(2026, 11, 1, tzinfo=UTC))
    assert answer.offices[0].period.suppressed and answer.offices[0].period.withheld_cells == 2
    assert answer.offices[0].pending[0].milestone == vocabulary_pb2.MILESTONE_RECEIVED
    assert answer.computed_at.seconds == int(datetime(2026, 11, 1, tzinfo=UTC).timestamp())
