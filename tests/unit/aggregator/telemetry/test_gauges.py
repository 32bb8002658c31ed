"""Breaker states as a state set; the outbox's depth and lag from its table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, insert

from aggregator.federation.breaker import BreakerPolicy, CircuitBreaker
from aggregator.notify.tables import create_tables, deliveries
from aggregator.telemetry.gauges import breaker_states, outbox_gauges

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_each_agency_is_1_in_its_current_state_and_0_in_the_others() -> None:
    clock = [0.0]
    failing = CircuitBreaker(BreakerPolicy(failure_threshold=1, reset_after_s=5),
                             lambda: clock[0])
    failing.record_failure()
    states = breaker_states({"courts": failing, "labor": CircuitBreaker(BreakerPolicy())})
    assert states == {("courts", "CLOSED"): 0.0, ("courts", "HALF_OPEN"): 0.0,
                      ("courts", "OPEN"): 1.0, ("labor", "CLOSED"): 1.0,
                      ("labor", "HALF_OPEN"): 0.0, ("labor", "OPEN"): 0.0}


def test_the_outbox_counts_pending_deliveries_and_the_oldest_due_ones_wait() -> None:
    engine = create_engine("sqlite://")
    create_tables(engine)
    assert outbox_gauges(engine, NOW).pending == 0
    assert outbox_gauges(engine, NOW).oldest_due_s == 0.0
    rows = [("a", "pending", NOW - timedelta(seconds=90)),
            ("b", "pending", NOW - timedelta(seconds=30)),
            ("c", "pending", NOW + timedelta(minutes=5)),  # not due yet: no lag
            ("d", "delivered", NOW - timedelta(hours=2)),
            ("e", "dead", NOW - timedelta(hours=3))]
    with engine.begin() as conn:
        conn.execute(insert(deliveries), [
            {"id": i, "notification_id": "n", "channel": "email", "target": "t",
             "state": state, "attempts": 0, "next_attempt_at": due, "last_error": "",
             "created_at": NOW - timedelta(hours=4)} for i, state, due in rows])
    gauges = outbox_gauges(engine, NOW)
    assert gauges.pending == 3
    assert gauges.oldest_due_s == 90.0
