"""The demo store's statistics summary against a brute force over its cases, after seeding,
after appended events, and on opening a store seeded before it existed."""

from __future__ import annotations

import sqlite3
import tempfile
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.reference.demo_store import DemoStore, DemoStoreWriter, reference_classifier
from adapters.sdk.records import CaseRecord, EventRecord
from adapters.sdk.statistics import BUSINESS_DAYS_CAP, ProcessingAggregates
from adapters.sdk.statistics_request import months_between
from caseline.v1.lib.business_days import business_days_between

TODAY = date(2026, 11, 30)
# Events may fall after TODAY (generated gaps): every month they can reach.
MONTHS = months_between("2024-01", "2028-06")
# Immigration codes: open ones at several milestones, and completing ones.
OPEN = ("Case Was Received", "Case Is Being Actively Reviewed", "Request for Evidence Was Sent")
DONE = ("Case Was Approved", "Case Was Denied")
CODES = OPEN + DONE
OFFICES = ("Potomac Service Center", "National Benefits Center")
TYPES = ("I-130", "I-765")

_case = st.tuples(st.sampled_from(TYPES), st.sampled_from(OFFICES), st.integers(0, 900),
                  st.lists(st.tuples(st.integers(0, 120), st.sampled_from(CODES)),
                           min_size=0, max_size=4))


def _record(i: int, raw: tuple[str, str, int, list[tuple[int, str]]]) -> CaseRecord:
    case_type, office, age, steps = raw
    at = datetime.combine(TODAY - timedelta(days=age), datetime.min.time(), UTC)
    at += timedelta(hours=13)
    events = [EventRecord(at, "Case Was Received", "received", office=office)]
    for gap, code in steps:
        at += timedelta(days=gap)
        events.append(EventRecord(at, code, code, office=office))
    return CaseRecord(f"IOE09{i:08d}", case_type, office, f"s{i}", "CODE", tuple(events))


def _seed(path: Path, cases: list[CaseRecord]) -> None:
    writer = DemoStoreWriter(path)
    writer.add_cases(cases)
    writer.set_meta("agency", "immigration")
    writer.finish()


def _brute(cases: list[CaseRecord]) -> tuple[Counter[tuple[object, ...]],
                                            Counter[tuple[object, ...]]]:
    """Every case read whole: (type, office, month, days, business days) of completions and
    (type, office, milestone, age) of open cases."""
    classifier = reference_classifier("immigration")
    assert classifier is not None
    done: Counter[tuple[object, ...]] = Counter()
    pending: Counter[tuple[object, ...]] = Counter()
    for case in cases:
        opened = min(e.occurred_at for e in case.events).date()
        classes = [classifier.classify(case.case_type, e.code) for e in case.events]
        first = next((e for e, c in zip(case.events, classes, strict=True) if c.completes),
                     None)
        if first is not None:
            day = first.occurred_at.date()
            done[(case.case_type, case.office, day.strftime("%Y-%m"), (day - opened).days,
                  min(BUSINESS_DAYS_CAP,
                      business_days_between(opened.toordinal(), day.toordinal())))] += 1
        if not classes[-1].completes:
            pending[(case.case_type, case.office, classes[-1].milestone,
                     (TODAY - opened).days)] += 1
    return done, pending


def _fast(store: DemoStore) -> tuple[Counter[tuple[object, ...]],
                                     Counter[tuple[object, ...]]]:
    done: Counter[tuple[object, ...]] = Counter()
    pending: Counter[tuple[object, ...]] = Counter()
    for case_type in TYPES:
        aggregates: ProcessingAggregates = store.processing_aggregates(
            case_type, MONTHS, None, TODAY)
        for cell in aggregates.completions:
            for days, business, n in cell.histogram:
                done[(case_type, cell.office, cell.month, days, business)] += n
        for p in aggregates.pending:
            for age, n in p.ages:
                pending[(case_type, p.office, p.milestone, age)] += n
    return done, pending


@settings(max_examples=25, deadline=None)
@given(st.lists(_case, max_size=40), st.lists(st.tuples(st.integers(0, 39),
                                                        st.sampled_from(CODES)), max_size=8))
def test_summary_equals_brute_force_after_seeding_and_appends(
        raw: list[tuple[str, str, int, list[tuple[int, str]]]],
        appends: list[tuple[int, str]]) -> None:
    """Seeded in bulk SQL, then events appended one by one: the summary always equals
    reading every case."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "immigration.sqlite3"
        cases = [_record(i, r) for i, r in enumerate(raw)]
        _seed(path, cases)
        store = DemoStore(path)
        assert _fast(store) == _brute(cases)
        at = datetime.combine(TODAY, datetime.min.time(), UTC) + timedelta(hours=20)
        for which, code in appends:
            if not cases:
                break
            case = cases[which % len(cases)]
            event = EventRecord(at, code, code, office=case.office)
            store.append_event(case.number, event)
            cases[which % len(cases)] = CaseRecord(
                case.number, case.case_type, case.office, case.subject_ref, "",
                (*case.events, event))
        assert _fast(store) == _brute(cases)
        assert _fast(DemoStore(path)) == _brute(cases)  # reopening does not rebuild wrongly


def test_a_store_seeded_before_statistics_gets_its_summary_once(tmp_path: Path) -> None:
    path = tmp_path / "immigration.sqlite3"
    cases = [_record(i, ("I-130", OFFICES[i % 2], 200 + i, [(30 + i, "Case Was Approved")]))
             for i in range(12)]
    _seed(path, cases)
    with sqlite3.connect(path) as conn:  # as an older version left it
        conn.executescript("DROP TABLE stat_done; DROP TABLE stat_open; DROP TABLE stat_version;"
                           " DELETE FROM meta WHERE key = 'statistics_fingerprint';")
    first = DemoStore(path)
    assert _fast(first) == _brute(cases)
    version = first.statistics_version("I-130")
    assert DemoStore(path).statistics_version("I-130") == version  # not built again
    first.append_event(cases[0].number, EventRecord(
        datetime(2026, 11, 30, 18, tzinfo=UTC), "Case Was Received", "again"))
    assert first.statistics_version("I-130") != version
