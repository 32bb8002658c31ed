"""Token buckets per client, so case numbers cannot be enumerated cheaply; representatives
have a quota of their own, per account, sized for a firm's daily check of its cases."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from aggregator.consent.throttle import whole_seconds

__all__ = ["REPRESENTATIVE_RATE", "LookupLimits", "LookupQuotas", "RateLimiter", "RatePolicy",
           "Refusal", "retry_after_seconds"]


@dataclass(frozen=True, slots=True)
class RatePolicy:
    """``burst`` lookups at once, refilled at ``per_second``."""

    burst: float = 300.0
    per_second: float = 5.0

    @classmethod
    def from_rate(cls, per_second: float) -> RatePolicy:
        """A minute's worth of burst (at least 300, so a full batch of 100 always fits)."""
        return cls(burst=max(300.0, 60 * per_second), per_second=per_second)

    def shared_by(self, workers: int) -> RatePolicy:
        """Each of ``workers`` gateway processes' part of this policy.

        Buckets live in each process and a client's connections land on any of them, so each
        enforces a ``workers``-th of the rate: a client spreading over all of them sustains
        the full rate at most, one on a single connection less. Each keeps a burst of at
        least 100, one full batch, so beyond 3 processes the bursts add up to more than one.
        """
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        return RatePolicy(burst=max(100.0, self.burst / workers),
                          per_second=self.per_second / workers)


class RateLimiter:
    """Per-client buckets; the least recently seen clients are forgotten beyond ``max_clients``."""

    def __init__(self, policy: RatePolicy, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 100_000) -> None:
        self.policy = policy
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._max_clients = max_clients

    def take(self, client: str, cost: float) -> float:
        """Spend ``cost`` tokens; 0.0 when allowed, else seconds until it would be."""
        now = self._clock()
        tokens, last = self._buckets.pop(client, (self.policy.burst, now))
        tokens = min(self.policy.burst, tokens + (now - last) * self.policy.per_second)
        if cost > tokens:
            self._buckets[client] = (tokens, now)
            return (cost - tokens) / self.policy.per_second
        self._buckets[client] = (tokens - cost, now)
        if len(self._buckets) > self._max_clients:
            self._buckets.popitem(last=False)
        return 0.0


# A morning check of several hundred cases at once, then a steady trickle.
REPRESENTATIVE_RATE = RatePolicy(burst=1000.0, per_second=10.0)


# Whole seconds to wait, rounded up and at least 1: the same rule as the linking throttle's.
retry_after_seconds = whole_seconds


@dataclass(frozen=True, slots=True)
class Refusal:
    """A lookup refused: how long to wait, and whether it was an account's own quota."""

    wait_s: float
    per_account: bool
    policy: RatePolicy

    @property
    def retry_after_s(self) -> int:
        """Whole seconds to wait (see :func:`retry_after_seconds`)."""
        return retry_after_seconds(self.wait_s)


class LookupLimits(Protocol):
    """The lookup quotas every caller spends from: :class:`LookupQuotas` in this process's
    memory, or gateway.shared_ratelimit's in Redis, shared by every replica."""

    public: RatePolicy
    representative: RatePolicy

    async def take(self, client: str, representative: str | None,
                   cost: float) -> Refusal | None:
        """Spend ``cost`` lookups; None when allowed, else the refusal."""
        ...

    async def aclose(self) -> None:
        """Release what the quotas hold open (connections)."""
        ...


class LookupQuotas:
    """Public lookups are limited per client address; a signed-in representative's are
    limited per account instead, by a policy of their own (their office may share one
    address, and their work is looking up many cases). Kept in this process's memory."""

    def __init__(self, public: RatePolicy, representative: RatePolicy = REPRESENTATIVE_RATE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.public = public
        self.representative = representative
        self._public = RateLimiter(public, clock)
        self._representative = RateLimiter(representative, clock)

    async def take(self, client: str, representative: str | None,
                   cost: float) -> Refusal | None:
        """Spend ``cost`` lookups from the representative's account quota (when
        ``representative`` names one) or else the client address's; None when allowed."""
        limiter = self._public if representative is None else self._representative
        wait = limiter.take(client if representative is None else representative, cost)
        if not wait:
            return None
        return Refusal(wait, representative is not None, limiter.policy)

    async def aclose(self) -> None:
        """Nothing to release: the buckets are this process's memory."""
