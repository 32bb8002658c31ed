"""Summary tables behind the demo store's processing statistics.

Answering GetProcessingStatistics from the events table would read every case of a type; at
5,000,000 cases that takes minutes. Instead the store keeps two small histograms per case type
(statistics.proto defines the figures):

- ``stat_done``: completions per month × office × (calendar days, business days capped at
  BUSINESS_DAYS_CAP) → cases. Its length is bounded by the range of processing times, not by
  the number of cases.
- ``stat_open``: open cases per office × milestone × receipt day → cases (ages follow from the
  day asked).

They are built in bulk SQL when a store is seeded (:func:`build_summary`), on open when an
older store lacks them or its mapping table classifies codes differently now
(:func:`ensure_summary`, comparing the classifier's fingerprint; idempotent), and kept up to
date by each appended event in the same transaction (:func:`apply_event`). ``stat_version``
counts changes per case type, so answers computed from the summary can be cached until it
moves.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date

from adapters.sdk.statistics import (
    BUSINESS_DAYS_CAP,
    CompletionCell,
    PendingCell,
    ProcessingAggregates,
)
from adapters.sdk.status_classes import StatusClassifier
from caseline.v1.lib.business_days import business_days_between

__all__ = ["SUMMARY_SCHEMA", "apply_event", "build_summary", "ensure_summary",
           "read_aggregates", "summary_version"]

SUMMARY_SCHEMA = """
CREATE TABLE IF NOT EXISTS stat_done (
    case_type TEXT NOT NULL, month TEXT NOT NULL, office TEXT NOT NULL,
    days INTEGER NOT NULL, bdays INTEGER NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (case_type, month, office, days, bdays)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stat_open (
    case_type TEXT NOT NULL, office TEXT NOT NULL, milestone TEXT NOT NULL,
    opened_day INTEGER NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (case_type, office, milestone, opened_day)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stat_version (
    case_type TEXT PRIMARY KEY, version INTEGER NOT NULL
) WITHOUT ROWID;
"""
_FINGERPRINT_KEY = "statistics_fingerprint"
# Bump when the summary's layout or meaning changes: stores built before rebuild on open.
_LAYOUT = "1"
# date.toordinal() of 1970-01-01: a Unix time's UTC day is ts // 86400 + this.
_EPOCH_ORDINAL = 719163


def _bdays(opened_day: int, done_day: int) -> int:
    return min(business_days_between(opened_day, done_day), BUSINESS_DAYS_CAP)


def _fingerprint(classifier: StatusClassifier) -> str:
    return f"{_LAYOUT}:{classifier.fingerprint}"


def _meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def ensure_summary(conn: sqlite3.Connection, classifier: StatusClassifier) -> bool:
    """Build the summary unless it was built with this classifier; True when it built."""
    conn.executescript(SUMMARY_SCHEMA)
    if _meta(conn, _FINGERPRINT_KEY) == _fingerprint(classifier):
        return False
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        # Another process may have built it while this one waited for the lock.
        if _meta(conn, _FINGERPRINT_KEY) == _fingerprint(classifier):
            return False
        _build(conn, classifier)
    return True


def build_summary(conn: sqlite3.Connection, classifier: StatusClassifier) -> None:
    """(Re)build the summary from the cases and events, in bulk SQL, in one transaction."""
    conn.executescript(SUMMARY_SCHEMA)
    with conn:
        _build(conn, classifier)


def _build(conn: sqlite3.Connection, classifier: StatusClassifier) -> None:
    conn.create_function("caseline_bdays", 2, _bdays, deterministic=True)
    conn.execute("DELETE FROM stat_done")
    conn.execute("DELETE FROM stat_open")
    conn.execute("DROP TABLE IF EXISTS temp.code_class")
    conn.execute("CREATE TEMP TABLE code_class (case_type TEXT, code TEXT, completes INTEGER,"
                 " milestone TEXT, PRIMARY KEY (case_type, code)) WITHOUT ROWID")
    # Codes × case types is small (hundreds × tens); classifying it in Python once lets every
    # per-case step below stay in SQL.
    codes = [row[0] for row in conn.execute("SELECT DISTINCT code FROM events")]
    types = [row[0] for row in conn.execute("SELECT DISTINCT case_type FROM cases")]
    conn.executemany("INSERT INTO code_class VALUES (?, ?, ?, ?)", [
        (t, c, int(k.completes), k.milestone)
        for t in types for c in codes for k in (classifier.classify(t, c),)])
    # Per case: its receipt (first event), its first completing event, its current status.
    conn.execute("DROP TABLE IF EXISTS temp.case_state")
    conn.execute(f"""
        CREATE TEMP TABLE case_state AS
        SELECT c.case_type AS case_type, c.office AS office,
               (SELECT MIN(e.occurred_at) FROM events e WHERE e.case_number = c.number)
                   / 86400 + {_EPOCH_ORDINAL} AS opened_day,
               (SELECT e.occurred_at FROM events e JOIN code_class k
                    ON k.case_type = c.case_type AND k.code = e.code
                WHERE e.case_number = c.number AND k.completes = 1
                ORDER BY e.id LIMIT 1) AS done_at,
               k.completes AS now_completes, k.milestone AS now_milestone
        FROM cases c
        JOIN events last ON last.id = c.last_event_id
        JOIN code_class k ON k.case_type = c.case_type AND k.code = last.code""")
    conn.execute(f"""
        INSERT INTO stat_done
        SELECT case_type, month, office, done_day - opened_day,
               caseline_bdays(opened_day, done_day), COUNT(*)
        FROM (SELECT case_type, office, opened_day,
                     done_at / 86400 + {_EPOCH_ORDINAL} AS done_day,
                     strftime('%Y-%m', done_at, 'unixepoch') AS month
              FROM case_state WHERE done_at IS NOT NULL)
        GROUP BY 1, 2, 3, 4, 5""")
    conn.execute("""
        INSERT INTO stat_open
        SELECT case_type, office, now_milestone, opened_day, COUNT(*)
        FROM case_state WHERE now_completes = 0
        GROUP BY 1, 2, 3, 4""")
    conn.execute("DROP TABLE temp.case_state")
    conn.execute("DROP TABLE temp.code_class")
    conn.execute("INSERT INTO stat_version SELECT DISTINCT case_type, 1 FROM cases WHERE true"
                 " ON CONFLICT DO UPDATE SET version = version + 1")
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                 (_FINGERPRINT_KEY, _fingerprint(classifier)))


def _bump(conn: sqlite3.Connection, table: str, key: tuple[object, ...], by: int) -> None:
    columns = ("case_type, month, office, days, bdays" if table == "stat_done"
               else "case_type, office, milestone, opened_day")
    conn.execute(f"INSERT INTO {table} ({columns}, n) VALUES ({', '.join('?' * len(key))}, ?)"
                 f" ON CONFLICT DO UPDATE SET n = n + excluded.n", (*key, by))
    if by < 0:
        conn.execute(f"DELETE FROM {table} WHERE n <= 0")


def apply_event(conn: sqlite3.Connection, classifier: StatusClassifier, number: str,
                event_id: int) -> None:
    """Update the summary for event ``event_id`` just appended to case ``number`` (the
    case's newest). Runs inside the caller's write transaction; reads the case's few events
    through their index."""
    case = conn.execute("SELECT case_type, office FROM cases WHERE number = ?",
                        (number,)).fetchone()
    if case is None:
        return
    case_type, office = str(case[0]), str(case[1])
    events = conn.execute("SELECT id, occurred_at, code FROM events WHERE case_number = ?"
                          " ORDER BY id", (number,)).fetchall()
    before = [e for e in events if e[0] != event_id]
    new = next((e for e in events if e[0] == event_id), None)
    if new is None:
        return
    opened_day = min(int(e[1]) for e in events) // 86400 + _EPOCH_ORDINAL
    opened_before = (min(int(e[1]) for e in before) // 86400 + _EPOCH_ORDINAL
                     if before else opened_day)
    classes = {e[0]: classifier.classify(case_type, str(e[2])) for e in events}
    if before:
        last = classes[before[-1][0]]
        if not last.completes:
            _bump(conn, "stat_open", (case_type, office, last.milestone, opened_before), -1)
    now = classes[event_id]
    if not now.completes:
        _bump(conn, "stat_open", (case_type, office, now.milestone, opened_day), 1)
    elif not any(classes[e[0]].completes for e in before):
        done_day = int(new[1]) // 86400 + _EPOCH_ORDINAL
        month = date.fromordinal(done_day).strftime("%Y-%m")
        _bump(conn, "stat_done", (case_type, month, office, done_day - opened_day,
                                  _bdays(opened_day, done_day)), 1)
    conn.execute("INSERT INTO stat_version VALUES (?, 1) ON CONFLICT DO UPDATE"
                 " SET version = version + 1", (case_type,))


def summary_version(conn: sqlite3.Connection, case_type: str) -> int:
    """A number that changes whenever ``case_type``'s summary does."""
    row = conn.execute("SELECT version FROM stat_version WHERE case_type = ?",
                       (case_type,)).fetchone()
    return 0 if row is None else int(row[0])


def read_aggregates(conn: sqlite3.Connection, case_type: str, months: Sequence[str],
                    office: str | None, today: date) -> ProcessingAggregates:
    """The cells of ``case_type`` for ``months`` (consecutive, oldest first) and ``office``
    (None: all), pending ages as of ``today``. Two index range scans."""
    where, params = "", []
    if office is not None:
        where, params = " AND office = ?", [office]
    done: dict[tuple[str, str], list[tuple[int, int, int]]] = {}
    for month, at, days, bdays, n in conn.execute(
            "SELECT month, office, days, bdays, n FROM stat_done WHERE case_type = ? AND"
            f" month BETWEEN ? AND ?{where}", [case_type, months[0], months[-1], *params]):
        done.setdefault((at, month), []).append((days, bdays, n))
    pending: dict[tuple[str, str], list[tuple[int, int]]] = {}
    today_ordinal = today.toordinal()
    for at, milestone, opened_day, n in conn.execute(
            "SELECT office, milestone, opened_day, n FROM stat_open WHERE case_type = ?"
            f"{where}", [case_type, *params]):
        pending.setdefault((at, milestone), []).append((max(0, today_ordinal - opened_day), n))
    return ProcessingAggregates(
        completions=tuple(CompletionCell(at, month, tuple(h))
                          for (at, month), h in sorted(done.items())),
        pending=tuple(PendingCell(at, milestone, tuple(h))
                      for (at, milestone), h in sorted(pending.items())))
