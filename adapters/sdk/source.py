"""The port an agency implements over its system of record."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Protocol, TypeAlias, TypeVar, Union

from adapters.sdk.records import CaseRecord, ChangeRecord

__all__ = ["CaseSource", "MaybeAwaitable"]

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
