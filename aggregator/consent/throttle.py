"""Throttling wrong access codes, so the codes printed on agency notices cannot be guessed.

Sliding windows in memory: at most ``per_case`` wrong codes for one (subject, agency, case
number) and ``per_subject`` across all cases of one subject within ``window_s``. A restart
forgets them; codes are long enough that a few windows of guesses stay hopeless. The link
service also counts a right code refused because another account holds the case, so no one
can fill the holder's access log with attempts.

Memory is bounded three ways: each key keeps at most its limit of timestamps (older ones can
no longer decide a wait), keys whose failures have all left the window are dropped, and
beyond ``max_keys`` the key that failed least recently is dropped.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Protocol

__all__ = ["AccessCodeThrottle", "LinkThrottle", "LocalLinkThrottle", "ThrottleUnavailable",
           "whole_seconds"]

_Key = tuple[str, ...]


def whole_seconds(wait: float) -> int:
    """A wait as people are told it: whole seconds, rounded up and never below 1 — "try
    again in 0 s" would invite a retry that is refused again."""
    return max(1, math.ceil(wait))


class AccessCodeThrottle:
    """Counts wrong access codes per case and per subject; says how long to wait."""

    def __init__(self, per_case: int = 5, per_subject: int = 20, window_s: float = 900.0,
                 max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if per_case < 1 or per_subject < 1 or window_s <= 0 or max_keys < 2:
            raise ValueError("limits and window must be positive, max_keys at least 2")
        self._per_case = per_case
        self._per_subject = per_subject
        self._window_s = window_s
        self._max_keys = max_keys
        self._clock = clock
        # Key -> failure times, oldest first. Keys are ordered by their latest failure
        # (moved to the end on each one), so expired keys gather at the front.
        self._failures: OrderedDict[_Key, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        """How many keys (cases and subjects) are tracked now."""
        return len(self._failures)

    def _keys(self, subject: str, agency: str, number: str) -> tuple[tuple[_Key, int], ...]:
        # Different tuple lengths keep the two kinds of key apart whatever the strings hold.
        return (((subject, agency, number), self._per_case), ((subject,), self._per_subject))

    def _prune(self, now: float) -> None:
        horizon = now - self._window_s
        while self._failures:
            key, times = next(iter(self._failures.items()))
            if times and times[-1] > horizon:
                break  # this key and every later one still has a counted failure
            del self._failures[key]

    def _counted(self, key: _Key, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        horizon = now - self._window_s
        while times and times[0] <= horizon:
            times.popleft()
        return times

    def check(self, subject: str, agency: str, number: str) -> float:
        """0.0 when an attempt may go ahead, else the seconds until the oldest counted failure
        leaves the window (the larger of the per-case and per-subject waits)."""
        now = self._clock()
        wait = 0.0
        for key, limit in self._keys(subject, agency, number):
            times = self._counted(key, now)
            if times is not None and len(times) >= limit:
                wait = max(wait, times[-limit] + self._window_s - now)
        return wait

    def record_failure(self, subject: str, agency: str, number: str) -> None:
        """Count one wrong code for the case and for the subject."""
        now = self._clock()
        self._prune(now)
        for key, limit in self._keys(subject, agency, number):
            times = self._counted(key, now)
            if times is None:
                times = self._failures[key] = deque(maxlen=limit)
            times.append(now)
            self._failures.move_to_end(key)
        while len(self._failures) > self._max_keys:
            self._failures.popitem(last=False)  # the key that failed least recently

    def record_success(self, subject: str, agency: str, number: str) -> None:
        """A right code clears that case's count (not the subject's)."""
        self._failures.pop((subject, agency, number), None)


class ThrottleUnavailable(Exception):
    """The throttle cannot say whether an attempt may go ahead (its shared store is down)."""


class LinkThrottle(Protocol):
    """What the link service asks of a throttle: :class:`LocalLinkThrottle` in this
    process's memory, or aggregator.consent.shared_throttle's in Redis, shared by every
    replica. Each may raise ThrottleUnavailable."""

    async def check(self, subject: str, agency: str, number: str) -> float:
        """0.0 when an attempt may go ahead, else the seconds to wait."""
        ...

    async def record_failure(self, subject: str, agency: str, number: str) -> None:
        """Count one wrong code for the case and for the subject."""
        ...

    async def record_success(self, subject: str, agency: str, number: str) -> None:
        """A right code clears that case's count (not the subject's)."""
        ...

    async def aclose(self) -> None:
        """Release what the throttle holds open (connections)."""
        ...


class LocalLinkThrottle:
    """An :class:`AccessCodeThrottle` in this process, as the link service asks of it."""

    def __init__(self, throttle: AccessCodeThrottle | None = None) -> None:
        self.throttle = throttle if throttle is not None else AccessCodeThrottle()

    async def check(self, subject: str, agency: str, number: str) -> float:
        """See :meth:`AccessCodeThrottle.check`."""
        return self.throttle.check(subject, agency, number)

    async def record_failure(self, subject: str, agency: str, number: str) -> None:
        """See :meth:`AccessCodeThrottle.record_failure`."""
        self.throttle.record_failure(subject, agency, number)

    async def record_success(self, subject: str, agency: str, number: str) -> None:
        """See :meth:`AccessCodeThrottle.record_success`."""
        self.throttle.record_success(subject, agency, number)

    async def aclose(self) -> None:
        """Nothing to release: the counts are this process's memory."""
