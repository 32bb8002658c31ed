"""The client-side rate limiter and the daily quota."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from adapters.uscis_api.errors import QuotaSpentError
from adapters.uscis_api.limits import DailyQuota, RateLimiter


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_a_spent_quota_is_resource_exhausted_saying_when_it_resets() -> None:
    clock = Clock(datetime(2026, 12, 2, 22, 30, tzinfo=UTC))
    quota = DailyQuota(10, reserve=0.0, clock=clock)
    assert quota.take(8)
    with pytest.raises(QuotaSpentError) as caught:
        quota.take(3)
    error = caught.value
    assert error.code.name == "RESOURCE_EXHAUSTED" and error.reason == "QUOTA_EXCEEDED"
    assert "daily quota of 10" in error.message and "2 left, 3 needed" in error.message
    assert "resets at 00:00 UTC, in 1 h 30 min" in error.message
    assert quota.remaining == 2  # a refused batch spends nothing


def test_the_quota_resets_at_midnight_utc() -> None:
    clock = Clock(datetime(2026, 12, 2, 23, 59, tzinfo=UTC))
    quota = DailyQuota(5, clock=clock)
    quota.take(5)
    assert quota.remaining == 0
    clock.now += timedelta(minutes=2)
    assert quota.remaining == 5


def test_polling_stops_at_the_share_kept_for_lookups() -> None:
    quota = DailyQuota(10, reserve=0.5)
    assert all(quota.take(1, background=True) for _ in range(5))
    assert not quota.take(1, background=True)  # no exception: the poller just waits
    assert quota.take(5)  # lookups still have their half


async def test_the_rate_limiter_spaces_calls() -> None:
    limiter = RateLimiter(20.0, burst=2)
    started = time.monotonic()
    await asyncio.gather(*(limiter.acquire() for _ in range(6)))
    # 2 at once, then 4 more at 20 per second: about 0.2 s.
    assert time.monotonic() - started >= 0.18


def test_limits_refuse_nonsense() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)
    with pytest.raises(ValueError):
        DailyQuota(0)
