"""bench/notify_latency.py's stage figures: timed from the same origin as its end-to-end
figures (the wall clock just before a change is recorded), never from the agency's
whole-second ``occurred_at``, which made a stage look longer than the whole path."""

from __future__ import annotations

import importlib
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine

from aggregator.notify.tables import deliveries, metadata, notifications

BENCH = Path(__file__).parents[3] / "bench"
sys.path.insert(0, str(BENCH))  # bench/ is scripts that import each other by file name
notify_latency = importlib.import_module("notify_latency")

# A change recorded 0.9 s into a second: its occurred_at (whole seconds) is 0.9 s earlier.
RECORDED = datetime(2026, 12, 2, 15, 24, 0, 900_000, tzinfo=UTC)
KEY = ("immigration", "IOE0990000001")


def test_stages_count_from_when_the_change_was_recorded() -> None:
    """Matched 100 ms after the change was recorded, in-app stamped delivered at 300 ms,
    the webhook at 500 ms: those are the figures (not 1,000 ms and more from the second the
    agency's time was truncated to)."""
    engine = create_engine("sqlite://")
    metadata.create_all(engine, tables=[notifications, deliveries])
    at = RECORDED.replace(microsecond=0)
    with engine.begin() as conn:
        conn.execute(notifications.insert().values(
            id="n1", recipient_id=notify_latency.REP, subject_id="s00001",
            agency_id=KEY[0], case_ref="r", case_number_sealed=b"x", event_id="e1",
            occurred_at=at, created_at=RECORDED + timedelta(milliseconds=100),
            category="ACTIVE", milestone="RECEIVED", action_required=False, titles="{}",
            read=False))
        for channel, ms in (("in_app", 300), ("webhook", 500)):
            conn.execute(deliveries.insert().values(
                id=f"d-{channel}", notification_id="n1", channel=channel, target="t",
                state="delivered", attempts=1, next_attempt_at=RECORDED, last_error="",
                created_at=RECORDED, delivered_at=RECORDED + timedelta(milliseconds=ms)))
    arrivals = notify_latency.Arrivals()
    arrivals.recorded[KEY] = RECORDED.timestamp()
    arrivals.ids["n1"] = KEY
    with engine.connect() as conn:
        stages = notify_latency._stages(conn, arrivals)
    for channel, delivered_ms in (("in_app", 300), ("webhook", 500)):
        figures = stages[channel]
        assert round(figures["matched_after_recorded"]["p50_ms"]) == 100
        assert round(figures["delivered_after_recorded"]["p50_ms"]) == delivered_ms
        assert figures["matched_after_recorded"]["n"] == 1
