"""Splitting a request into the batches an adapter accepts.

Every adapter says in Describe how many case numbers (or subject requests) one call may carry
(``limits.max_batch_size``, at most the contract's 100): the USCIS Case Status API bridge takes
only a handful, since each number costs it a call on a rate-limited API. The aggregator asks
once per adapter (on first use) and keeps the answer; a lookup of more numbers than that is
sent as several calls at once, within the one deadline (see ``Federation.call_in_chunks``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar, runtime_checkable

__all__ = ["CONTRACT_MAX_BATCH", "Limited", "batch_limit", "chunks", "limit_from_describe"]

T = TypeVar("T")

# The contract's own ceiling for one call (AgencyAdapter's LookupCases and
# BatchListSubjectCases): what an adapter that says nothing is assumed to take.
CONTRACT_MAX_BATCH = 100


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size`` (at least 1), in order."""
    if size < 1:
        raise ValueError(f"a batch holds at least 1 item, got size {size}")
    return [items[start:start + size] for start in range(0, len(items), size)]


def limit_from_describe(max_batch_size: int) -> int:
    """The batch size to use for an adapter's advertised ``max_batch_size``: unset (0) is the
    contract's 100, and nothing above 100 or below 1 is believed."""
    if max_batch_size <= 0:
        return CONTRACT_MAX_BATCH
    return min(max_batch_size, CONTRACT_MAX_BATCH)


@runtime_checkable
class Limited(Protocol):
    """An adapter that knows its batch limit (the gRPC client does; test fakes may not)."""

    batch_limit: Callable[[float], Awaitable[int]]


async def batch_limit(adapter: object, timeout: float) -> int:
    """How many numbers one call to ``adapter`` may carry: its own answer, else the
    contract's maximum."""
    if isinstance(adapter, Limited):
        return await adapter.batch_limit(timeout)
    return CONTRACT_MAX_BATCH
