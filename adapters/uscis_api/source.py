"""The bridge's case source: lookups on the API, and a change feed made by polling.

The API has no change feed, so the source keeps one: it remembers the receipts it has been
asked about (at most ``max_watched``, least recently asked dropped first), polls them one
at a time within the share of the daily quota not kept for lookups, and records a change
when a status differs from the one seen before (lookups count as observations too). The
feed lives in memory: cursors start from the clock at start-up, so a cursor from before a
restart replays what this process has seen rather than skipping it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.sdk.errors import AdapterError
from adapters.sdk.records import CaseRecord, ChangeRecord
from adapters.uscis_api.client import CaseStatusClient, RejectedNumberError
from adapters.uscis_api.limits import DailyQuota
from adapters.uscis_api.translate import ApiCase, to_record

__all__ = ["FROM_MEMORY", "REJECTED", "UscisCaseSource"]

log = logging.getLogger("caseline.adapter.uscis_api")

# Numbers USCIS refused (422) during the current call, with its reason: the servicer sets a
# dict here before a lookup and reports them as INVALID_NUMBER.
REJECTED: ContextVar[dict[str, str] | None] = ContextVar("uscis_rejected", default=None)
# Set by the servicer while it streams changes: the cases it looks up then are those the
# source itself just observed, answered from memory (no call, no quota, no failure).
FROM_MEMORY: ContextVar[bool] = ContextVar("uscis_from_memory", default=False)
_IDLE_S = 1.0  # how often an idle poller looks for receipts to watch
_FAILURE_BACKOFF_S = 60.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class _Seen:
    key: tuple[str, str, str]  # what makes a status new: title, time as given, text
    observed_at: datetime
    record: CaseRecord


def _key(case: ApiCase) -> tuple[str, str, str]:
    when = case.modified.isoformat() if case.modified else ""
    return (case.title_en, when, case.description_en)


class UscisCaseSource:
    """A :class:`~adapters.sdk.source.CaseSource` over the Case Status API."""

    def __init__(self, client: CaseStatusClient, quota: DailyQuota, *,
                 poll_interval_s: float, max_watched: int = 10_000,
                 max_changes: int = 10_000,
                 clock: Callable[[], datetime] = _utc_now) -> None:
        self._client = client
        self._quota = quota
        self.poll_interval_s = poll_interval_s
        self._max_watched = max_watched
        self._clock = clock
        self._seen: OrderedDict[str, _Seen] = OrderedDict()  # oldest poll first
        self._changes: deque[ChangeRecord] = deque(maxlen=max_changes)
        self._cursor = time.time_ns() // 1_000_000 * 1000  # below 19 digits until 2286
        self._poller: asyncio.Task[None] | None = None

    @property
    def watched(self) -> tuple[str, ...]:
        """The receipts being watched, the next to poll first."""
        return tuple(self._seen)

    async def find_cases(self, numbers: Sequence[str], *,
                         with_history: bool) -> dict[str, CaseRecord]:
        """Each number asked of the API (together, as the rate limiter lets them go);
        the whole call counts on the quota before any goes out. Under FROM_MEMORY, the
        watched receipts' last records instead."""
        if FROM_MEMORY.get():
            return {n: self._seen[n].record for n in numbers if n in self._seen}
        self._quota.take(len(numbers))
        answers = await asyncio.gather(*(self._client.case_status(n) for n in numbers),
                                       return_exceptions=True)
        rejected = REJECTED.get()
        found: dict[str, CaseRecord] = {}
        for number, answer in zip(numbers, answers, strict=True):
            if isinstance(answer, RejectedNumberError):
                if rejected is not None:
                    rejected[number] = str(answer)
            elif isinstance(answer, BaseException):
                raise answer  # the API is down or the quota spent: the whole call fails
            elif answer is not None:
                found[number] = self._observe(number, answer, asked=True)
        return found

    def _observe(self, number: str, case: ApiCase, *, asked: bool) -> CaseRecord:
        """The record of what the API said, noting a change against what was seen."""
        now = self._clock()
        key = _key(case)
        before = self._seen.get(number)
        observed_at = before.observed_at if before is not None and before.key == key else now
        record = to_record(number, case, observed_at)
        seen = _Seen(key, observed_at, record)
        if before is not None and before.key != key:
            self._cursor += 1
            self._changes.append(ChangeRecord(self._cursor, number, record.events[-1]))
        if before is not None or asked:
            self._seen[number] = seen
            self._seen.move_to_end(number)  # polled last again
            while len(self._seen) > self._max_watched:
                self._seen.popitem(last=False)
        return record

    def verify_access_code(self, number: str, access_code: str) -> bool:
        """The API has no access codes: nothing verifies (the servicer does not offer it)."""
        return False

    def latest_cursor(self) -> int:
        """The newest change's cursor; starts the poller."""
        self._start_polling()
        return self._cursor

    def changes_since(self, cursor: int, limit: int) -> list[ChangeRecord]:
        """Changes after ``cursor`` still in memory, oldest first; starts the poller."""
        self._start_polling()
        return [c for c in self._changes if c.cursor > cursor][:limit]

    def _start_polling(self) -> None:
        if self._poller is None or self._poller.done():
            self._poller = asyncio.get_running_loop().create_task(self._poll_forever())

    async def close(self) -> None:
        """Stop polling."""
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller

    async def _poll_forever(self) -> None:
        while True:
            await asyncio.sleep(await self.poll_once())

    async def poll_once(self) -> float:
        """Poll the receipt polled longest ago, if the quota allows; seconds to wait."""
        if not self._seen:
            return min(_IDLE_S, self.poll_interval_s)
        if not self._quota.take(1, background=True):
            return max(self.poll_interval_s, _FAILURE_BACKOFF_S)
        number = next(iter(self._seen))
        self._seen.move_to_end(number)
        try:
            case = await self._client.case_status(number)
        except (AdapterError, RejectedNumberError) as exc:
            log.warning("polling failed", extra={"reason": str(exc)})
            return max(self.poll_interval_s, _FAILURE_BACKOFF_S)
        if case is not None:
            self._observe(number, case, asked=False)
        return self.poll_interval_s
