"""What /metrics reads at scrape time: breaker states, and the notification outbox's depth
and lag, each from one bounded query (an index range on deliveries' state and due time)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from aggregator.federation.breaker import CircuitBreaker
from aggregator.notify.model import DeliveryState
from aggregator.notify.tables import deliveries

__all__ = ["BREAKER_STATES", "OUTBOX_COUNT_CAP", "OutboxGauges", "breaker_states",
           "outbox_gauges"]

BREAKER_STATES = ("CLOSED", "HALF_OPEN", "OPEN")
# Counting stops here: past it the figure only has to say "far too many", and a scrape must
# not read a million rows.
OUTBOX_COUNT_CAP = 100_000


@dataclass(frozen=True, slots=True)
class OutboxGauges:
    """Pending deliveries (at most OUTBOX_COUNT_CAP) and how long the oldest due one has
    waited past its due time (0 when none is due): the deliverer's lag."""

    pending: int
    oldest_due_s: float


def breaker_states(breakers: Mapping[str, CircuitBreaker]) -> dict[tuple[str, str], float]:
    """1 for each agency's current state, 0 for its other states (a state set)."""
    current = {agency: breaker.state for agency, breaker in breakers.items()}
    return {(agency, state): 1.0 if current[agency] == state else 0.0
            for agency in sorted(current) for state in BREAKER_STATES}


def outbox_gauges(engine: Engine, now: datetime) -> OutboxGauges:
    """The outbox's depth and lag at ``now``."""
    pending = deliveries.c.state == DeliveryState.PENDING.value
    capped = select(deliveries.c.id).where(pending).limit(OUTBOX_COUNT_CAP).subquery()
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(capped)).scalar_one()
        oldest = conn.execute(select(func.min(deliveries.c.next_attempt_at)).where(
            pending & (deliveries.c.next_attempt_at <= now))).scalar_one()
    if oldest is None:
        return OutboxGauges(int(count), 0.0)
    if oldest.tzinfo is None:  # SQLite hands back naive times, stored as UTC
        oldest = oldest.replace(tzinfo=UTC)
    return OutboxGauges(int(count), max(0.0, (now - oldest).total_seconds()))
