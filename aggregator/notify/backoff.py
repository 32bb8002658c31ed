"""Exponential backoff with jitter: pure, the random draw passed in."""

from __future__ import annotations

__all__ = ["backoff_delay"]


def backoff_delay(attempt: int, base_s: float, max_s: float, jitter: float) -> float:
    """Seconds to wait before retry ``attempt`` (1 for the first retry): ``base_s`` doubled
    per attempt, capped at ``max_s``, then spread by up to half (``jitter`` in [0, 1)) so
    that many waiters do not retry in step."""
    raw = min(max_s, base_s * 2.0 ** max(attempt - 1, 0))
    return float(raw * (0.5 + jitter / 2))
