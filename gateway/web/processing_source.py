"""The aggregator's processing use cases the pages call: statistics per case type and the
applicant's estimates (aggregator/service.py, ``CaselineService``), as a Protocol, so the
pages and their tests depend on these two methods only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from aggregator.model import Case, Event
from aggregator.processing.model import AgencyStatistics, Estimate
from aggregator.service import CaselineService

__all__ = ["ProcessingSource", "processing_of"]


class ProcessingSource(Protocol):
    """What the statistics pages and /me ask of the aggregator."""

    async def processing_statistics(self, agency_id: str, case_type: str,
                                    office: str | None = None, *,
                                    first_month: date | None = None,
                                    last_month: date | None = None) -> AgencyStatistics:
        """Figures of ``case_type`` at ``agency_id``; raises for an unknown agency or case
        type and for an agency that does not answer."""
        ...

    async def estimates_for(self, cases: Sequence[Case], events: Sequence[Event],
                            today: date) -> dict[tuple[str, str], Estimate]:
        """Each case's estimate, keyed by (agency id, case number)."""
        ...


def processing_of(service: CaselineService) -> ProcessingSource:
    """The service as the pages use it (the pages' tests stand in a fake with the same two
    methods)."""
    source: ProcessingSource = service
    return source
