"""Throttling wrong access codes, so the codes printed on agency notices cannot be guessed.

Sliding windows in memory: at most ``per_case`` wrong codes for one case and ``per_subject``
across all cases of one subject within ``window_s``. A restart forgets them; codes are long
enough that a few windows of guesses stay hopeless.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

__all__ = ["AccessCodeThrottle"]


class AccessCodeThrottle:
    """Counts wrong access codes per case and per subject; says how long to wait."""

    def __init__(self, per_case: int = 5, per_subject: int = 20, window_s: float = 900.0,
                 max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._per_case = per_case
        self._per_subject = per_subject
        self._window_s = window_s
        self._max_keys = max_keys
        self._clock = clock
        self._failures: OrderedDict[tuple[str, ...], deque[float]] = OrderedDict()

    def _recent(self, key: tuple[str, ...], now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self._window_s:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def check(self, subject: str, agency: str, number: str) -> float:
        """0.0 when an attempt may go ahead, else the seconds to wait."""
        now = self._clock()
        wait = 0.0
        for key, limit in (((subject, agency, number), self._per_case),
                           ((subject,), self._per_subject)):
            times = self._recent(key, now)
            if len(times) >= limit:
                wait = max(wait, times[len(times) - limit] + self._window_s - now)
        return wait

    def record_failure(self, subject: str, agency: str, number: str) -> None:
        """Count one wrong code."""
        now = self._clock()
        for key in ((subject, agency, number), (subject,)):
            self._recent(key, now)
            times = self._failures.setdefault(key, deque())
            times.append(now)
            self._failures.move_to_end(key)
        while len(self._failures) > self._max_keys:
            self._failures.popitem(last=False)  # the least recently failing key

    def record_success(self, subject: str, agency: str, number: str) -> None:
        """A right code clears that case's count (not the subject's)."""
        self._failures.pop((subject, agency, number), None)
