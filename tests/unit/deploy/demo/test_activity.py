"""The demo's activity: only steps the agencies' own processes take, ana's open action never
moved, the same moves for the same seed, and a running task recording into a demo store."""

from __future__ import annotations

import asyncio
import io
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from adapters.reference.catalog import REFERENCE_AGENCIES, profile
from adapters.reference.demo_store import DemoStore
from adapters.reference.progressions import for_agency
from adapters.reference.recording import Recorded
from adapters.reference.seed import generated_cases
from adapters.sdk.mapping import MappingTable
from deploy.demo.activity import (
    Activity,
    CaseNow,
    activity_setting,
    broken_story_lines,
    is_held,
    meaning_under,
    next_status,
    run_activity,
)
from deploy.demo.seeding import ensure_demo_data
from deploy.demo.state import DemoState
from deploy.demo.story import OPEN, StoryRule, breaks_story, story_rule

NOW = datetime.now(UTC).replace(microsecond=0)


def _state(root: Path) -> DemoState:
    """A seeded demo (personas + 30 generated cases per agency) as of yesterday."""
    state = DemoState(root)
    ensure_demo_data(state, cases=30, seed=5, today=date.today() - timedelta(days=1),
                     stream=io.StringIO())
    return state


def _rule(agency: str, case: CaseNow) -> StoryRule:
    """The story rule for a persona case, as the activity builds it."""
    program = profile(agency).program_for(case.case_type, case.number)
    meaning = meaning_under(MappingTable.load(profile(agency).mapping_path), program)
    return story_rule(for_agency(agency), case.case_type, meaning)


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
    assert next_status(for_agency("immigration"), case, random.Random(0), NOW, [case],
                       _rule("immigration", case)) is None


RFE = CaseNow("IOE0990000001", "I-765", "Request for Evidence Was Sent",
              NOW - timedelta(days=20), True, date.today() + timedelta(days=67), "ana")
HEARING = CaseNow("A201555123", "REMOVAL", "INDIVIDUAL HEARING SCHEDULED",
                  NOW - timedelta(days=90), True, date.today() + timedelta(days=45), "ana")
I130 = CaseNow("IOE0990000002", "I-130", "Case Is Being Actively Reviewed By USCIS",
               NOW - timedelta(days=35), False, None, "ana")


def test_a_personas_last_open_action_is_never_moved() -> None:
    """Ana's request for evidence, when her only open action, stays whatever the draw."""
    assert is_held(RFE, [RFE, I130])
    progressions = for_agency("immigration")
    rule = _rule("immigration", RFE)
    assert all(next_status(progressions, RFE, random.Random(seed), NOW, [RFE, I130],
                           rule) is None for seed in range(50))
    # The same step on a generated case moves on: it is the persona's action that holds it.
    generated = CaseNow("IOE2600000001", "I-765", RFE.code, RFE.at, True, RFE.due)
    assert next_status(progressions, generated, random.Random(0), NOW) == (
        "Response To USCIS' Request For Evidence Was Received")


def test_an_open_action_may_move_while_another_stays_open() -> None:
    """With her hearing still ahead, ana's RFE may be answered; the hearing then holds."""
    progressions = for_agency("immigration")
    assert not is_held(RFE, [RFE, HEARING, I130])
    assert next_status(progressions, RFE, random.Random(0), NOW, [RFE, HEARING, I130],
                       _rule("immigration", RFE)) == (
        "Response To USCIS' Request For Evidence Was Received")
    answered = CaseNow(RFE.number, RFE.case_type, "Response To USCIS' Request For Evidence "
                       "Was Received", NOW, False, None, "ana")
    assert is_held(HEARING, [answered, HEARING, I130])
    # Another persona's open actions do not count for ana.
    assert is_held(RFE, [RFE, CaseNow("X", "I-485", "Interview Was Scheduled", NOW, True,
                                      date.today(), "raj")])


def test_raj_s_only_open_action_may_move() -> None:
    """Raj's story asks for no open action: his interview, his only one, is held and moves on
    (only ana's last open action is kept)."""
    interview = CaseNow("IOE0990000012", "I-485", "Interview Was Scheduled",
                        NOW - timedelta(days=10), True, date.today() + timedelta(days=25), "raj")
    assert not is_held(interview, [interview])
    assert next_status(for_agency("immigration"), interview, random.Random(0), NOW,
                       [interview], _rule("immigration", interview)) == (
        "Interview Was Completed And My Case Must Be Reviewed")


def test_an_event_dated_after_now_is_not_followed() -> None:
    """A case whose last event is later than now waits (events are recorded in order)."""
    case = CaseNow("IOE2600000001", "I-130", "Case Was Received", NOW + timedelta(hours=2),
                   False, None)
    assert next_status(for_agency("immigration"), case, random.Random(0), NOW, [case],
                       _rule("immigration", case)) is None


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


def _ana_keeps_an_open_action(activity: Activity) -> bool:
    return any(case.action_required and case.due is not None
               for case in activity.persona_cases("ana"))


def test_activity_steps_keep_an_open_action_for_ana_and_are_deterministic(
        tmp_path: Path) -> None:
    """Sixty moves per agency on two identical demos with one seed: the same moves, the
    personas' cases among them, and after every move ana still has an open action."""
    first, second = _state(tmp_path / "a"), _state(tmp_path / "b")
    runs: list[list[tuple[str, str, str] | None]] = []
    for state in (first, second):
        activity = Activity(state, seed=11, clock=lambda: NOW)
        moves: list[tuple[str, str, str] | None] = []
        for _ in range(60):
            for agency in REFERENCE_AGENCIES:
                recorded = activity.step(agency)
                moves.append((recorded.agency, recorded.number, recorded.code)
                             if recorded else None)
                assert _ana_keeps_an_open_action(activity)
        runs.append(moves)
    assert runs[0] == runs[1]
    made = [move for move in runs[0] if move is not None]
    assert len(made) > 100
    activity = Activity(first, seed=0)
    ana = {number for _, cases in activity.personas.items() for number, who in cases
           if who == "ana"}
    assert {number for _, number, _ in made} & ana


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


def test_running_activity_keeps_every_personas_story(tmp_path: Path) -> None:
    """Two hundred moves at each agency with the personas' turn every third: the personas'
    cases move (ana's and raj's open ones loop on), none takes a story-breaking or deciding
    step, raj's PERM stays CERTIFIED, and ana keeps an open action throughout."""
    state = _state(tmp_path)
    activity = Activity(state, seed=7, clock=lambda: NOW)
    seeded = {number: len(codes) for agency in REFERENCE_AGENCIES
              for number, codes in _history(state, agency).items()}
    persona_moves: dict[str, int] = {}
    for _ in range(200):
        for agency in REFERENCE_AGENCIES:
            recorded = activity.step(agency)
            persona = activity.persona_of(recorded.number) if recorded else ""
            if persona:
                persona_moves[persona] = persona_moves.get(persona, 0) + 1
            assert _ana_keeps_an_open_action(activity)
    assert persona_moves.get("ana", 0) > 60 and persona_moves.get("raj", 0) > 5, persona_moves
    for agency, cases in activity.personas.items():
        codes = _history(state, agency)
        for number, persona in cases:
            case = activity.case_now(agency, number, persona)
            assert case is not None
            rule = activity.rule_for(agency, case)
            start = rule.meaning(codes[number][seeded[number] - 1])[0]
            for code in codes[number][seeded[number]:]:
                category, milestone = rule.meaning(code)
                assert not breaks_story((category, milestone)), (number, code)
                assert category in OPEN if start in OPEN else category == start
    perm = next(case for case in activity.persona_cases("raj") if case.case_type == "PERM")
    assert perm.code == "CERTIFIED"
    assert activity.broken_stories() == []


def test_a_story_broken_before_is_left_and_reported(tmp_path: Path) -> None:
    """A PERM expired by hand (or by an older activity) stays expired, never moves, and the
    demo says so with the way back (reseed by removing demo.json)."""
    state = _state(tmp_path)
    activity = Activity(state, seed=3, clock=lambda: NOW)
    perm = next(case for case in activity.persona_cases("raj") if case.case_type == "PERM")
    activity.recorder.record("labor", perm.number, "CERTIFIED - EXPIRED", at=NOW)
    broken = activity.broken_stories()
    assert [(agency, persona, case.code) for agency, persona, case in broken] == [
        ("labor", "raj", "CERTIFIED - EXPIRED")]
    lines = broken_story_lines(broken, str(state.manifest))
    assert lines == [
        f"Activity: raj's PERM {perm.number} at labor is 'CERTIFIED - EXPIRED' (CLOSED); the "
        "activity leaves it as it is",
        f"Activity: to start the personas' stories afresh, stop the demo, remove "
        f"{state.manifest} (the agencies' stores are then seeded again) and start it"]
    for _ in range(30):
        activity.step("labor")
    assert _history(state, "labor")[perm.number][-1] == "CERTIFIED - EXPIRED"


def test_ana_s_asylum_application_heard_in_court_stays_and_is_no_broken_story(
        tmp_path: Path) -> None:
    """Her I-589 was referred to the court (USCIS shows it sent there, a step that would break
    another story): its agency ties it HEARD_IN her removal case, so the activity never moves
    it and does not report it at start; the removal case may still move."""
    state = _state(tmp_path)
    activity = Activity(state, seed=11, clock=lambda: NOW)
    i589 = activity.case_now("immigration", "IOE0990000003", "ana")
    assert i589 is not None and i589.heard_elsewhere
    assert i589.code == "Case Was Sent To The Executive Office of Immigration Review"
    assert breaks_story(activity.rule_for("immigration", i589).meaning(i589.code))
    assert next_status(for_agency("immigration"), i589, random.Random(1), NOW,
                       activity.persona_cases("ana"),
                       activity.rule_for("immigration", i589)) is None
    removal = activity.case_now("courts", "A201555123", "ana")
    assert removal is not None and not removal.heard_elsewhere
    assert activity.broken_stories() == []
    for _ in range(60):
        activity.step("immigration")
    assert _history(state, "immigration")["IOE0990000003"][-1] == i589.code


def test_a_persona_case_needs_its_rule() -> None:
    """next_status refuses to move a persona's case without its story rule."""
    with pytest.raises(ValueError, match="needs its story rule"):
        next_status(for_agency("immigration"), I130, random.Random(0), NOW, [I130, RFE])


@pytest.mark.parametrize(("flag", "rate", "expected"), [
    (False, None, (False, 3.0)), (True, None, (True, 3.0)), (False, 12.0, (True, 12.0)),
    (True, 0.5, (True, 0.5))])
def test_a_rate_alone_implies_the_activity(flag: bool, rate: float | None,
                                           expected: tuple[bool, float]) -> None:
    """--activity-rate without --activity turns the activity on at that rate."""
    assert activity_setting(flag, rate) == expected


def test_the_demo_help_says_a_rate_implies_the_activity() -> None:
    """The choice is documented where the option is."""
    from click.testing import CliRunner

    from deploy.cli import main

    result = CliRunner().invoke(main, ["demo", "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "implies --activity" in " ".join(result.output.split())
