"""The demo store's writes from several connections at once (the demo's activity and
`caseline adapter record-event` beside a running adapter)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from adapters.reference.demo_store import DemoStore, DemoStoreWriter
from adapters.reference.seed import seed_store
from adapters.sdk.errors import UnimplementedError
from adapters.sdk.records import EventRecord

NUMBER = "IOE0990000002"


def test_writers_on_separate_connections_all_land_in_order(tmp_path: Path) -> None:
    """Four writers, each its own store object (own connection, as separate processes
    have), append 25 events each while a reader follows: none fails, every cursor is
    distinct, and the case's last event is the newest row."""
    path = tmp_path / "immigration.sqlite3"
    seed_store(path, "immigration", cases=5, seed=1, today=date(2026, 11, 30), progress=False)
    start = DemoStore(path).latest_cursor()
    cursors: list[int] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def write(worker: int) -> None:
        store = DemoStore(path)
        try:
            for i in range(25):
                event = EventRecord(datetime(2026, 12, 1, tzinfo=UTC), "Case Was Approved",
                                    f"writer {worker} event {i}")
                cursor = store.append_event(NUMBER, event)
                with lock:
                    cursors.append(cursor)
        except BaseException as exc:
            failures.append(exc)

    reader = DemoStore(path)
    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):  # reading all along, as the adapter does
        assert len(reader.changes_since(start, 1000)) <= 100
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(cursors) == list(range(start + 1, start + 101))
    changes = reader.changes_since(start, 1000)
    assert [c.cursor for c in changes] == sorted(cursors)
    last = reader.find_cases([NUMBER], with_history=False)[NUMBER].events[-1]
    assert last.event_id == str(max(cursors))


def test_a_store_of_no_known_agency_keeps_no_statistics(tmp_path: Path) -> None:
    """Without the agency in its meta the store cannot classify codes: the statistics call
    is refused as not offered, nothing is guessed."""
    path = tmp_path / "other.sqlite3"
    writer = DemoStoreWriter(path)
    writer.finish()
    with pytest.raises(UnimplementedError):
        DemoStore(path).processing_aggregates("I-130", ["2026-10"], None, date(2026, 11, 1))
