"""Retention: notifications past the period go with their deliveries, unless a delivery is
still being tried; newer ones stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from aggregator.consent.vocabulary import Role
from aggregator.model import AgencyInfo
from aggregator.notify.model import DeliveryState, StatusChange
from aggregator.notify.retention import RetentionPolicy, prune_once
from aggregator.notify.runtime import NotifySettings, build_notifications
from aggregator.notify.tables import deliveries, notifications
from support.fakes import FakeLedger, FixedClock, file_store

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
AGENCIES = {"immigration": AgencyInfo("immigration", "USCIS", "USCIS (es)")}


def _change(n: int) -> StatusChange:
    return StatusChange("immigration", str(n), f"IOE099000000{n}", f"e{n}", T0, "ACTIVE",
                        "UNDER_REVIEW", False, "Case Is Being Actively Reviewed By USCIS",
                        {"en": "Being reviewed"})


async def test_old_notifications_go_unless_still_being_tried(tmp_path: Path) -> None:
    """Three notifications: an old delivered one and an old dead letter are pruned with
    their deliveries; an old one still PENDING and a recent one stay."""
    store = file_store(tmp_path)
    store.ensure_account("ana", Role.APPLICANT)
    for n in range(1, 5):
        store.add_link("ana", "immigration", f"IOE099000000{n}")
    parts = build_notifications(store, b"k" * 32, FakeLedger(), lambda s: s, AGENCIES, {},
                                FixedClock(T0), settings=NotifySettings())
    for n in range(1, 5):
        parts.matcher.record(_change(n))
    engine = store.engine
    with engine.begin() as conn:
        ids = dict(conn.execute(select(notifications.c.event_id, notifications.c.id)).all())
        old = [ids["e1"], ids["e2"], ids["e3"]]
        conn.execute(update(notifications).where(notifications.c.id.in_(old))
                     .values(created_at=T0 - timedelta(days=400)))
        for event, state in (("e1", DeliveryState.DELIVERED), ("e2", DeliveryState.DEAD)):
            conn.execute(update(deliveries).where(deliveries.c.notification_id == ids[event])
                         .values(state=state))
    assert prune_once(engine, T0, RetentionPolicy(keep_days=365, batch=1)) == 2
    with engine.connect() as conn:
        kept = set(conn.execute(select(notifications.c.event_id)).scalars())
        orphans = conn.execute(select(func.count()).select_from(deliveries).where(
            deliveries.c.notification_id.in_([ids["e1"], ids["e2"]]))).scalar()
    assert kept == {"e3", "e4"}
    assert orphans == 0
    assert prune_once(engine, T0, RetentionPolicy(keep_days=365)) == 0


def test_a_policy_that_keeps_nothing_is_refused() -> None:
    """keep_days below one day is a mistake, not a setting."""
    with pytest.raises(ValueError, match="keep_days"):
        RetentionPolicy(keep_days=0)
