"""The public-lookup rate limit: token buckets per client, shared by workers."""

from __future__ import annotations

import pytest

from gateway.ratelimit import RateLimiter, RatePolicy


def test_rate_limit_allows_a_burst_then_refills_over_time() -> None:
    """A client may spend its burst, is then told how long to wait, and refills."""
    now = [0.0]
    limiter = RateLimiter(RatePolicy(burst=100, per_second=10), clock=lambda: now[0])
    assert limiter.take("1.2.3.4", 100) == 0.0
    assert limiter.take("1.2.3.4", 10) == pytest.approx(1.0)
    assert limiter.take("5.6.7.8", 1) == 0.0  # other clients are unaffected
    now[0] = 1.0
    assert limiter.take("1.2.3.4", 10) == 0.0


@pytest.mark.parametrize(("workers", "burst", "per_second"),
                         [(1, 300, 5), (2, 150, 2.5), (3, 100, 5 / 3), (8, 100, 0.625)])
def test_a_rate_shared_by_workers_never_adds_up_to_more(workers: int, burst: float,
                                                        per_second: float) -> None:
    part = RatePolicy.from_rate(5).shared_by(workers)
    assert part.burst == pytest.approx(burst)
    assert part.per_second == pytest.approx(per_second)
    assert part.per_second * workers == pytest.approx(5)
    assert part.burst >= 100  # one full batch still fits in any one process


def test_a_rate_cannot_be_shared_by_no_workers() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RatePolicy().shared_by(0)
