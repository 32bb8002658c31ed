"""Staying within what USCIS allows a client app: requests per second and calls per day.

Both are client-side: the API's own limits answer 429 (and, for the day, nothing until
midnight GMT), so the bridge spaces its calls and counts them before USCIS has to.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from adapters.uscis_api.errors import QuotaSpentError

__all__ = ["DailyQuota", "RateLimiter"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RateLimiter:
    """Spaces calls at most ``per_second`` apart on average, with bursts of ``burst``.

    A token bucket: ``acquire`` waits until a token is free. Waiters are served in order
    (one lock), so a burst of lookups cannot starve the change poller or the reverse.
    """

    def __init__(self, per_second: float, burst: int = 1, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if per_second <= 0 or burst < 1:
            raise ValueError("per_second must be positive and burst at least 1")
        self.per_second = per_second
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait for the next free slot."""
        async with self._lock:
            while True:
                now = self._clock()
                self._tokens = min(self.burst,
                                   self._tokens + (now - self._stamp) * self.per_second)
                self._stamp = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.per_second)


class DailyQuota:
    """Calls left today (UTC, as USCIS counts them); ``take`` refuses once they are spent.

    ``reserve`` is the share kept for lookups: background polling (``take(..., background=
    True)``) stops when only that much is left, so watching never eats a reader's lookups.
    """

    def __init__(self, limit: int, *, reserve: float = 0.5,
                 clock: Callable[[], datetime] = _utc_now) -> None:
        if limit < 1 or not 0 <= reserve <= 1:
            raise ValueError("limit must be at least 1 and reserve between 0 and 1")
        self.limit = limit
        self.reserve = int(limit * reserve)
        self._clock = clock
        self._day = clock().date()
        self._used = 0

    def _roll(self) -> datetime:
        now = self._clock()
        if now.date() != self._day:
            self._day, self._used = now.date(), 0
        return now

    @property
    def remaining(self) -> int:
        """Calls left today."""
        self._roll()
        return self.limit - self._used

    def take(self, count: int = 1, *, background: bool = False) -> bool:
        """Count ``count`` calls. A lookup that would overspend raises QuotaSpentError (the
        message says when the quota resets); background work gets False instead."""
        now = self._roll()
        floor = self.reserve if background else 0
        if self.limit - self._used - count < floor:
            if background:
                return False
            reset = datetime.combine(self._day + timedelta(days=1), datetime.min.time(), UTC)
            wait = reset - now
            hours, minutes = divmod(int(wait.total_seconds()) // 60, 60)
            raise QuotaSpentError(
                f"the daily quota of {self.limit} USCIS Case Status API calls is spent "
                f"({self.limit - self._used} left, {count} needed); it resets at 00:00 UTC, "
                f"in {hours} h {minutes} min")
        self._used += count
        return True
