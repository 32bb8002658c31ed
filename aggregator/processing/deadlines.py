"""Legal deadlines on one person's cases, from rules kept as data (deadline_rules.toml).

A rule names the event that starts a clock (agency, case type, milestone, category or agency
code), how the due date follows from it (days after the event's calendar date in the agency's
own time zone, the due date the agency put on the event, or the premium processing timeframe
the agency states on the case), and what meets it: a later event of the same case, a case filed at
another agency (the I-140 on a certified PERM), or nothing the data can show. Cases are tied
across agencies only as the agencies named them (related cases) or, when neither side names a
tie, among the same person's cases by type; never across people.
"""

from __future__ import annotations

import functools
import string
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from aggregator.model import Case, Event, Status
from aggregator.processing.model import (
    Deadline,
    DeadlineKind,
    DeadlineParty,
    DeadlineState,
    RelatedCase,
    TargetUnit,
)
from caseline.v1 import case_pb2, vocabulary_pb2
from caseline.v1.lib.business_days import add_business_days, next_business_day

__all__ = [
    "DEFAULT_RULES_PATH",
    "DEFAULT_ZONE",
    "DeadlineRule",
    "DeadlineRulesError",
    "DueRule",
    "EventMatch",
    "MetBy",
    "Trigger",
    "deadlines_for",
    "default_rules",
    "load_rules",
]

DEFAULT_RULES_PATH = Path(__file__).with_name("deadline_rules.toml")
# The rules file is a few dozen entries; anything far larger is not it.
MAX_RULES_FILE_BYTES = 512 * 1024
REQUIRED_LANGUAGES = ("en", "es")
PLACEHOLDERS = frozenset({"due", "start", "met_on", "days", "source"})

# The shared vocabulary's short names, so that a rule naming a step no adapter can emit is
# refused when the rules are read. (The enum wrappers are not dicts: .keys() is their API.)
MILESTONES = frozenset(name.removeprefix("MILESTONE_")
                       for name in vocabulary_pb2.Milestone.keys()  # noqa: SIM118
                       if name != "MILESTONE_UNSPECIFIED")
CATEGORIES = frozenset(name.removeprefix("STATUS_CATEGORY_")
                       for name in vocabulary_pb2.StatusCategory.keys()  # noqa: SIM118
                       if name != "STATUS_CATEGORY_UNSPECIFIED")
RELATIONS = frozenset(name.removeprefix("CASE_RELATION_")
                      for name in case_pb2.CaseRelation.keys()  # noqa: SIM118
                      if name != "CASE_RELATION_UNSPECIFIED")
# How the case on the other side names the same tie.
_INVERSE = {"BASED_ON": "BASIS_FOR", "BASIS_FOR": "BASED_ON", "HEARD_IN": "HEARS",
            "HEARS": "HEARD_IN", "FILED_WITH": "FILED_WITH"}
OCCURRENCES = ("EACH", "FIRST", "LAST")
DUE_STARTS = ("TRIGGER_DATE", "EVENT_DUE_DATE", "CASE_PREMIUM")
# The zone of an agency's calendar when none is configured: the agencies Caseline federates
# are US federal agencies, which keep Eastern time (aggregator.config: an agency's time_zone;
# adapters state theirs in Describe).
DEFAULT_ZONE = "America/New_York"
MET_STEPS = ("LATER_EVENT", "CASE_FILED", "NONE")


class DeadlineRulesError(ValueError):
    """The rules file is malformed; the message names the file, the rule and what is wrong."""


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _local_date(moment: datetime, zone: str) -> date:
    """The calendar date of ``moment`` in ``zone``: an agency's event at 23:30 in New York is
    on that day there, though already on the next in UTC (a naive time is taken as UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(_zone(zone)).date()


# --- the rules as records ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventMatch:
    """Which statuses an event may have: all of milestones, categories and codes (an empty
    tuple allows any) and none of exclude_codes, or else one of also_codes."""

    milestones: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    exclude_codes: tuple[str, ...] = ()
    also_codes: tuple[str, ...] = ()

    def matches(self, status: Status) -> bool:
        """Whether ``status`` is one of these."""
        code = status.agency_code.strip().upper()
        return code in self.also_codes or (
            (not self.milestones or status.milestone in self.milestones)
            and (not self.categories or status.category in self.categories)
            and (not self.codes or code in self.codes)
            and code not in self.exclude_codes)


@dataclass(frozen=True, slots=True)
class Trigger:
    """The event that starts a rule's clock."""

    agency: str
    case_types: tuple[str, ...]
    event: EventMatch
    number_prefixes: tuple[str, ...] = ()
    occurrence: str = "EACH"

    def applies_to(self, case: Case) -> bool:
        """Whether ``case`` is of the agency, type and numbers the rule is about."""
        return (case.agency_id == self.agency
                and (not self.case_types or case.case_type in self.case_types)
                and (not self.number_prefixes
                     or case.number.upper().startswith(self.number_prefixes)))


@dataclass(frozen=True, slots=True)
class DueRule:
    """How the due date follows from the triggering event."""

    start: str  # TRIGGER_DATE, EVENT_DUE_DATE or CASE_PREMIUM
    days: int = 0
    unit: TargetUnit = TargetUnit.CALENDAR_DAYS
    roll_forward: bool = False


@dataclass(frozen=True, slots=True)
class MetBy:
    """The step that meets a deadline."""

    step: str  # LATER_EVENT, CASE_FILED or NONE
    event: EventMatch = field(default_factory=EventMatch)
    agency: str = ""
    case_types: tuple[str, ...] = ()
    relations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """One legal deadline rule; ``basis`` holds templates by language, then state."""

    id: str
    kind: DeadlineKind
    party: DeadlineParty
    source: str
    source_url: str
    trigger: Trigger
    due: DueRule
    met_by: MetBy
    basis: Mapping[str, Mapping[str, str]]
    void_by: tuple[EventMatch, ...] = ()  # any one of them ends the rule


# --- loading -----------------------------------------------------------------------------------

_RULE_KEYS = {"id", "kind", "party", "source", "source_url", "trigger", "due", "met_by",
              "void_by", "basis"}
_MATCH_KEYS = {"milestones", "categories", "codes", "exclude_codes", "also_codes"}
_TRIGGER_KEYS = _MATCH_KEYS | {"agency", "case_types", "number_prefixes", "occurrence"}
_DUE_KEYS = {"start", "days", "unit", "roll_forward"}
_MET_KEYS = _MATCH_KEYS | {"step", "agency", "case_types", "relations"}


def load_rules(path: Path = DEFAULT_RULES_PATH) -> tuple[DeadlineRule, ...]:
    """The rules in ``path``; :class:`DeadlineRulesError` names what is wrong and where."""
    try:
        size = path.stat().st_size
        if size > MAX_RULES_FILE_BYTES:
            raise DeadlineRulesError(f"{path}: {size} bytes, more than a rules file may have "
                                     f"({MAX_RULES_FILE_BYTES})")
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DeadlineRulesError(f"{path}: cannot be read as TOML: {exc}") from exc
    _known(f"{path}", raw, {"version", "rules"})
    if raw.get("version") != 1:
        raise DeadlineRulesError(f"{path}: version must be 1, not {raw.get('version')!r}")
    entries = raw.get("rules", [])
    if not isinstance(entries, list):
        raise DeadlineRulesError(f"{path}: 'rules' must be an array of tables ([[rules]])")
    rules = tuple(_rule(path, index, entry) for index, entry in enumerate(entries))
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise DeadlineRulesError(f"{path}: rule id {rule.id!r} appears twice")
        seen.add(rule.id)
    return rules


@functools.cache
def default_rules() -> tuple[DeadlineRule, ...]:
    """The rules shipped with the aggregator (read once)."""
    return load_rules(DEFAULT_RULES_PATH)


def _known(where: str, table: Any, keys: set[str]) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise DeadlineRulesError(f"{where}: must be a table")
    unknown = sorted(set(table) - keys)
    if unknown:
        raise DeadlineRulesError(f"{where}: unknown keys {unknown}; expected {sorted(keys)}")
    return table


def _text(where: str, table: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise DeadlineRulesError(f"{where}: {key} must be a non-empty string")
    return value


def _choice(where: str, table: Mapping[str, Any], key: str, allowed: Any,
            default: str | None = None) -> str:
    value = _text(where, table, key, default)
    if value not in allowed:
        raise DeadlineRulesError(f"{where}: {key} {value!r} is not one of "
                                 f"{', '.join(sorted(allowed))}")
    return value


def _names(where: str, table: Mapping[str, Any], key: str,
           allowed: frozenset[str] | None = None) -> tuple[str, ...]:
    values = table.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise DeadlineRulesError(f"{where}: {key} must be a list of non-empty strings")
    if allowed is not None:
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise DeadlineRulesError(f"{where}: {key} has unknown names {unknown}; expected "
                                     f"some of {', '.join(sorted(allowed))}")
    return tuple(values)


def _match(where: str, table: Mapping[str, Any]) -> EventMatch:
    return EventMatch(
        milestones=_names(where, table, "milestones", MILESTONES),
        categories=_names(where, table, "categories", CATEGORIES),
        codes=tuple(c.strip().upper() for c in _names(where, table, "codes")),
        exclude_codes=tuple(c.strip().upper() for c in _names(where, table, "exclude_codes")),
        also_codes=tuple(c.strip().upper() for c in _names(where, table, "also_codes")))


def _rule(path: Path, index: int, entry: Any) -> DeadlineRule:
    entry = _known(f"{path}: rules[{index}]", entry, _RULE_KEYS)
    rule_id = _text(f"{path}: rules[{index}]", entry, "id")
    where = f"{path}: rule {rule_id!r}"
    kind = DeadlineKind(_choice(where, entry, "kind", {k.value for k in DeadlineKind}))
    party = DeadlineParty(_choice(where, entry, "party", {p.value for p in DeadlineParty}))
    source = _text(where, entry, "source")
    url = _text(where, entry, "source_url")
    if not url.startswith("https://"):
        raise DeadlineRulesError(f"{where}: source_url must be https, not {url!r}")
    trigger = _trigger(f"{where} trigger", entry.get("trigger"))
    due = _due(f"{where} due", entry.get("due"))
    met_by = _met_by(f"{where} met_by", entry.get("met_by"))
    given = entry.get("void_by", [])
    tables = given if isinstance(given, list) else [given]
    void_by = tuple(_match(f"{where} void_by", _known(f"{where} void_by", table, _MATCH_KEYS))
                    for table in tables)
    basis = _basis(f"{where} basis", entry.get("basis"), met_by.step)
    return DeadlineRule(id=rule_id, kind=kind, party=party, source=source, source_url=url,
                        trigger=trigger, due=due, met_by=met_by, basis=basis, void_by=void_by)


def _trigger(where: str, table: Any) -> Trigger:
    table = _known(where, table, _TRIGGER_KEYS)
    event = _match(where, table)
    if not (event.milestones or event.codes):
        raise DeadlineRulesError(f"{where}: name the milestones or codes that start the clock")
    return Trigger(agency=_text(where, table, "agency"),
                   case_types=_names(where, table, "case_types"), event=event,
                   number_prefixes=tuple(p.upper() for p in
                                         _names(where, table, "number_prefixes")),
                   occurrence=_choice(where, table, "occurrence", OCCURRENCES, "EACH"))


def _due(where: str, table: Any) -> DueRule:
    table = _known(where, table, _DUE_KEYS)
    start = _choice(where, table, "start", DUE_STARTS)
    days = table.get("days", 0)
    if not isinstance(days, int) or isinstance(days, bool) or days < 0 or days > 3660:
        raise DeadlineRulesError(f"{where}: days must be a whole number from 0 to 3660")
    if start == "TRIGGER_DATE" and days == 0:
        raise DeadlineRulesError(f"{where}: a clock from the trigger date needs days above 0")
    if start == "CASE_PREMIUM" and (days or "unit" in table):
        raise DeadlineRulesError(f"{where}: a premium clock runs the business days the agency "
                                 "states on the case: give no days or unit")
    unit = TargetUnit(_choice(where, table, "unit", {u.value for u in TargetUnit},
                              "CALENDAR_DAYS"))
    roll = table.get("roll_forward", False)
    if not isinstance(roll, bool):
        raise DeadlineRulesError(f"{where}: roll_forward must be true or false")
    return DueRule(start=start, days=days, unit=unit, roll_forward=roll)


def _met_by(where: str, table: Any) -> MetBy:
    table = _known(where, table, _MET_KEYS)
    step = _choice(where, table, "step", MET_STEPS)
    event = _match(where, table)
    if step == "LATER_EVENT" and not (event.milestones or event.codes):
        raise DeadlineRulesError(f"{where}: name the milestones or codes that meet it")
    if step == "CASE_FILED":
        case_types = _names(where, table, "case_types")
        if not case_types:
            raise DeadlineRulesError(f"{where}: name the case_types whose filing meets it")
        return MetBy(step=step, agency=_text(where, table, "agency"), case_types=case_types,
                     relations=_names(where, table, "relations", RELATIONS))
    return MetBy(step=step, event=event)


def _basis(where: str, table: Any, step: str) -> dict[str, dict[str, str]]:
    if not isinstance(table, dict):
        raise DeadlineRulesError(f"{where}: must be a table of templates by language")
    states = ("running",) if step == "NONE" else ("running", "met", "missed")
    absent = [tag for tag in REQUIRED_LANGUAGES if tag not in table]
    if absent:
        raise DeadlineRulesError(f"{where}: no templates in {absent}")
    templates: dict[str, dict[str, str]] = {}
    for language, given in table.items():
        texts = _known(f"{where}.{language}", given, set(states))
        for state in states:
            text = _text(f"{where}.{language}", texts, state)
            try:
                fields = {name for _, name, _, _ in string.Formatter().parse(text) if name}
            except ValueError as exc:
                raise DeadlineRulesError(f"{where}.{language}.{state}: {exc}") from exc
            unknown = sorted(fields - PLACEHOLDERS)
            if unknown:
                raise DeadlineRulesError(f"{where}.{language}.{state}: unknown placeholders "
                                         f"{unknown}; use {sorted(PLACEHOLDERS)}")
        templates[language] = dict(texts)
    return templates


# --- evaluation --------------------------------------------------------------------------------

CaseKey = tuple[str, str]
# The calendar date of a moment at an agency (its id), in that agency's zone.
DayOf = Callable[[str, datetime], date]


def deadlines_for(cases: Sequence[Case], events: Sequence[Event],
                  related: Mapping[CaseKey, Sequence[RelatedCase]], today: date, *,
                  rules: Sequence[DeadlineRule] | None = None,
                  zones: Mapping[str, str] | None = None) -> tuple[Deadline, ...]:
    """Every deadline the rules find on one person's ``cases`` and ``events`` (across
    agencies), in its state on ``today``, ordered by due date.

    ``related`` maps (agency id, case number) to that case's related cases as its agency
    named them (possibly empty). ``zones``: each agency's IANA time zone (DEFAULT_ZONE for
    one not named): a clock starts on the calendar date of its event in the agency's zone."""
    given = zones or {}

    def day_of(agency_id: str, moment: datetime) -> date:
        return _local_date(moment, given.get(agency_id) or DEFAULT_ZONE)

    histories: dict[CaseKey, list[Event]] = {}
    for event in events:
        histories.setdefault((event.agency_id, event.case_number), []).append(event)
    for history in histories.values():
        history.sort(key=lambda e: (e.at, e.seq))
    found: list[Deadline] = []
    for rule in default_rules() if rules is None else rules:
        for case in cases:
            if not rule.trigger.applies_to(case):
                continue
            history = histories.get((case.agency_id, case.number), [])
            starts = [i for i, e in enumerate(history) if rule.trigger.event.matches(e.status)]
            if rule.trigger.occurrence == "FIRST":
                starts = starts[:1]
            elif rule.trigger.occurrence == "LAST":
                starts = starts[-1:]
            for index in starts:
                deadline = _evaluate(rule, case, history, index, cases, related, today,
                                     day_of)
                if deadline is not None:
                    found.append(deadline)
    return tuple(sorted(found, key=lambda d: (d.due, d.kind, d.agency_id, d.case_number)))


def _due_date(rule: DueRule, event: Event, start: date) -> date | None:
    # The date the agency put on the event wins; days, when given, stand in for it.
    if rule.start == "CASE_PREMIUM":
        return None  # counted from the case's premium processing (_premium_clock)
    if rule.start == "EVENT_DUE_DATE" and (event.due_date is not None or rule.days == 0):
        due = event.due_date
        if due is None:
            return None
    elif rule.unit is TargetUnit.BUSINESS_DAYS:
        due = add_business_days(start, rule.days)
    else:
        due = start + timedelta(days=rule.days)
    return next_business_day(due) if rule.roll_forward else due


def _premium_clock(case: Case, history: Sequence[Event], index: int,
                   day_of: DayOf) -> tuple[date, date] | None:
    """(start, due) of a premium processing clock started by ``history[index]`` (the case's
    first premium step, its request received; or a response to a request for evidence): the
    business days the case's agency states, from the trigger's day (8 CFR 106.4); None
    without premium processing, for a trigger before the premium request, or for a later
    premium step (under way, fee refunded: the same clock)."""
    trigger = history[index]
    if case.premium is None or (trigger.status.milestone == "PREMIUM_PROCESSING" and any(
            e.status.milestone == "PREMIUM_PROCESSING" for e in history[:index])):
        return None
    requested = day_of(case.agency_id, case.premium.requested_at)
    start = day_of(case.agency_id, trigger.at)
    if start < requested:
        return None
    return start, add_business_days(start, case.premium.business_days)


def _evaluate(rule: DeadlineRule, case: Case, history: Sequence[Event], index: int,
              cases: Sequence[Case], related: Mapping[CaseKey, Sequence[RelatedCase]],
              today: date, day_of: DayOf) -> Deadline | None:
    trigger = history[index]
    start = day_of(case.agency_id, trigger.at)
    if rule.due.start == "CASE_PREMIUM":
        clock = _premium_clock(case, history, index, day_of)
        if clock is None:
            return None
        start, due = clock
        days = case.premium.business_days if case.premium is not None else 0
    else:
        found = _due_date(rule.due, trigger, start)
        if found is None:
            return None
        due, days = found, rule.due.days
    later = history[index + 1:]
    met_on: date | None = None
    met_at = len(later)
    if rule.met_by.step == "LATER_EVENT":
        met_at = next((i for i, e in enumerate(later) if rule.met_by.event.matches(e.status)),
                      len(later))
        met_on = (day_of(case.agency_id, later[met_at].at) if met_at < len(later)
                  else None)
    elif rule.met_by.step == "CASE_FILED":
        met_on = _filed_on(rule.met_by, case, start, cases, related, day_of)
    if rule.void_by:
        for i, event in enumerate(later):
            # A step that ends the rule counts only when it came before the meeting one.
            if any(m.matches(event.status) for m in rule.void_by) and i < met_at and (
                    met_on is None or day_of(case.agency_id, event.at) < met_on):
                return None
    if met_on is not None:
        state = DeadlineState.MET if met_on <= due else DeadlineState.MISSED
    elif today <= due:
        state = DeadlineState.RUNNING
    elif rule.met_by.step == "NONE":
        return None  # the data cannot tell whether it was met: shown only while it runs
    else:
        state = DeadlineState.MISSED
    # A step taken after the due date does not meet it: the deadline stays MISSED, and says
    # when the step came (late_on), so that no one is told to act on it any more.
    return Deadline(kind=rule.kind, due=due, state=state, party=rule.party, source=rule.source,
                    basis=_words(rule, state, due, start, met_on, days),
                    agency_id=case.agency_id, case_number=case.number,
                    met_on=met_on if state is DeadlineState.MET else None,
                    late_on=met_on if state is DeadlineState.MISSED else None)


def _filed_on(met_by: MetBy, case: Case, start: date, cases: Sequence[Case],
              related: Mapping[CaseKey, Sequence[RelatedCase]], day_of: DayOf) -> date | None:
    """When the earliest case that meets the rule was filed, or None."""
    key = (case.agency_id, case.number)
    candidates = [c for c in cases if c.agency_id == met_by.agency
                  and c.case_type in met_by.case_types and (c.agency_id, c.number) != key]
    relations = set(met_by.relations)
    inverse = {_INVERSE[r] for r in relations}
    named = {(r.agency_id, r.case_number) for r in related.get(key, ())
             if r.relation in relations}

    def names_trigger(other: Case) -> bool:
        return any((r.agency_id, r.case_number) == key and r.relation in inverse
                   for r in related.get((other.agency_id, other.number), ()))

    def names_another(other: Case) -> bool:
        # Tied by its agency to another case of the trigger's agency: built on that one.
        return any(r.agency_id == case.agency_id and (r.agency_id, r.case_number) != key
                   and r.relation in inverse
                   for r in related.get((other.agency_id, other.number), ()))

    linked = [c for c in candidates if (c.agency_id, c.number) in named or names_trigger(c)]
    if not linked and not any(agency == met_by.agency for agency, _ in named):
        # No agency names the tie either way: the same person's case of that type, filed on or
        # after the trigger, unless its own agency ties it to another case.
        linked = [c for c in candidates
                  if day_of(c.agency_id, c.opened_at) >= start and not names_another(c)]
    dates = [day_of(c.agency_id, c.opened_at) for c in linked]
    return min(dates) if dates else None


def _words(rule: DeadlineRule, state: DeadlineState, due: date, start: date,
           met_on: date | None, days: int) -> dict[str, str]:
    words: dict[str, str] = {}
    for language, templates in rule.basis.items():
        def long(day: date | None, language: str = language) -> str:
            return format_date(day, format="long", locale=language) if day else ""
        words[language] = templates[state.value.lower()].format(
            due=long(due), start=long(start), met_on=long(met_on), days=days,
            source=rule.source)
    return words
