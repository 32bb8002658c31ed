"""Processing statistics records for tests, and a fake adapter port that answers them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, date, datetime

from aggregator.federation.fanout import AgencyCallError
from aggregator.model import Case, LookupOutcome, SubjectCases
from aggregator.processing.model import (
    AgencyStatistics,
    CompletionFigures,
    InquiryRule,
    OfficeStatistics,
    ProcessingTarget,
    TargetKind,
    TargetUnit,
)
from aggregator.vault.opening import Release

WITHHELD = CompletionFigures(suppressed=True, completed=None, median_days=None, p80_days=None,
                             within_target_share=None, withheld_cells=2)


def figures(completed: int, median: int, p80: int, share: float | None = 0.5
            ) -> CompletionFigures:
    """Published figures."""
    return CompletionFigures(False, completed, median, p80, share,
                             decile_days=tuple(range(10, 100, 10)))


def target(days: int = 180, unit: TargetUnit = TargetUnit.CALENDAR_DAYS,
           rule: InquiryRule = InquiryRule.RECEIPT_PLUS_P80, case_type: str = "I-765"
           ) -> ProcessingTarget:
    """A target citing a made-up source."""
    return ProcessingTarget(case_type, days, unit, TargetKind.PUBLISHED_GOAL, "8 U.S.C. 1571(b)",
                            {"en": "A goal.", "es": "Una meta."}, "", rule)


def statistics(rows: dict[str | None, CompletionFigures], *, agency_id: str = "immigration",
               case_type: str = "I-765", goal: ProcessingTarget | None = None,
               first: date = date(2026, 5, 1), last: date = date(2026, 10, 1)
               ) -> AgencyStatistics:
    """An answer with one row per key (None: agency-wide)."""
    return AgencyStatistics(agency_id, case_type, goal or target(case_type=case_type), first,
                            last, 10,
                            tuple(OfficeStatistics(office, f) for office, f in rows.items()),
                            datetime(2026, 11, 22, tzinfo=UTC))


class StatisticsAgency:
    """An adapter port whose statistics are given; ``fail`` raises that gRPC code instead;
    ``gate`` holds answers back until set. Counts its calls."""

    def __init__(self, agency_id: str, answer: AgencyStatistics | None = None,
                 known_types: Sequence[str] = ("I-765",)) -> None:
        self.agency_id = agency_id
        self.answer = answer
        self.known_types = set(known_types)
        self.fail: str | None = None
        self.gate: asyncio.Event | None = None
        self.calls: list[tuple[str, str | None, date, date]] = []

    async def processing_statistics(self, case_type: str, office: str | None,
                                    first_month: date, last_month: date,
                                    timeout: float) -> AgencyStatistics:
        self.calls.append((case_type, office, first_month, last_month))
        if self.gate is not None:
            await self.gate.wait()
        if self.fail is not None:
            raise AgencyCallError(self.fail, "made to fail")
        if case_type not in self.known_types:
            raise AgencyCallError("INVALID_ARGUMENT", f"unknown case type {case_type}")
        base = self.answer or statistics({None: figures(100, 90, 150)},
                                         agency_id=self.agency_id, case_type=case_type)
        return AgencyStatistics(self.agency_id, case_type, base.target, first_month,
                                last_month, base.min_cell_size, base.offices,
                                base.computed_at)

    async def lookup(self, numbers: Sequence[str], timeout: float) -> list[LookupOutcome]:
        raise AgencyCallError("UNIMPLEMENTED", "no lookups here")

    async def subject_cases(self, consent_token: str, timeout: float,
                            release: Release) -> SubjectCases:
        raise AgencyCallError("UNIMPLEMENTED", "no subjects here")

    async def verify_ownership(self, number: str, access_code: str,
                               timeout: float) -> Case | None:
        return None

    async def close(self) -> None:
        return None
