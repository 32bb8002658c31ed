"""The demo's activity: only steps the agencies' own processes take, ana's open action never
moved, the same moves for the same seed, and a running task recording into a demo store."""

from __future__ import annotations

import asyncio
import io
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from adapters.reference.catalog import REFERENCE_AGENCIES
from adapters.reference.demo_store import DemoStore
from adapters.reference.progressions import for_agency
from adapters.reference.recording import Recorded
from adapters.reference.seed import generated_cases
from deploy.demo.activity import Activity, CaseNow, is_held, next_status, run_activity
from deploy.demo.seeding import ensure_demo_data
from deploy.demo.state import DemoState

NOW = datetime.now(UTC).replace(microsecond=0)
ANA_OPEN_ACTIONS = {("immigration", "IOE0990000001"), ("courts", "A201555123")}


def _state(root: Path) -> DemoState:
    """A seeded demo (personas + 30 generated cases per agency) as of yesterday."""
    state = DemoState(root)
    ensure_demo_data(state, cases=30, seed=5, today=date.today() - timedelta(days=1),
                     stream=io.StringIO())
    return state


def _history(state: DemoState, agency: str) -> dict[str, list[str]]:
    """Every case's codes in order."""
    store = DemoStore(state.store(agency))
    codes: dict[str, list[str]] = {}
    for change in store.changes_since(0, 1_000_000):
        codes.setdefault(change.case_number, []).append(change.event.code)
    return codes


@pytest.mark.parametrize("agency", REFERENCE_AGENCIES)
def test_every_move_is_a_step_the_agencys_process_takes(agency: str) -> None:
    """From any state a generated case reaches, the chosen code is one of its successors."""
    progressions = for_agency(agency)
    rng = random.Random(1)
    moved = 0
    for case in generated_cases(agency, 300, seed=3, today=date(2026, 6, 1)):
        for event in case.events:
            now = CaseNow(case.number, case.case_type, event.code, event.occurred_at, False,
                          None)
            code = next_status(progressions, now, rng, NOW)
            allowed = {c for c, _ in progressions.successors(case.case_type, event.code)}
            assert code in allowed if code is not None else not allowed
            moved += code is not None
    assert moved > 300


def test_a_case_at_the_end_of_its_process_stays() -> None:
    """An approved I-140 makes no cards: another form's steps are not borrowed."""
    case = CaseNow("IOE0990000011", "I-140", "Case Was Approved", NOW - timedelta(days=9),
                   False, None, "raj")
    assert next_status(for_agency("immigration"), case, random.Random(0), NOW) is None


def test_a_persona_case_holding_an_open_action_is_never_moved() -> None:
    """Ana's request for evidence, with its due date, stays whatever the draw."""
    case = CaseNow("IOE0990000001", "I-765", "Request for Evidence Was Sent",
                   NOW - timedelta(days=20), True, date.today() + timedelta(days=67), "ana")
    assert is_held(case)
    progressions = for_agency("immigration")
    assert all(next_status(progressions, case, random.Random(seed), NOW) is None
               for seed in range(50))
    # The same step on a generated case moves on: it is the persona's action that holds it.
    generated = CaseNow("IOE2600000001", "I-765", case.code, case.at, True, case.due)
    assert next_status(progressions, generated, random.Random(0), NOW) == (
        "Response To USCIS' Request For Evidence Was Received")


def test_an_event_dated_after_now_is_not_followed() -> None:
    """A case whose last event is later than now waits (events are recorded in order)."""
    case = CaseNow("IOE2600000001", "I-130", "Case Was Received", NOW + timedelta(hours=2),
                   False, None)
    assert next_status(for_agency("immigration"), case, random.Random(0), NOW) is None


def test_the_same_seed_draws_the_same_moves() -> None:
    """Choosing is a plain function of the seeded generator."""
    progressions = for_agency("labor")
    cases = [CaseNow(c.number, c.case_type, c.events[0].code, c.events[0].occurred_at, False,
                     None) for c in generated_cases("labor", 50, seed=3, today=date(2026, 6, 1))]

    def draws(seed: int) -> list[str | None]:
        rng = random.Random(seed)
        return [next_status(progressions, case, rng, NOW) for case in cases]

    assert draws(8) == draws(8)
    assert draws(8) != draws(9)


def test_activity_steps_keep_anas_open_actions_and_are_deterministic(tmp_path: Path) -> None:
    """Sixty moves per agency on two identical demos with one seed: the same moves, the
    personas' cases among them, and ana's open actions untouched."""
    first, second = _state(tmp_path / "a"), _state(tmp_path / "b")
    before = {agency: _history(first, agency) for agency in REFERENCE_AGENCIES}
    runs = []
    for state in (first, second):
        activity = Activity(state, seed=11, clock=lambda: NOW)
        runs.append([(r.agency, r.number, r.code) if r else None
                     for _ in range(60) for agency in REFERENCE_AGENCIES
                     for r in [activity.step(agency)]])
    assert runs[0] == runs[1]
    moves = [move for move in runs[0] if move is not None]
    assert len(moves) > 100
    personas = {n for cases in Activity(first, seed=0).personas.values() for n, _ in cases}
    assert {number for _, number, _ in moves} & personas
    for agency, number in ANA_OPEN_ACTIONS:
        assert (agency, number) not in {(a, n) for a, n, _ in moves}
        assert _history(first, agency)[number] == before[agency][number]
        now = Activity(first, seed=0).case_now(agency, number, "ana")
        assert now is not None and now.action_required and now.due is not None


async def test_the_running_activity_records_into_the_demo_store(tmp_path: Path) -> None:
    """The task records moves through the stores as the command does; each follows the
    case's previous status by a step of its agency's process."""
    state = _state(tmp_path)
    recorded: list[Recorded] = []
    enough = asyncio.Event()

    def seen(move: Recorded) -> None:
        recorded.append(move)
        if len(recorded) >= 6:
            enough.set()

    task = asyncio.create_task(run_activity(Activity(state, seed=4), 600, seen))
    try:
        await enough.wait()
    finally:
        task.cancel()
    for move in recorded:
        store = DemoStore(state.store(move.agency))
        case = store.find_cases([move.number], with_history=True)[move.number]
        events = list(case.events)
        index = next(i for i, e in enumerate(events) if e.event_id == str(move.cursor))
        assert events[index].code == move.code
        previous = events[index - 1]
        allowed = {c for c, _ in for_agency(move.agency).successors(case.case_type,
                                                                    previous.code)}
        assert move.code in allowed
