"""Lookup quotas in Redis: two replicas' quotas over one Redis limit a client as one; Redis
unreachable or silent fails open to this process's own buckets."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Iterator

import pytest

from aggregator.shared_limits import RedisLimits, SharedLimits
from gateway.ratelimit import RatePolicy
from gateway.shared_ratelimit import (
    RedisLookupQuotas,
    sliding_window_item,
    sliding_window_wait,
)
from support.redis_limits import closed_port_url, unique_limits

POLICY = RatePolicy(burst=100, per_second=1)  # 100 per 100-second window
ACCOUNT = RatePolicy(burst=20, per_second=1)


@pytest.fixture
async def settings() -> AsyncIterator[SharedLimits]:
    async with unique_limits() as limits:
        yield limits


async def _replicas(settings: SharedLimits, n: int = 2) -> list[RedisLookupQuotas]:
    return [RedisLookupQuotas(RedisLimits(settings), POLICY, ACCOUNT) for _ in range(n)]


async def test_two_replicas_limit_a_client_as_one(settings: SharedLimits) -> None:
    """Spending a client's burst across two replicas leaves none on either; another client,
    and the client's quota on another installation's prefix, are untouched."""
    first, second = await _replicas(settings)
    try:
        assert await first.take("1.2.3.4", None, 60) is None
        assert await second.take("1.2.3.4", None, 40) is None
        refusal = await first.take("1.2.3.4", None, 1)
        assert refusal is not None and not refusal.per_account
        assert refusal.policy == POLICY
        assert 0 < refusal.wait_s <= 200  # within the window and the next
        assert await second.take("1.2.3.4", None, 1) is not None
        assert await second.take("5.6.7.8", None, 100) is None
        assert first.unavailable == second.unavailable == 0
    finally:
        await first.aclose()
        await second.aclose()
    async with unique_limits() as elsewhere:
        [other] = await _replicas(elsewhere, 1)
        try:
            assert await other.take("1.2.3.4", None, 100) is None
        finally:
            await other.aclose()


async def test_a_representative_spends_the_account_quota_on_every_replica(
        settings: SharedLimits) -> None:
    """A representative's lookups count per account whatever the address: 20 across two
    replicas and two offices, then refused per account; the address's own quota is intact."""
    first, second = await _replicas(settings)
    try:
        assert await first.take("10.0.0.1", "rep-1", 15) is None
        assert await second.take("10.0.0.2", "rep-1", 5) is None
        refusal = await second.take("10.0.0.1", "rep-1", 1)
        assert refusal is not None and refusal.per_account and refusal.policy == ACCOUNT
        assert await first.take("10.0.0.1", None, 100) is None
    finally:
        await first.aclose()
        await second.aclose()


async def test_an_identifier_with_slashes_names_its_own_key(settings: SharedLimits) -> None:
    """Identifiers are escaped in keys: "a/b" and "a" never share a count."""
    [quotas] = await _replicas(settings, 1)
    try:
        assert await quotas.take("x", "a/b", 20) is None
        assert await quotas.take("x", "a", 20) is None
        assert await quotas.take("x", "a/b", 1) is not None
    finally:
        await quotas.aclose()


async def test_redis_unreachable_fails_open_to_this_process_s_buckets(
        caplog: pytest.LogCaptureFixture) -> None:
    """A closed port: lookups go on, counted in ``unavailable``, limited by the process's own
    buckets (the burst, then refused), with a warning logged once."""
    quotas = RedisLookupQuotas(RedisLimits(SharedLimits(closed_port_url(), pause_s=0)),
                               POLICY, ACCOUNT)
    try:
        with caplog.at_level(logging.WARNING, logger="aggregator.shared_limits"):
            assert await quotas.take("1.2.3.4", None, 100) is None
            refusal = await quotas.take("1.2.3.4", None, 1)
        assert refusal is not None and refusal.wait_s == pytest.approx(1.0, abs=0.1)
        assert quotas.unavailable == 2
        warnings = [r for r in caplog.records if "shared limits: Redis" in r.getMessage()]
        assert len(warnings) == 1
        assert "ConnectionError" in warnings[0].getMessage()
    finally:
        await quotas.aclose()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A loopback server that accepts connections and never answers (a hung Redis)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


async def test_a_silent_redis_fails_open_within_the_timeouts(silent_server: str) -> None:
    """A Redis that accepts and never replies: the lookup is decided locally once the
    reply's timeout passes; later ones skip Redis during the pause."""
    redis = RedisLimits(SharedLimits(silent_server, timeout_s=0.05, pause_s=60))
    quotas = RedisLookupQuotas(redis, POLICY, ACCOUNT)
    try:
        async with asyncio.timeout(5):  # a stall fails the test rather than hanging it
            assert await quotas.take("1.2.3.4", None, 1) is None
            assert await quotas.take("1.2.3.4", None, 1) is None
        assert quotas.unavailable == 2
        assert redis.failures == 1  # the second lookup did not wait for Redis again
    finally:
        await quotas.aclose()


def test_a_policy_becomes_its_burst_per_window_of_whole_seconds() -> None:
    """300 at 5/s: 300 per 60 s; 1000 at 3/s: per 334 s (rounded up, never shorter)."""
    item = sliding_window_item(RatePolicy(300, 5), "lookup-client")
    assert (item.amount, item.get_expiry()) == (300, 60)
    assert sliding_window_item(RatePolicy(1000, 3), "x").get_expiry() == 334


@pytest.mark.parametrize(
    ("cost", "previous", "previous_ttl", "current", "current_ttl", "wait"),
    [
        (1, 0, 0.0, 0, 0.0, 0.0),  # nothing counted: no wait
        # A full current window (100 used, 30 s into it): it must end (70 s) and fade until
        # 99 of its weight remain: 100 * ttl / 100 <= 99, ttl from 170 down to 99: 71 s.
        (1, 0, 0.0, 100, 170.0, 71.0),
        # 60 previous fading over 40 more seconds, 50 current: 60*(40-t)/100 + 50 <= 90
        # from t = 40 - 40*100/60.
        (10, 60, 40.0, 50, 140.0, 0.0),
        (41, 60, 40.0, 50, 140.0, 40 - 9 * 100 / 60),
        (101, 0, 0.0, 0, 0.0, 200.0),  # never fits: two windows
    ])
def test_the_wait_is_when_the_weighted_count_leaves_room(
        cost: int, previous: int, previous_ttl: float, current: int, current_ttl: float,
        wait: float) -> None:
    """The wait follows the library's count: previous * previous_ttl / window + current."""
    assert sliding_window_wait(100, 100, cost, previous, previous_ttl, current,
                               current_ttl) == pytest.approx(wait)
