"""The port an agency implements over its system of record."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import date
from typing import Protocol, TypeAlias, TypeVar, Union, runtime_checkable

from adapters.sdk.records import CaseRecord, ChangeRecord
from adapters.sdk.statistics import ProcessingAggregates

__all__ = ["CaseSource", "MaybeAwaitable", "StatisticsSource"]

T = TypeVar("T")
# A plain value or an awaitable of it: sources may be synchronous or asynchronous.
MaybeAwaitable: TypeAlias = Union[T, Awaitable[T]]  # noqa: UP007 - generic alias needs Union


class CaseSource(Protocol):
    """Where an adapter's cases come from.

    Methods may be plain functions (called on the event loop, so they must be quick: an index
    probe, not a network call) or coroutine functions (awaited; the requests of one
    BatchListSubjectCases call then await their lookups together).
    """

    def find_cases(
        self, numbers: Sequence[str], *, with_history: bool
    ) -> MaybeAwaitable[dict[str, CaseRecord]]:
        """Cases by canonical number; missing numbers are absent from the result.

        Without history only the latest event is needed (public lookups).
        """
        ...

    def verify_access_code(self, number: str, access_code: str) -> MaybeAwaitable[bool]:
        """Whether the case exists and the access code printed on its notice matches. Only
        the current code may match: a link made with a newer code replaces one made with an
        older code, so a code the agency replaced must no longer verify."""
        ...

    def latest_cursor(self) -> MaybeAwaitable[int]:
        """Cursor of the newest change (0 when there are none)."""
        ...

    def changes_since(self, cursor: int, limit: int) -> MaybeAwaitable[list[ChangeRecord]]:
        """Up to ``limit`` changes with a cursor greater than ``cursor``, oldest first."""
        ...


@runtime_checkable
class StatisticsSource(Protocol):
    """Optional port: cell aggregates for GetProcessingStatistics (adapters.sdk.statistics).

    A CaseSource that also has this method gets the RPC answered by the SDK (validation,
    suppression, figures, targets); one without it answers UNIMPLEMENTED and Describe names
    the method in ``not_offered_methods``. It must be fast whatever the number of cases:
    answer from aggregates kept up to date as cases change (the reference adapters keep
    summary tables, adapters/reference/statistics_summary.py), not by reading every case.
    A case's completion and milestone follow the agency's mapping table (a
    :class:`~adapters.sdk.status_classes.StatusClassifier` says which codes complete a case).
    """

    def processing_aggregates(
        self, case_type: str, months: Sequence[str], office: str | None, today: date
    ) -> MaybeAwaitable[ProcessingAggregates]:
        """Completion cells of ``case_type`` in ``months`` ("YYYY-MM") and its pending cells
        with ages as of ``today`` (UTC), for ``office`` only or every office (None)."""
        ...

    def statistics_version(self, case_type: str) -> MaybeAwaitable[int]:
        """A number that changes whenever ``case_type``'s aggregates change: the SDK caches
        an answer until it does (or the day changes). Cheap: it is asked on every call."""
        ...
