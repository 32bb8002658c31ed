"""Parallel calls to agencies under one deadline, with retries and a breaker per agency.

The federation layer knows nothing about gRPC: an operation is an async function taking the
seconds it may use and raising :class:`AgencyCallError` on failure.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from aggregator.federation.breaker import BreakerPolicy, CircuitBreaker
from aggregator.federation.chunks import chunks
from aggregator.federation.faults import counts_against_agency
from aggregator.model import AgencyFailure
from aggregator.telemetry.metrics import observe_agency_call

__all__ = ["AgencyCallError", "Federation", "RetryPolicy"]

log = logging.getLogger("caseline.federation")

T = TypeVar("T")
X = TypeVar("X")
Operation = Callable[[float], Awaitable[T]]
# An operation over a batch: one answer per item, in order, within the seconds given.
BatchOperation = Callable[[Sequence[X], float], Awaitable[Sequence[T]]]


class AgencyCallError(Exception):
    """A call to an agency failed; ``code`` is the gRPC status name, ``reason`` the
    ``google.rpc.ErrorInfo`` reason when the agency sent one."""

    def __init__(self, code: str, message: str, reason: str = "") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.reason = reason

    @property
    def agency_at_fault(self) -> bool:
        """Whether this failure says the agency is unhealthy (not that the request was bad)."""
        return counts_against_agency(self.code, self.reason, self.message)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retries for idempotent reads on UNAVAILABLE: exponential backoff with full jitter."""

    attempts: int = 3
    base_backoff_s: float = 0.025
    max_backoff_s: float = 0.25

    def backoff(self, attempt: int, rand: Callable[[], float]) -> float:
        """Sleep before retry ``attempt`` (1-based): uniform in [0, min(cap, base * 2^n)]."""
        return rand() * min(self.max_backoff_s, self.base_backoff_s * 2.0 ** (attempt - 1))


class Federation:
    """Runs operations against agencies; never raises for an agency's failure."""

    def __init__(self, agency_ids: list[str], *, retry: RetryPolicy | None = None,
                 breaker: BreakerPolicy | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 rand: Callable[[], float] = random.random) -> None:
        self.retry = retry or RetryPolicy()
        self._clock = clock
        self._rand = rand
        self.breakers = {a: CircuitBreaker(breaker or BreakerPolicy(), clock) for a in agency_ids}

    async def call(self, agency_id: str, operation: Operation[T], deadline: float, *,
                   idempotent: bool = True) -> T | AgencyFailure:
        """One agency, retrying UNAVAILABLE while time remains; a failure comes back as a value
        (counted, with its duration, in the agency call metrics)."""
        started = time.perf_counter()
        result = await self._call(agency_id, operation, deadline, idempotent)
        observe_agency_call(agency_id,
                            result.code if isinstance(result, AgencyFailure) else "OK",
                            time.perf_counter() - started)
        return result

    async def _call(self, agency_id: str, operation: Operation[T], deadline: float,
                    idempotent: bool) -> T | AgencyFailure:
        breaker = self.breakers[agency_id]
        attempt = 0
        while True:
            attempt += 1
            remaining = deadline - self._clock()
            if remaining <= 0:
                return AgencyFailure(agency_id, "DEADLINE_EXCEEDED",
                                     "no answer within the request's deadline")
            if not breaker.allow():
                return AgencyFailure(agency_id, "CIRCUIT_OPEN",
                                     "temporarily not called after repeated failures")
            try:
                result = await operation(remaining)
            except AgencyCallError as exc:
                if exc.agency_at_fault:
                    breaker.record_failure()
                else:
                    # The request's fault says nothing about the agency's health: it neither
                    # opens the breaker nor closes it (a HALF_OPEN trial is handed back).
                    breaker.release()
                pause = self.retry.backoff(attempt, self._rand)
                if (idempotent and exc.code == "UNAVAILABLE" and attempt < self.retry.attempts
                        and deadline - self._clock() > pause):
                    await asyncio.sleep(pause)
                    continue
                # The transport's own words stay here; people are told in plain words.
                log.info("agency call failed", extra={"agency": agency_id, "code": exc.code,
                                                      "reason": exc.reason,
                                                      "detail": exc.message,
                                                      "attempts": attempt})
                return AgencyFailure(agency_id, exc.code, exc.message)
            breaker.record_success()
            return result

    def deadline_after(self, timeout_s: float) -> float:
        """The deadline ``timeout_s`` from now, on this federation's clock."""
        return self._clock() + timeout_s

    def remaining(self, deadline: float) -> float:
        """Seconds left before ``deadline`` (may be negative)."""
        return deadline - self._clock()

    async def call_in_chunks(self, agency_id: str, operation: BatchOperation[X, T],
                             items: Sequence[X], size: int, deadline: float, *,
                             idempotent: bool = True) -> list[T | AgencyFailure]:
        """``items`` in batches of at most ``size``, each one :meth:`call` (retried and
        counted by the breaker on its own), all at once under ``deadline``; one answer per
        item, in order. A batch that fails fails only its own items, each with the batch's
        AgencyFailure; a batch answered with the wrong number of answers fails as INTERNAL."""
        parts = chunks(items, size)
        answers = await asyncio.gather(*(
            self.call(agency_id, partial(operation, part), deadline, idempotent=idempotent)
            for part in parts))
        merged: list[T | AgencyFailure] = []
        for part, answer in zip(parts, answers, strict=True):
            if isinstance(answer, AgencyFailure):
                merged.extend([answer] * len(part))
            elif len(answer) != len(part):
                log.warning("agency answered a batch wrongly", extra={
                    "agency": agency_id, "asked": len(part), "answers": len(answer)})
                merged.extend([AgencyFailure(agency_id, "INTERNAL", f"{len(answer)} answers "
                                                                    f"to {len(part)} items")]
                              * len(part))
            else:
                merged.extend(answer)
        return merged

    async def fan_out(self, operations: Mapping[str, Operation[T]], timeout_s: float, *,
                      idempotent: bool = True) -> dict[str, T | AgencyFailure]:
        """All agencies in parallel under one overall deadline."""
        deadline = self._clock() + timeout_s
        agencies = list(operations)
        results = await asyncio.gather(*(
            self.call(a, operations[a], deadline, idempotent=idempotent) for a in agencies))
        return dict(zip(agencies, results, strict=True))
