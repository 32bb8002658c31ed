"""The access-code throttle in Redis, shared by every gateway replica (``--redis-url``).

The same rule as aggregator.consent.throttle's in-memory windows: at most ``per_case`` wrong
codes for one (subject, agency, case number) and ``per_subject`` across a subject's cases
within ``window_s``, and the wait is until the oldest counted failure leaves the window.
Counted by the `limits` library's moving-window strategy, which keeps exactly that: a list
of at most ``limit`` failure times per key (trimmed and expiring with the window, so Redis
memory stays bounded), where the sliding window counter would only approximate "N within
the window". Times are the replicas' clocks, which must agree (NTP) to within the precision
a wait is told in.

Two replicas may each let one attempt of a subject through before either records its
failure (each serialises a subject's attempts only within its process), so a burst over N
replicas gets at most N - 1 guesses beyond the limit: a few, against codes that take
millions.

Redis down or slow fails closed: guessing codes is the threat this throttle exists for, and
an attacker who could make Redis unreachable (or wait for it to be) must not get unlimited
guesses. :class:`ThrottleUnavailable` is raised and the link service refuses the attempt
with a clear error; a right code's clearing that cannot reach Redis is only logged (the
failures expire with the window anyway).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter

from aggregator.consent.throttle import ThrottleUnavailable
from aggregator.shared_limits import LimitsUnavailable, RedisLimits, key_part

__all__ = ["RedisAccessCodeThrottle"]

_T = TypeVar("_T")
log = logging.getLogger(__name__)


class RedisAccessCodeThrottle:
    """Counts wrong access codes per case and per subject in Redis; says how long to wait.
    ``namespace`` keeps the keys of throttles over one Redis apart (linking, invitations);
    closing closes ``redis``, which may be shared (closing is idempotent)."""

    def __init__(self, redis: RedisLimits, per_case: int = 5, per_subject: int = 20,
                 window_s: float = 900.0, namespace: str = "link") -> None:
        if per_case < 1 or per_subject < 1 or window_s <= 0:
            raise ValueError("limits and window must be positive")
        window = math.ceil(window_s)  # the library counts whole seconds
        self._redis = redis
        self._limiter = MovingWindowRateLimiter(redis.storage)
        self._case = RateLimitItemPerSecond(per_case, window, namespace=f"{namespace}-case")
        self._subject = RateLimitItemPerSecond(per_subject, window,
                                               namespace=f"{namespace}-subject")

    def _keys(self, subject: str, agency: str,
              number: str) -> tuple[tuple[RateLimitItem, tuple[str, ...]], ...]:
        return ((self._case, (key_part(subject), key_part(agency), key_part(number))),
                (self._subject, (key_part(subject),)))

    async def check(self, subject: str, agency: str, number: str) -> float:
        """0.0 when an attempt may go ahead, else the seconds until the oldest counted failure
        leaves the window (the larger of the per-case and per-subject waits)."""
        wait = 0.0
        for item, parts in self._keys(subject, agency, number):
            stats = await self._run(partial(self._limiter.get_window_stats, item, *parts))
            if stats.remaining <= 0:
                # reset_time: the oldest counted failure's time plus the window.
                wait = max(wait, stats.reset_time - time.time())
        return wait

    async def record_failure(self, subject: str, agency: str, number: str) -> None:
        """Count one wrong code for the case and for the subject (a full window keeps its
        oldest failures: it already refuses until they leave)."""
        for item, parts in self._keys(subject, agency, number):
            await self._run(partial(self._limiter.hit, item, *parts))

    async def record_success(self, subject: str, agency: str, number: str) -> None:
        """A right code clears that case's count (not the subject's); when Redis cannot be
        reached the count stays until it expires, which only delays that case's next wrong
        code being allowed."""
        item, parts = self._keys(subject, agency, number)[0]
        try:
            await self._redis.run(partial(self._limiter.clear, item, *parts))
        except LimitsUnavailable as exc:
            log.warning("access-code throttle: a case's count was not cleared (%s)", exc)

    async def _run(self, call: Callable[[], Awaitable[_T]]) -> _T:
        try:
            return await self._redis.run(call)
        except LimitsUnavailable as exc:
            raise ThrottleUnavailable(str(exc)) from exc

    async def aclose(self) -> None:
        """Close the connections to Redis."""
        await self._redis.aclose()
