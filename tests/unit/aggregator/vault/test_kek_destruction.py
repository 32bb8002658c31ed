"""The schedule of KEK destructions: what may run when (plain data), the table, the lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from aggregator.vault.kek_destruction import Destruction, KekDestructions, plan, schedule

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


def _pending(*kek_ids: str, due: datetime = T0 + DAY) -> list[Destruction]:
    return [Destruction(kek_id, T0, due) for kek_id in kek_ids]


def test_a_scheduled_primary_is_rotated_away_from_first() -> None:
    steps = plan(_pending("kek-1", "kek-2"), now=T0, primary="kek-2", references={})
    assert steps.rotate
    assert steps.destroy == ()
    assert dict(steps.waiting)["kek-2"] == "it is still the primary KEK: rotate first"


def test_nothing_is_destroyed_before_the_grace_period_ends() -> None:
    steps = plan(_pending("kek-1"), now=T0 + DAY - timedelta(seconds=1), primary="kek-2",
                 references={})
    assert not steps.rotate and steps.destroy == ()
    assert "grace period runs until 2026-12-04T09:00:00+00:00" in dict(steps.waiting)["kek-1"]


def test_a_kek_still_wrapping_keys_waits_for_the_rewrap() -> None:
    """A late writer's key under the old KEK holds the destruction back until moved."""
    steps = plan(_pending("kek-1", "kek-2"), now=T0 + DAY, primary="kek-3",
                 references={"kek-1": 2, "kek-3": 50})
    assert steps.destroy == ("kek-2",)
    assert dict(steps.waiting) == {"kek-1": "2 subject key(s) are still wrapped under it: "
                                            "rewrap first"}


def test_done_destructions_are_left_alone() -> None:
    done = [Destruction("kek-1", T0, T0, T0 + DAY)]
    assert plan(done, now=T0 + 2 * DAY, primary="kek-1", references={}) == \
        plan([], now=T0, primary="kek-1", references={})


def test_schedule_keeps_an_earlier_due_time_and_marks_once(
        engines: Callable[[], Engine]) -> None:
    """A KEK scheduled again (a second shred) keeps its first schedule: it has not been
    primary since, so no writer needs longer. Negative grace periods are refused."""
    engine = engines()
    table = KekDestructions(engine)
    with engine.begin() as conn:
        schedule(conn, ["kek-1"], T0, DAY)
    with engine.begin() as conn:
        schedule(conn, ["kek-1", "kek-2", "kek-2"], T0 + DAY, DAY)
    assert table.pending() == [Destruction("kek-1", T0, T0 + DAY),
                               Destruction("kek-2", T0 + DAY, T0 + 2 * DAY)]
    table.mark_destroyed("kek-1", T0 + DAY)
    table.mark_destroyed("kek-1", T0 + 2 * DAY)
    assert table.all()[0].destroyed_at == T0 + DAY
    assert [d.kek_id for d in table.pending()] == ["kek-2"]
    with engine.begin() as conn, pytest.raises(ValueError, match="negative"):
        schedule(conn, ["kek-3"], T0, -DAY)


def test_one_holder_of_the_lock_at_a_time(engines: Callable[[], Engine]) -> None:
    """Two schedules over one database (as two processes would open it) exclude each
    other: the second enters only after the first left."""
    first, second = KekDestructions(engines()), KekDestructions(engines())
    events: list[str] = []
    entered = threading.Event()

    def other() -> None:
        entered.wait()
        with second.exclusive():
            events.append("second in")

    thread = threading.Thread(target=other)
    thread.start()
    with first.exclusive():
        events.append("first in")
        entered.set()
        time.sleep(0.3)  # room for the other to get in, were it not excluded
        events.append("first out")
    thread.join(10)
    assert events == ["first in", "first out", "second in"]


def test_a_kek_the_key_service_does_not_know_waits_named() -> None:
    steps = plan(_pending("kek-7"), now=T0 + DAY, primary="kek-8", references={},
                 unknown={"kek-7"})
    assert steps.destroy == ()
    assert "holds no such KEK" in dict(steps.waiting)["kek-7"]
