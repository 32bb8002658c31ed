"""The access-code throttle in Redis: two replicas' throttles over one Redis count a subject's
wrong codes as one; Redis unreachable fails closed."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from aggregator.consent.shared_throttle import RedisAccessCodeThrottle
from aggregator.consent.throttle import ThrottleUnavailable
from aggregator.shared_limits import RedisLimits, SharedLimits
from support.redis_limits import closed_port_url, unique_limits


@pytest.fixture
async def settings() -> AsyncIterator[SharedLimits]:
    async with unique_limits() as limits:
        yield limits


def _throttle(settings: SharedLimits, **limits: int) -> RedisAccessCodeThrottle:
    return RedisAccessCodeThrottle(RedisLimits(settings), window_s=900, **limits)


async def test_wrong_codes_on_two_replicas_count_as_one(settings: SharedLimits) -> None:
    """Five wrong codes for one case spread over two replicas block it on both, for the
    window from the oldest; other cases, agencies and subjects go on."""
    first, second = _throttle(settings), _throttle(settings)
    try:
        started = time.time()
        for n in range(5):
            replica = first if n % 2 else second
            assert await replica.check("ana", "immigration", "IOE1") == 0.0
            await replica.record_failure("ana", "immigration", "IOE1")
        for replica in (first, second):
            wait = await replica.check("ana", "immigration", "IOE1")
            assert 900 - (time.time() - started) - 1 <= wait <= 900
        assert await first.check("ana", "immigration", "IOE2") == 0.0
        assert await first.check("ana", "labor", "IOE1") == 0.0
        assert await second.check("raj", "immigration", "IOE1") == 0.0
    finally:
        await first.aclose()
        await second.aclose()


async def test_the_subject_limit_spans_cases_and_replicas(settings: SharedLimits) -> None:
    """Four wrong codes over four cases and two replicas reach a per-subject limit of 4:
    every case of the subject waits, another subject does not."""
    first, second = (_throttle(settings, per_case=3, per_subject=4) for _ in range(2))
    try:
        for n in range(4):
            await (first if n % 2 else second).record_failure("ana", "immigration", f"IOE{n}")
        assert await first.check("ana", "courts", "A-new") > 0
        assert await second.check("ana", "immigration", "IOE9") > 0
        assert await second.check("raj", "immigration", "IOE0") == 0.0
    finally:
        await first.aclose()
        await second.aclose()


async def test_a_right_code_on_one_replica_clears_the_case_on_the_other(
        settings: SharedLimits) -> None:
    """A success clears that case's count everywhere, not the subject's."""
    first, second = (_throttle(settings, per_case=2, per_subject=3) for _ in range(2))
    try:
        await first.record_failure("ana", "immigration", "IOE1")
        await first.record_failure("ana", "immigration", "IOE1")
        assert await second.check("ana", "immigration", "IOE1") > 0
        await second.record_success("ana", "immigration", "IOE1")
        assert await first.check("ana", "immigration", "IOE1") == 0.0
        await first.record_failure("ana", "courts", "A1")  # the subject's third
        assert await second.check("ana", "labor", "G-100") > 0
    finally:
        await first.aclose()
        await second.aclose()


async def test_redis_unreachable_fails_closed() -> None:
    """A closed port: checking and counting raise ThrottleUnavailable (no attempt goes
    ahead uncounted); clearing after a right code does not raise."""
    throttle = RedisAccessCodeThrottle(RedisLimits(SharedLimits(closed_port_url(),
                                                                pause_s=0)))
    try:
        with pytest.raises(ThrottleUnavailable, match="did not answer"):
            await throttle.check("ana", "immigration", "IOE1")
        with pytest.raises(ThrottleUnavailable):
            await throttle.record_failure("ana", "immigration", "IOE1")
        await throttle.record_success("ana", "immigration", "IOE1")
    finally:
        await throttle.aclose()


def test_limits_must_be_positive() -> None:
    """Zero attempts or an empty window is refused when built."""
    redis = RedisLimits(SharedLimits(closed_port_url()))
    with pytest.raises(ValueError, match="positive"):
        RedisAccessCodeThrottle(redis, per_case=0)
    with pytest.raises(ValueError, match="positive"):
        RedisAccessCodeThrottle(redis, window_s=0)
