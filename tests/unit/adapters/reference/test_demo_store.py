"""The demo store's writes from several connections at once (the demo's activity and
`caseline adapter record-event` beside a running adapter)."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from adapters.reference.demo_store import DemoStore, DemoStoreWriter
from adapters.reference.seed import seed_store
from adapters.sdk.errors import UnimplementedError
from adapters.sdk.records import CaseRecord, EventRecord

NUMBER = "IOE0990000002"
NUMBER_I140 = "IOE0990000011"


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


def _raj_i140(today: date) -> CaseRecord:
    from adapters.immigration.synthetic import persona_cases

    return next(c for c in persona_cases(today)["raj"] if c.case_type == "I-140")


def test_related_cases_are_kept_and_read_with_history_only(tmp_path: Path) -> None:
    """Seeding keeps each case's related cases in order; a subject read (with history)
    returns them, a public one (without) never does."""
    path = tmp_path / "immigration.sqlite3"
    seed_store(path, "immigration", cases=5, seed=1, today=date(2026, 11, 30), progress=False)
    store = DemoStore(path)
    expected = _raj_i140(date(2026, 11, 30)).related
    assert len(expected) == 2
    full = store.find_cases([NUMBER_I140, NUMBER], with_history=True)
    assert full[NUMBER_I140].related == expected
    assert full[NUMBER].related == ()
    assert store.find_cases([NUMBER_I140], with_history=False)[NUMBER_I140].related == ()


def test_a_store_seeded_before_related_cases_gets_them_once(tmp_path: Path) -> None:
    """A store from before the table opens (the table is created), holds no relations until
    the demo fills them in, and filling in twice adds nothing more."""
    path = tmp_path / "immigration.sqlite3"
    seed_store(path, "immigration", cases=5, seed=1, today=date(2026, 11, 30), progress=False)
    with sqlite3.connect(path) as db:  # as an older Caseline left it
        db.execute("DROP TABLE related_cases")
    store = DemoStore(path)
    assert store.find_cases([NUMBER_I140], with_history=True)[NUMBER_I140].related == ()
    record = _raj_i140(date(2026, 11, 30))
    assert store.ensure_related([record]) == 2
    assert store.ensure_related([record]) == 0
    assert DemoStore(path).find_cases([NUMBER_I140],
                                      with_history=True)[NUMBER_I140].related == record.related


def test_missing_cases_are_added_once_with_their_history(tmp_path: Path) -> None:
    """A new persona's case reaches a store seeded without it: events, access code, identity
    and related cases; held cases are left alone."""
    from adapters.labor.synthetic import persona_cases

    path = tmp_path / "labor.sqlite3"
    seed_store(path, "labor", cases=5, seed=1, today=date(2026, 11, 30), progress=False)
    with sqlite3.connect(path) as db:  # as seeded before the persona existed
        for number in ("P-100-24137-736120", "G-100-25059-281953"):
            db.execute("DELETE FROM events WHERE case_number = ?", (number,))
            db.execute("DELETE FROM related_cases WHERE case_number = ?", (number,))
            db.execute("DELETE FROM cases WHERE number = ?", (number,))
    store = DemoStore(path)
    cursor = store.latest_cursor()
    mei = persona_cases(date(2026, 11, 30))["mei"]
    raj = persona_cases(date(2026, 11, 30))["raj"]
    assert store.add_missing_cases([*raj, *mei]) == [c.number for c in mei]
    assert store.add_missing_cases([*raj, *mei]) == []
    perm = mei[1]
    found = store.find_cases([perm.number], with_history=True)[perm.number]
    assert [e.code for e in found.events] == [e.code for e in perm.events]
    assert found.related == perm.related and found.identity == perm.identity
    assert store.verify_access_code(perm.number, perm.access_code)
    assert store.latest_cursor() > cursor
    # The latest event is the case's current one, also in a read without history.
    assert store.find_cases([perm.number], with_history=False)[perm.number].events[0].code == (
        "CERTIFIED")
def test_a_store_of_no_known_agency_keeps_no_statistics(tmp_path: Path) -> None:
    """Without the agency in its meta the store cannot classify codes: the statistics call
    is refused as not offered, nothing is guessed."""
    path = tmp_path / "other.sqlite3"
    writer = DemoStoreWriter(path)
    writer.finish()
    with pytest.raises(UnimplementedError):
        DemoStore(path).processing_aggregates("I-130", ["2026-10"], None, date(2026, 11, 1))
