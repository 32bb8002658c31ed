"""`caseline demo --activity`: the demo's agencies move a few cases every minute, the
personas' among them, so that notifications and live pages have something to show.

Each move is a step the agency's own generator takes from where the case is
(adapters/reference/progressions.py), drawn with a seeded random generator, and is recorded
exactly as `caseline adapter record-event` records it (deploy/commands/record_event.py);
the adapters stream it like any other change.

What the acceptance operations rely on stays true: ana's case that holds her last open action
(an action required with a due date: her request for evidence or her individual hearing) is
never moved, so she always keeps one (raj's story asks for none: his interview may be held and
another set later); and a persona's case only takes
steps that keep the persona's story (deploy/demo/story.py: never denied, withdrawn, expired,
closed or sent to another agency, never decided by the activity; raj's PERM stays CERTIFIED),
looping through realistic repeats (reviewed again, a new notice, a hearing rescheduled) when
its process has nothing else to offer. A persona's case that its agency says is heard in
another case (ana's asylum application, referred to the court that hears it in her removal
case) has moved on to that case: it is left as it is, and is not a broken story.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from adapters.reference.catalog import REFERENCE_AGENCIES, profile
from adapters.reference.progressions import Progressions, for_agency
from adapters.reference.recording import Recorded, RecordError
from adapters.sdk.mapping import MappingTable
from adapters.sdk.resolution import resolve
from deploy.commands.record_event import DemoRecorder
from deploy.demo.sample_numbers import demo_numbers
from deploy.demo.state import DemoState
from deploy.demo.story import Meaning, PersonaCase, StoryRule, breaks_story, story_rule

__all__ = [
    "DEFAULT_RATE",
    "KEEP_OPEN_ACTION",
    "MAX_RATE",
    "Activity",
    "CaseNow",
    "activity_line",
    "activity_setting",
    "broken_story_lines",
    "holds_open_action",
    "is_held",
    "meaning_under",
    "next_status",
    "run_activity",
    "start_activity",
]

log = logging.getLogger("caseline.demo.activity")

DEFAULT_RATE = 3.0  # moves per minute at each agency
MAX_RATE = 600.0
# Every PERSONA_TURN-th move at an agency tries the personas' cases first.
PERSONA_TURN = 3
# Generated cases probed per move before giving up until the next one (most are movable).
PROBES = 20
# Personas whose story (shared/acceptance/README.md) has a case with an action required and a
# due date: their last such case is never moved.
KEEP_OPEN_ACTION = frozenset({"ana"})


@dataclass(frozen=True, slots=True)
class CaseNow:
    """Where a case stands: its latest event, as the chooser needs it."""

    number: str
    case_type: str
    code: str
    at: datetime
    action_required: bool
    due: date | None
    persona: str = ""  # whose case it is in the demo, "" for a generated case
    history: tuple[str, ...] = ()  # earlier codes, oldest first (read for personas' cases)
    category: str = ""  # the current code's shared category ("" when not read)
    # Its agency ties it HEARD_IN another case (read for personas' cases): that case goes on.
    heard_elsewhere: bool = False


def holds_open_action(case: CaseNow) -> bool:
    """Whether the case's current status asks for an action by a due date."""
    return case.action_required and case.due is not None


def is_held(case: CaseNow, persona_cases: Sequence[CaseNow] = ()) -> bool:
    """Whether the activity must leave the case as it is: the case holding the last open
    action (an action required with a due date: what the acceptance operations show for ana)
    of a persona in :data:`KEEP_OPEN_ACTION`, given all of that persona's cases. A generated
    case, another persona's, or one while another of theirs holds an open action, may move."""
    if case.persona not in KEEP_OPEN_ACTION or not holds_open_action(case):
        return False
    return not any(holds_open_action(other) for other in persona_cases
                   if other.number != case.number and other.persona == case.persona)


def next_status(progressions: Progressions, case: CaseNow, rng: random.Random,
                now: datetime, persona_cases: Sequence[CaseNow] = (),
                rule: StoryRule | None = None) -> str | None:
    """The code to move ``case`` to, drawn by ``rng``: for a generated case a step its
    agency's process takes from where it is; for a persona's case one that keeps the
    persona's story, ``rule`` (for its type and program, required) deciding
    (deploy/demo/story.py). None when the case is held (:func:`is_held`, given the persona's
    cases at every agency), is heard in another case, has no such step, or its latest event
    is dated after ``now``
    (events are recorded in order)."""
    if is_held(case, persona_cases) or case.heard_elsewhere or case.at > now:
        return None
    if not case.persona:
        return progressions.choose_next(case.case_type, case.code, rng)
    if rule is None:
        raise ValueError(f"{case.persona}'s case {case.number} needs its story rule to move")
    return rule.choose(PersonaCase(case.case_type, case.code, case.history), rng)


def meaning_under(table: MappingTable, program: str | None) -> Meaning:
    """Each code's (category, milestone) at ``table``'s agency for cases under ``program``
    (UNSPECIFIED for a code the table does not know), resolved once per code."""
    known: dict[str, tuple[str, str]] = {}

    def meaning(code: str) -> tuple[str, str]:
        if code not in known:
            mapped = resolve(table, code, program).status(code)
            known[code] = (mapped.category, mapped.milestone)
        return known[code]

    return meaning


def broken_story_lines(broken: Sequence[tuple[str, str, CaseNow]],
                       manifest: str) -> list[str]:
    """What the demo says at start about persona cases whose story is already broken in its
    state directory, and how to get them back."""
    if not broken:
        return []
    lines = [f"Activity: {persona}'s {case.case_type} {case.number} at {agency} is "
             f"{case.code!r} ({case.category}); the activity leaves it as it is"
             for agency, persona, case in broken]
    return [*lines, f"Activity: to start the personas' stories afresh, stop the demo, remove "
                    f"{manifest} (the agencies' stores are then seeded again) and start it"]


def activity_setting(flag: bool, rate: float | None) -> tuple[bool, float]:
    """Whether the demo runs activity, and at what rate, from ``--activity`` and
    ``--activity-rate``: a rate given alone implies the activity (asking for a rate is asking
    for moves); no rate means :data:`DEFAULT_RATE`."""
    return flag or rate is not None, DEFAULT_RATE if rate is None else rate


def activity_line(rate: float) -> str:
    """The banner's line when activity is on."""
    return (f"  Activity            on: about {rate:g} case moves per minute at each agency, "
            "the personas' included (their stories stay open; ana's open action stays)")


class Activity:
    """Moves cases in the demo stores under ``state``; :meth:`step` makes one move."""

    def __init__(self, state: DemoState, seed: int,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 agencies: Sequence[str] = REFERENCE_AGENCIES) -> None:
        self.recorder = DemoRecorder(state)
        self.rng = random.Random(f"activity:{seed}")
        self.clock = clock
        self.agencies = tuple(agencies)
        manifest = state.read_manifest()
        numbers = demo_numbers(manifest) if manifest else []
        self.personas = {agency: [(n.number, n.persona) for n in numbers
                                  if n.persona and n.agency == agency]
                         for agency in self.agencies}
        self._persona_numbers = {n for cases in self.personas.values() for n, _ in cases}
        self._turns = dict.fromkeys(self.agencies, 0)
        self._rules: dict[tuple[str, str, str | None], StoryRule] = {}

    def persona_of(self, number: str) -> str:
        """Whose demo case ``number`` is, or "" for a generated case."""
        return next((who for cases in self.personas.values() for n, who in cases
                     if n == number), "")

    def case_now(self, agency: str, number: str, persona: str = "") -> CaseNow | None:
        """Where case ``number`` stands (with its earlier codes for a persona's case), or None
        when the store lacks it or it has no event."""
        found = self.recorder.store(agency).find_cases([number], with_history=bool(persona))
        case = found.get(number)
        if case is None or not case.events:
            return None
        last = case.events[-1]
        program = profile(agency).program_for(case.case_type, case.number)
        mapped = resolve(self.recorder.table(agency), last.code, program).status(last.code)
        return CaseNow(case.number, case.case_type, last.code, last.occurred_at,
                       mapped.action_required, last.due_date, persona,
                       tuple(event.code for event in case.events[:-1]), mapped.category,
                       any(r.relation == "HEARD_IN" for r in case.related))

    def rule_for(self, agency: str, case: CaseNow) -> StoryRule:
        """The story rule for ``case``'s type and program at ``agency`` (built once)."""
        program = profile(agency).program_for(case.case_type, case.number)
        key = (agency, case.case_type, program)
        if key not in self._rules:
            meaning = meaning_under(self.recorder.table(agency), program)
            self._rules[key] = story_rule(for_agency(agency), case.case_type, meaning)
        return self._rules[key]

    def broken_stories(self) -> list[tuple[str, str, CaseNow]]:
        """(agency, persona, case) for each persona case whose current status already breaks
        its story: recorded by hand, or by an activity before this rule, in this state
        directory (a case heard in another one has moved on there, as its story says)."""
        broken = []
        for agency, cases in self.personas.items():
            for number, persona in cases:
                case = self.case_now(agency, number, persona)
                if case is not None and not case.heard_elsewhere and breaks_story(
                        self.rule_for(agency, case).meaning(case.code)):
                    broken.append((agency, persona, case))
        return broken

    def persona_cases(self, persona: str) -> list[CaseNow]:
        """Where each of ``persona``'s cases stands, at every agency."""
        found = (self.case_now(agency, number, who) for agency, cases in self.personas.items()
                 for number, who in cases if who == persona)
        return [case for case in found if case is not None]

    def _generated(self, agency: str) -> list[tuple[str, str]]:
        """A few generated cases picked at random (an event id, then its case: one probe)."""
        store = self.recorder.store(agency)
        latest = store.latest_cursor()
        picked: list[tuple[str, str]] = []
        for _ in range(PROBES if latest else 0):
            changes = store.changes_since(self.rng.randrange(latest), 1)
            if changes and changes[0].case_number not in self._persona_numbers:
                picked.append((changes[0].case_number, ""))
        return picked

    def step(self, agency: str) -> Recorded | None:
        """One move at ``agency``: a persona's case every PERSONA_TURN-th time (if one can
        move), else a generated one; None when no case picked could move."""
        self._turns[agency] += 1
        personas = list(self.personas.get(agency, ()))
        self.rng.shuffle(personas)
        order = (personas if self._turns[agency] % PERSONA_TURN == 1 else [])
        now = self.clock()
        for number, persona in [*order, *self._generated(agency)]:
            case = self.case_now(agency, number, persona)
            theirs = self.persona_cases(persona) if persona else []
            rule = self.rule_for(agency, case) if case and persona else None
            code = (next_status(for_agency(agency), case, self.rng, now, theirs, rule) if case
                    else None)
            if code is None:
                continue
            try:
                return self.recorder.record(agency, number, code,
                                            at=now.astimezone(UTC).replace(microsecond=0))
            except RecordError as exc:  # e.g. recorded meanwhile by someone else
                log.info("activity move skipped", extra={"agency": agency, "reason": str(exc)})
        return None


async def run_activity(activity: Activity, rate_per_minute: float,
                       on_recorded: Callable[[Recorded], None] = lambda _: None) -> None:
    """Every 60/rate seconds, one move at each agency, until cancelled. Store work runs in a
    thread: the demo's gateway serves on the same event loop."""
    if not 0 < rate_per_minute <= MAX_RATE:
        raise ValueError(f"activity rate {rate_per_minute:g} per minute is outside 0 to "
                         f"{MAX_RATE:g}")
    interval = 60.0 / rate_per_minute
    while True:
        await asyncio.sleep(interval)
        for agency in activity.agencies:
            try:
                recorded = await asyncio.to_thread(activity.step, agency)
            except Exception:  # a store locked or gone: the demo serves on, and says why
                log.exception("activity move failed", extra={"agency": agency})
                continue
            if recorded is not None:
                on_recorded(recorded)


def start_activity(state: DemoState, seed: int, rate_per_minute: float,
                   echo: Callable[[str], None]) -> asyncio.Task[None]:
    """The demo's activity as a task on the running loop; the personas' moves are told to
    ``echo`` (the others only move)."""
    activity = Activity(state, seed)
    for line in broken_story_lines(activity.broken_stories(), str(state.manifest)):
        echo(line)

    def told(recorded: Recorded) -> None:
        persona = activity.persona_of(recorded.number)
        if persona:
            echo(f"Activity ({persona}'s case): {recorded.describe()}")

    return asyncio.create_task(run_activity(activity, rate_per_minute, told),
                               name="demo activity")
