"""Fan-out: deadlines, retries on UNAVAILABLE only, and the circuit breaker."""

from __future__ import annotations

import asyncio

import pytest

from aggregator.federation.breaker import BreakerPolicy, CircuitBreaker
from aggregator.federation.fanout import AgencyCallError, Federation, RetryPolicy
from aggregator.model import AgencyFailure


class Flaky:
    """Fails with ``code`` the first ``failures`` calls, then answers ``value``."""

    def __init__(self, failures: int, code: str = "UNAVAILABLE", value: str = "ok") -> None:
        self.failures = failures
        self.code = code
        self.value = value
        self.calls = 0
        self.timeouts: list[float] = []

    async def __call__(self, timeout: float) -> str:
        self.calls += 1
        self.timeouts.append(timeout)
        if self.calls <= self.failures:
            raise AgencyCallError(self.code, "boom")
        return self.value


def _federation(**kwargs: object) -> Federation:
    return Federation(["a", "b"], retry=RetryPolicy(attempts=3, base_backoff_s=0.001),
                      rand=lambda: 1.0, **kwargs)  # type: ignore[arg-type]


async def test_unavailable_is_retried_until_it_answers() -> None:
    """Two UNAVAILABLE answers then success: the caller sees success after three calls."""
    op = Flaky(2)
    assert await _federation().call("a", op, asyncio.get_running_loop().time() + 1) == "ok"
    assert op.calls == 3


async def test_other_errors_are_not_retried() -> None:
    """INVALID_ARGUMENT is returned at once as a failure, without retry."""
    op = Flaky(5, code="INVALID_ARGUMENT")
    fed = Federation(["a"], retry=RetryPolicy(attempts=3, base_backoff_s=0.001))
    result = await fed.call("a", op, fed._clock() + 1)
    assert result == AgencyFailure("a", "INVALID_ARGUMENT", "boom")
    assert op.calls == 1


async def test_non_idempotent_calls_are_not_retried() -> None:
    """Even UNAVAILABLE is not retried for a call marked non-idempotent."""
    op = Flaky(1)
    fed = Federation(["a"], retry=RetryPolicy(attempts=3, base_backoff_s=0.001))
    result = await fed.call("a", op, fed._clock() + 1, idempotent=False)
    assert isinstance(result, AgencyFailure) and op.calls == 1


async def test_each_attempt_gets_only_the_time_that_remains() -> None:
    """Timeouts passed to attempts shrink and never exceed the overall deadline."""
    op = Flaky(2)
    fed = Federation(["a"], retry=RetryPolicy(attempts=3, base_backoff_s=0.01))
    await fed.call("a", op, fed._clock() + 0.5)
    assert op.timeouts[0] <= 0.5
    assert op.timeouts == sorted(op.timeouts, reverse=True)


async def test_fan_out_returns_partial_results_within_the_deadline() -> None:
    """One agency hangs: the other's answer comes back and the hung one is a failure."""

    async def hang(timeout: float) -> str:
        await asyncio.sleep(timeout)
        raise AgencyCallError("DEADLINE_EXCEEDED", "deadline exceeded")

    fed = Federation(["a", "b"])
    started = fed._clock()
    results = await fed.fan_out({"a": Flaky(0), "b": hang}, timeout_s=0.2)
    assert results["a"] == "ok"
    assert isinstance(results["b"], AgencyFailure) and results["b"].code == "DEADLINE_EXCEEDED"
    assert fed._clock() - started < 0.5


async def test_breaker_opens_after_repeated_failures_and_stops_calling() -> None:
    """After the threshold, calls are refused as CIRCUIT_OPEN without reaching the agency."""
    op = Flaky(100)
    fed = Federation(["a"], retry=RetryPolicy(attempts=1),
                     breaker=BreakerPolicy(failure_threshold=3, reset_after_s=60))
    for _ in range(3):
        await fed.call("a", op, fed._clock() + 1)
    result = await fed.call("a", op, fed._clock() + 1)
    assert isinstance(result, AgencyFailure) and result.code == "CIRCUIT_OPEN"
    assert op.calls == 3


def test_breaker_half_opens_after_the_reset_time_and_closes_on_success() -> None:
    """OPEN -> HALF_OPEN after reset_after_s; one trial allowed; success closes it."""
    now = [0.0]
    breaker = CircuitBreaker(BreakerPolicy(failure_threshold=1, reset_after_s=5),
                             clock=lambda: now[0])
    breaker.record_failure()
    assert breaker.state == "OPEN" and not breaker.allow()
    now[0] = 5.0
    assert breaker.state == "HALF_OPEN"
    assert breaker.allow() and not breaker.allow()
    breaker.record_success()
    assert breaker.state == "CLOSED"


def test_backoff_has_full_jitter_and_a_cap() -> None:
    """Backoff is uniform in [0, min(cap, base*2^n)]."""
    policy = RetryPolicy(base_backoff_s=0.1, max_backoff_s=0.25)
    assert policy.backoff(1, lambda: 1.0) == pytest.approx(0.1)
    assert policy.backoff(5, lambda: 1.0) == pytest.approx(0.25)
    assert policy.backoff(3, lambda: 0.0) == 0.0
