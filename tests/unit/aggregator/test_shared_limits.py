"""Limits' Redis storage: settings refused with reasons, keys that cannot collide, every
failure one exception, a pause after a failure, and no password in the log."""

from __future__ import annotations

import logging

import pytest
from limits import RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis

from aggregator.shared_limits import LimitsUnavailable, RedisLimits, SharedLimits, key_part
from support.redis_limits import closed_port_url, unique_limits


@pytest.mark.parametrize(("settings", "reason"), [
    (SharedLimits("http://127.0.0.1:6379"), "expected a Redis URL"),
    (SharedLimits("redis://127.0.0.1:6379/0", prefix=""), "printable without spaces"),
    (SharedLimits("redis://127.0.0.1:6379/0", prefix="a b"), "printable without spaces"),
    (SharedLimits("redis://127.0.0.1:6379/0", timeout_s=0), "timeout must be in"),
    (SharedLimits("redis://127.0.0.1:6379/0", pause_s=61), "pause in"),
])
def test_settings_that_cannot_work_are_refused_saying_why(settings: SharedLimits,
                                                          reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        settings.check()


def test_identifiers_are_escaped_so_no_two_share_a_key() -> None:
    """'/' separates the library's key segments; '%' escapes, so escaping is one-to-one."""
    assert key_part("a/b") == "a%2Fb"
    assert key_part("a%2Fb") == "a%252Fb"
    assert key_part("1.2.3.4") == "1.2.3.4"


async def test_keys_carry_the_prefix_and_expire() -> None:
    """A hit leaves one key under the installation's prefix, expiring with its window."""
    async with unique_limits() as settings:
        redis = RedisLimits(settings)
        try:
            item = RateLimitItemPerSecond(3, 60, namespace="probe")
            assert await redis.run(lambda: MovingWindowRateLimiter(redis.storage).hit(
                item, "x"))
            client = Redis.from_url(settings.url)
            try:
                keys = [key async for key in client.scan_iter(match=f"{settings.prefix}:*")]
                assert keys == [f"{settings.prefix}:probe/x/3/60/second".encode()]
                assert 0 < await client.ttl(keys[0]) <= 60
            finally:
                await client.aclose()
        finally:
            await redis.aclose()


async def test_a_failure_pauses_redis_and_logs_no_password(
        caplog: pytest.LogCaptureFixture) -> None:
    """Refused: LimitsUnavailable, counted, logged without the URL's password; a second
    call within the pause does not try Redis again."""
    url = closed_port_url().replace("redis://", "redis://:s3cret@")
    now = [100.0]
    redis = RedisLimits(SharedLimits(url, pause_s=5), clock=lambda: now[0])
    calls: list[str] = []

    async def call() -> int:
        calls.append("asked")
        return await redis.storage.get("k")

    try:
        with caplog.at_level(logging.WARNING, logger="aggregator.shared_limits"), \
                pytest.raises(LimitsUnavailable, match="did not answer"):
            await redis.run(lambda: redis.storage.get("k"))
        with pytest.raises(LimitsUnavailable, match="failed less than 5 s ago"):
            await redis.run(call)
        assert calls == [] and redis.failures == 1
        now[0] += 5
        with pytest.raises(LimitsUnavailable):
            await redis.run(lambda: redis.storage.get("k"))
        assert redis.failures == 2
    finally:
        await redis.aclose()
    assert caplog.records and not any("s3cret" in r.getMessage() for r in caplog.records)
