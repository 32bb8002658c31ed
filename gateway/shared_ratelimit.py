"""Lookup quotas in Redis, shared by every gateway replica (``--redis-url``).

The same policies as gateway.ratelimit's buckets, counted by the `limits` library's
sliding-window-counter strategy: ``burst`` lookups per window of ``burst / per_second``
seconds (rounded up to whole seconds, as the library counts). Of its strategies this one
keeps the bucket's semantics closest: a fresh client may spend the whole burst at once, and
once a window is over its count fades linearly, so capacity comes back at about
``per_second`` like a bucket refilling, rather than all at once when the oldest entry
leaves (the moving window). It also costs two counters per client in Redis, where the moving
window keeps one entry per lookup. The limit is global: ``RatePolicy.shared_by`` no longer
applies.

Redis down or slow fails open: lookups are public reads, and a gateway that refused every
lookup while Redis restarts would be an outage of its own. They are then limited by this
process's own buckets (gateway.ratelimit), the embedded behaviour, so a client is never
unlimited; each such decision counts in ``unavailable``, and a warning is logged (at most
once a minute, by aggregator.shared_limits).
"""

from __future__ import annotations

import math

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from aggregator.shared_limits import LimitsUnavailable, RedisLimits, key_part
from gateway.ratelimit import REPRESENTATIVE_RATE, LookupQuotas, RatePolicy, Refusal

__all__ = ["RedisLookupQuotas", "sliding_window_item", "sliding_window_wait"]


def sliding_window_item(policy: RatePolicy, namespace: str) -> RateLimitItem:
    """``policy`` as the library's limit: ``burst`` per ``burst / per_second`` seconds."""
    window = max(1, math.ceil(policy.burst / policy.per_second))
    return RateLimitItemPerSecond(max(1, int(policy.burst)), window, namespace=namespace)


def sliding_window_wait(limit: int, window_s: float, cost: int, previous: int,
                        previous_ttl: float, current: int, current_ttl: float) -> float:
    """Seconds until ``cost`` more fit, by the sliding window counter's rule.

    The library counts ``previous * previous_ttl / window + current``: the previous window's
    count fades as its key's remaining time (``previous_ttl``) runs out, which is when the
    current window ends; the current key lives two windows, so its window ends when
    ``current_ttl`` falls to ``window_s``, and from then on it fades in turn. A cost over
    the limit never fits: two windows, as good a wait as any.
    """
    room = limit - cost
    if room < 0:
        return 2 * window_s
    if current <= room:  # the previous window's fading is enough
        if previous == 0:
            return 0.0
        return max(0.0, previous_ttl - (room - current) * window_s / previous)
    window_end = max(0.0, current_ttl - window_s)
    return max(window_end, current_ttl - room * window_s / current, 0.0)


class RedisLookupQuotas:
    """gateway.ratelimit.LookupQuotas's quotas, counted in Redis for every replica."""

    def __init__(self, redis: RedisLimits, public: RatePolicy,
                 representative: RatePolicy = REPRESENTATIVE_RATE) -> None:
        self.public = public
        self.representative = representative
        self.unavailable = 0  # lookups decided by the local fallback while Redis failed
        self._redis = redis
        self._limiter = SlidingWindowCounterRateLimiter(redis.storage)
        self._items = {False: sliding_window_item(public, "lookup-client"),
                       True: sliding_window_item(representative, "lookup-representative")}
        self._fallback = LookupQuotas(public, representative)

    async def take(self, client: str, representative: str | None,
                   cost: float) -> Refusal | None:
        """Spend ``cost`` lookups from the representative's account quota (when
        ``representative`` names one) or else the client address's; None when allowed."""
        per_account = representative is not None
        item = self._items[per_account]
        who = key_part(representative if representative is not None else client)
        units = math.ceil(cost)
        try:
            if await self._redis.run(lambda: self._limiter.hit(item, who, cost=units)):
                return None
            wait = await self._redis.run(lambda: self._wait(item, who, units))
        except LimitsUnavailable:
            self.unavailable += 1
            return await self._fallback.take(client, representative, cost)
        policy = self.representative if per_account else self.public
        return Refusal(wait, per_account, policy)

    async def _wait(self, item: RateLimitItem, who: str, cost: int) -> float:
        previous, previous_ttl, current, current_ttl = (
            await self._redis.storage.get_sliding_window(item.key_for(who), item.get_expiry()))
        return sliding_window_wait(item.amount, item.get_expiry(), cost, previous,
                                   previous_ttl, current, current_ttl)

    async def aclose(self) -> None:
        """Close the connections to Redis."""
        await self._redis.aclose()
