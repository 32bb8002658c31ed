"""A circuit breaker per agency, so a dead agency costs nothing after a few failures."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["BreakerPolicy", "CircuitBreaker"]


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    """Open after ``failure_threshold`` consecutive failures; try again after ``reset_after_s``."""

    failure_threshold: int = 5
    reset_after_s: float = 5.0


class CircuitBreaker:
    """CLOSED -> (failures) -> OPEN -> (time) -> HALF_OPEN -> one trial -> CLOSED or OPEN."""

    def __init__(self, policy: BreakerPolicy,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._policy = policy
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> str:
        """CLOSED, OPEN or HALF_OPEN."""
        if self._opened_at is None:
            return "CLOSED"
        if self._clock() - self._opened_at >= self._policy.reset_after_s:
            return "HALF_OPEN"
        return "OPEN"

    @property
    def consecutive_failures(self) -> int:
        """Failures since the last success (health reports read it: some, while still
        CLOSED, mean the agency is failing now and then)."""
        return self._failures

    def allow(self) -> bool:
        """Whether a call may go out now (in HALF_OPEN, only one trial at a time)."""
        state = self.state
        if state == "CLOSED":
            return True
        if state == "HALF_OPEN" and not self._trial_running:
            self._trial_running = True
            return True
        return False

    def record_success(self) -> None:
        """A call succeeded: close."""
        self._failures = 0
        self._opened_at = None
        self._trial_running = False

    def release(self) -> None:
        """A call ended in a way that says nothing about the agency (the request was at
        fault): no count either way; a HALF_OPEN trial is handed back for the next call."""
        self._trial_running = False

    def record_failure(self) -> None:
        """A call failed in a way that suggests the agency is unhealthy."""
        self._failures += 1
        if self._trial_running or self._failures >= self._policy.failure_threshold:
            self._opened_at = self._clock()
        self._trial_running = False
