"""An agency records a status change in its own system of record (a reference demo store).

What `caseline adapter record-event` and the demo's activity both call: the status is the
agency's own code or title, resolved with its mapping table under the case's program (read
from the case's type or number), so what is stored is a code the adapter maps. The running
adapter's change stream (WatchChanges polls the store) then carries the new event.

Every input is checked before anything is written, with an error saying what was wrong and
what is expected (:class:`RecordError`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from adapters.reference.demo_store import DemoStore
from adapters.reference.progressions import Progressions
from adapters.reference.synthetic import long_date
from adapters.sdk.mapping import MappingEntry, MappingTable, normalize_key, same_meaning
from adapters.sdk.numbers import InvalidNumberError
from adapters.sdk.profile import AgencyProfile
from adapters.sdk.records import CaseRecord, EventRecord
from adapters.sdk.resolution import AMBIGUOUS, EXACT, VARIANT, resolve

__all__ = [
    "DEFAULT_ACTION_DAYS",
    "MAX_FUTURE",
    "RecordError",
    "Recorded",
    "parse_at",
    "parse_due",
    "record_event",
    "resolve_status",
]

MAX_STATUS_CHARS = 200  # the longest real title is about 110 characters
MAX_NUMBER_CHARS = 64
MAX_TIME_CHARS = 64
# A clock a little ahead of this machine's is not an error; an event dated later is.
MAX_FUTURE = timedelta(minutes=1)
# An action the generator never dates (none today) still gets a deadline to show.
DEFAULT_ACTION_DAYS = 30
_CANDIDATES = 5


class RecordError(ValueError):
    """The event cannot be recorded; the message says what was wrong and what is expected."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """What was recorded: the stored code, its mapped English title, and the change's cursor."""

    agency: str
    number: str
    code: str
    title: str
    at: datetime
    due: date | None
    cursor: int

    def describe(self) -> str:
        """One line for the operator."""
        due = f", due {self.due.isoformat()}" if self.due else ""
        return (f"recorded {self.agency} {self.number}: {self.code!r} ({self.title}) at "
                f"{self.at.isoformat()}{due}, cursor {self.cursor}")


def _in_scope(table: MappingTable, program: str | None) -> list[MappingEntry]:
    """The entries a case under ``program`` can take: its program's and program-less ones."""
    wanted = (program or "").upper()
    return [e for e in table.entries if not e.program or e.program.upper() == wanted]


def _where(agency: str, program: str | None) -> str:
    return f"{agency} ({program} cases)" if program else agency


def resolve_status(table: MappingTable, status: str, program: str | None) -> MappingEntry:
    """The table entry ``status`` names for a case under ``program``: the agency's code, a
    known wording or variant of it, or its mapped title in any language. RecordError naming
    the closest codes when it names none, or the candidates when it names several."""
    if len(status) > MAX_STATUS_CHARS:
        raise RecordError(f"STATUS is {len(status)} characters; an agency status is at most "
                          f"{MAX_STATUS_CHARS}")
    status = status.strip()
    if not status:
        raise RecordError("STATUS is empty; give the agency's status code or title")
    resolution = resolve(table, status, program)
    if resolution.entry is not None and resolution.match in (EXACT, VARIANT):
        return resolution.entry
    scope = _in_scope(table, program)
    key = normalize_key(status)
    titled = [e for e in scope if any(normalize_key(t.title) == key for t in e.texts)]
    if titled and all(same_meaning(titled[0], other) for other in titled[1:]):
        return titled[0]
    where = _where(table.agency, program)
    if resolution.match == AMBIGUOUS or titled:
        options = resolution.candidates or tuple(titled)
        names = ", ".join(f"{c.code!r} ({c.program or 'any program'})" for c in options)
        raise RecordError(f"STATUS {status!r} means different things at {where}: {names}; "
                          "give the case's own code")
    raise RecordError(_unknown_status(status, key, scope, where))


def _unknown_status(status: str, key: str, scope: list[MappingEntry], where: str) -> str:
    names: dict[str, str] = {}  # normalized code, alias or title -> the code it names
    for entry in scope:
        for text in (entry.code, *entry.aliases, *(t.title for t in entry.texts)):
            names.setdefault(normalize_key(text), entry.code)
    close: list[str] = []
    for match in difflib.get_close_matches(key, list(names), n=3 * _CANDIDATES, cutoff=0.6):
        if names[match] not in close:
            close.append(names[match])
    hint = (f"closest: {', '.join(repr(code) for code in close[:_CANDIDATES])}" if close
            else f"nothing close among its {len(scope)} codes")
    return (f"{where} has no status {status!r}; {hint}. Give the agency's status code or "
            "title as it prints it (`caseline vocab map` shows what a code maps to)")


def parse_at(raw: str | None, now: datetime) -> datetime:
    """When the event happened: ``raw`` (ISO 8601 with a zone) in UTC to the second, else
    ``now``; RecordError when malformed, without a zone, or ahead of ``now``."""
    if raw is None:
        return now.astimezone(UTC).replace(microsecond=0)
    if len(raw) > MAX_TIME_CHARS:
        raise RecordError(f"--at is {len(raw)} characters; an ISO 8601 date-time is at most "
                          f"{MAX_TIME_CHARS}")
    try:
        at = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise RecordError(f"--at {raw!r} is not an ISO 8601 date-time; expected e.g. "
                          "2026-12-02T15:04:05Z or 2026-12-02T10:04:05-05:00") from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise RecordError(f"--at {raw!r} has no time zone; add one, e.g. Z for UTC or "
                          "-05:00")
    at = at.astimezone(UTC).replace(microsecond=0)
    if at > now + MAX_FUTURE:
        raise RecordError(f"--at {at.isoformat()} is in the future (now is "
                          f"{now.astimezone(UTC).replace(microsecond=0).isoformat()}); an "
                          "agency records what has happened")
    return at


def parse_due(raw: str | None) -> date | None:
    """An explicit due date (YYYY-MM-DD), or None; RecordError when malformed."""
    if raw is None:
        return None
    if len(raw) > 10 or not raw.strip():
        raise RecordError(f"--due {raw[:20]!r} is not a date; expected YYYY-MM-DD")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise RecordError(f"--due {raw!r} is not a date; expected YYYY-MM-DD") from None


def _case(store: DemoStore, agency: AgencyProfile, raw_number: str) -> CaseRecord:
    if len(raw_number) > MAX_NUMBER_CHARS:
        raise RecordError(f"NUMBER is {len(raw_number)} characters; a case number is at most "
                          f"{MAX_NUMBER_CHARS}")
    try:
        number = agency.normalize_number(raw_number)
    except InvalidNumberError as exc:
        raise RecordError(str(exc)) from None
    case = store.find_cases([number], with_history=False).get(number)
    if case is None:
        raise RecordError(f"{agency.agency_id} has no case {number} in its store; record "
                          "events for cases it holds (`caseline sample-numbers` lists some)")
    return case


def _due(entry: MappingEntry, progressions: Progressions, case_type: str, at: datetime,
         given: date | None, where: str) -> date | None:
    if given is not None:
        if not entry.action_required:
            raise RecordError(f"--due {given.isoformat()} given for {entry.code!r}, which asks "
                              f"for no action at {where}; a due date goes with a status that "
                              "asks for one (a request for evidence, an appointment, a "
                              "hearing): leave --due out")
        if given < at.date():
            raise RecordError(f"--due {given.isoformat()} is before the event "
                              f"({at.date().isoformat()}); a due date follows it")
        return given
    days = progressions.due_days(case_type, entry.code)
    if days is None and entry.action_required:
        days = DEFAULT_ACTION_DAYS
    return at.date() + timedelta(days=days) if days is not None else None


def record_event(store: DemoStore, agency: AgencyProfile, table: MappingTable,
                 progressions: Progressions, number: str, status: str, *,
                 at: datetime, due: date | None = None) -> Recorded:
    """Append ``status`` to case ``number`` at ``at`` (UTC, already checked against the
    clock: :func:`parse_at`); the due date is ``due`` (refused for a status that asks for no
    action), else the one the agency's generator gives that step, else (an action required)
    :data:`DEFAULT_ACTION_DAYS` later."""
    case = _case(store, agency, number)
    program = agency.program_for(case.case_type, case.number)
    entry = resolve_status(table, status, program)
    last = case.events[-1] if case.events else None
    if last is not None and at < last.occurred_at:
        raise RecordError(f"--at {at.isoformat()} is before the case's last event "
                          f"({last.code!r} at {last.occurred_at.isoformat()}); events are "
                          "recorded in order")
    due_date = _due(entry, progressions, case.case_type, at, due,
                    _where(agency.agency_id, program))
    text = (f"On {long_date(at.date())}, the status of this case was updated: "
            f"{entry.code}.")
    event = EventRecord(occurred_at=at, code=entry.code, text=text, due_date=due_date,
                        office=last.office if last and last.office else case.office)
    try:
        cursor = store.append_event(case.number, event)
    except KeyError:  # removed between the read and the write
        raise RecordError(f"{agency.agency_id} has no case {case.number} in its store") from None
    return Recorded(agency.agency_id, case.number, entry.code, entry.texts[0].title, at,
                    due_date, cursor)
