"""One person's cases that belong together, across agencies, as journeys.

Which cases belong together comes from the agencies' own records first (each case's related
cases, as its agency holds them); the journey rules (journey_rules.toml) then give each group
its title and the order of its steps. Cases are never linked across people: only the cases
given (one person's) are ever joined, and a related case that is not among them is ignored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date

from aggregator.model import Case, Event
from aggregator.processing.journey_next import next_steps
from aggregator.processing.journey_rules import JourneyRule, JourneyRules, default_rules
from aggregator.processing.model import Deadline, Journey, JourneyStep, RelatedCase

__all__ = ["DECIDED", "HANDED_ON", "DeadlinesFor", "journeys_for", "no_deadlines",
           "timeline_journeys"]

# A step in one of these categories is behind the person; the first one not in them is where
# the journey stands.
DECIDED = frozenset({"APPROVED", "DENIED", "CLOSED"})
# A case its agency handed to another agency (an asylum application referred to the
# immigration court) is behind the person too, once the journey holds the later step it went
# to: the agency that has it now acts next, while the first one still shows it open.
HANDED_ON = "SENT_TO_OTHER_AGENCY"

_Key = tuple[str, str]  # (agency id, case number)

# deadlines_for(cases, events, related cases by (agency id, number), today): the legal
# deadlines running on a person's cases (aggregator.processing.deadlines).
DeadlinesFor = Callable[[Sequence[Case], Sequence[Event], Mapping[_Key, Sequence[RelatedCase]],
                         date], tuple[Deadline, ...]]


def no_deadlines(cases: Sequence[Case], events: Sequence[Event],
                 related: Mapping[_Key, Sequence[RelatedCase]],
                 today: date) -> tuple[Deadline, ...]:
    """A :data:`DeadlinesFor` that knows no deadline (until the rules are wired in)."""
    return ()


def _key(case: Case) -> _Key:
    return case.agency_id, case.number


def _linked_groups(cases: Mapping[_Key, Case]) -> list[list[_Key]]:
    """Connected components (two or more cases) of the agencies' links among ``cases``, in
    the order their first case was given."""
    parent = {k: k for k in cases}

    def root(k: _Key) -> _Key:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for k, case in cases.items():
        for related in case.related_cases:
            other = (related.agency_id, related.case_number)
            if other in cases and other != k:  # only the person's own cases are joined
                parent[root(other)] = root(k)
    groups: dict[_Key, list[_Key]] = {}
    for k in cases:
        groups.setdefault(root(k), []).append(k)
    return [g for g in groups.values() if len(g) > 1]


def _best_rule(rules: JourneyRules, cases: Iterable[Case]) -> JourneyRule:
    """The rule with a place for the most of ``cases`` (the first such in the file); the
    fallback when none has a place for any."""
    members = list(cases)
    best, fits = rules.fallback, 0
    for rule in rules.rules:
        count = sum(rule.place_of(c.agency_id, c.case_type, linked=True) is not None
                    for c in members)
        if count > fits:
            best, fits = rule, count
    return best


def _journey(rule: JourneyRule, members: Sequence[Case], linked: bool,
             deadlines: Sequence[Deadline]) -> Journey:
    """The journey of ``members`` under ``rule``: steps in the rule's order (same step: by
    opening, then the rule's order of types), cases it has no place for after them by
    opening; current is the first step not behind the person (decided, or handed on to a
    later step's agency: :data:`HANDED_ON`), else the last; then what the rule expects next,
    not filed yet."""
    def order(case: Case) -> tuple[int, float, int, str]:
        place = rule.place_of(case.agency_id, case.case_type, linked=linked)
        step, rank = place if place is not None else (len(rule.steps), 0)
        return step, case.opened_at.timestamp(), rank, case.number

    ordered = sorted(members, key=order)
    steps = [order(c)[0] for c in ordered]

    def behind(i: int) -> bool:
        case = ordered[i]
        return case.status.category in DECIDED or (
            case.status.milestone == HANDED_ON
            and any(step > steps[i] and other.agency_id != case.agency_id
                    for step, other in zip(steps, ordered, strict=True)))

    current = next((i for i in range(len(ordered)) if not behind(i)), len(ordered) - 1)
    keys = {_key(c) for c in ordered}
    own = tuple(d for d in deadlines if (d.agency_id, d.case_number) in keys)
    return Journey(
        rule=rule.id, title=dict(rule.title),
        steps=tuple(JourneyStep(c.agency_id, c.number, c.case_type, c.status.category,
                                i == current) for i, c in enumerate(ordered)),
        deadlines=own, next_steps=next_steps(rule, ordered, own))


def journeys_for(cases: Sequence[Case], deadlines: Sequence[Deadline],
                 rules: JourneyRules | None = None) -> tuple[Journey, ...]:
    """The journeys of one person's ``cases`` (never several people's: pass one person's),
    with the ``deadlines`` that run on their cases.

    Links win: cases an agency ties together (directly or through others) form one journey,
    titled and ordered by the rule with a place for most of them (the fallback title when
    no rule has). Without links, a rule may group the person's own cases by their type alone,
    but only when that is unambiguous: one case of each of its types (types filed alongside a
    step, such as an I-765, never join by type), no case another rule would take as well,
    and, when the rule already has one linked journey, a type that journey lacks (two linked
    journeys of the rule: nothing joins by type). A journey has at least two steps; journeys
    come in the order of their first step's opening.
    """
    rules = rules or default_rules()
    by_key: dict[_Key, Case] = {}
    for case in cases:
        by_key.setdefault(_key(case), case)
    groups = _linked_groups(by_key)
    in_groups = {k for g in groups for k in g}
    loose = {k: c for k, c in by_key.items() if k not in in_groups}
    rule_of: list[JourneyRule] = [_best_rule(rules, (by_key[k] for k in g)) for g in groups]
    assigned: dict[str, list[list[_Key]]] = {}
    for rule, group in zip(rule_of, groups, strict=True):
        assigned.setdefault(rule.id, []).append(group)
    picks = _picks_by_type(rules, by_key, loose, assigned)
    claims = Counter(k for _, ks in picks.values() for k in ks)
    found: list[tuple[JourneyRule, list[Case], bool]] = [
        (rule, [by_key[k] for k in group], True) for rule, group in zip(rule_of, groups,
                                                                         strict=True)]
    for rule in rules.rules:
        if rule.id not in picks:
            continue
        joins, keys = picks[rule.id]
        mine = [by_key[k] for k in keys if claims[k] == 1]
        if joins:
            target = assigned[rule.id][0]
            index = next(i for i, g in enumerate(groups) if g is target)
            found[index][1].extend(mine)
        elif len({_step_of(rule, c) for c in mine}) >= 2:
            found.append((rule, mine, False))
    journeys = [_journey(rule, members, linked, deadlines) for rule, members, linked in found]
    first = {id(j): min(by_key[(s.agency_id, s.case_number)].opened_at for s in j.steps)
             for j in journeys}
    return tuple(sorted(journeys, key=lambda j: (first[id(j)], j.rule)))


def _picks_by_type(rules: JourneyRules, by_key: Mapping[_Key, Case],
                   loose: Mapping[_Key, Case],
                   assigned: Mapping[str, list[list[_Key]]]
                   ) -> dict[str, tuple[bool, list[_Key]]]:
    """Which unlinked cases each rule would take by their type alone: joining the rule's one
    linked journey (True) or forming a new one (False). One case of each type only, a type the
    linked journey does not already hold, and nothing when the rule has two linked journeys
    to choose from. A case two rules would take is taken by neither (see journeys_for)."""
    picks: dict[str, tuple[bool, list[_Key]]] = {}
    for rule in rules.rules:
        groups = assigned.get(rule.id, [])
        if len(groups) > 1:
            continue
        held = {(k[0], by_key[k].case_type) for k in groups[0]} if groups else set()
        found: dict[tuple[str, str], list[_Key]] = {}
        for k, case in loose.items():
            if rule.place_of(case.agency_id, case.case_type, linked=False) is not None:
                found.setdefault((case.agency_id, case.case_type), []).append(k)
        chosen = [ks[0] for t, ks in found.items() if len(ks) == 1 and t not in held]
        # A new journey needs two steps: a rule that could not make one claims nothing.
        if chosen and (groups or len({_step_of(rule, loose[k]) for k in chosen}) >= 2):
            picks[rule.id] = (bool(groups), chosen)
    return picks


def _step_of(rule: JourneyRule, case: Case) -> int | None:
    place = rule.place_of(case.agency_id, case.case_type, linked=False)
    return None if place is None else place[0]


def timeline_journeys(cases: Sequence[Case], events: Sequence[Event], today: date,
                      deadlines_for: DeadlinesFor = no_deadlines) -> tuple[Journey, ...]:
    """The journeys of one person's timeline, with the deadlines ``deadlines_for`` finds on
    its cases (given each case's related cases, as released)."""
    related = {_key(c): c.related_cases for c in cases}
    return journeys_for(cases, deadlines_for(cases, events, related, today))
