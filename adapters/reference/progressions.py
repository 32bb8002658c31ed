"""How a reference agency's cases move from one status to the next, learned from its own
demo-data generator.

Each agency's ``synthetic`` module walks cases through its real process (USCIS receipts,
biometrics, RFEs and decisions; OFLC programs' reviews, audits and certifications; EOIR
hearings, decisions and appeals). Rather than writing those processes down a second time, the
progressions are observed: a fixed-seed sample of generated cases is read as a table of
which code followed which (per case type, and per code alone as a fallback) and how many
days after each event its due date fell. What the demo moves a case to is therefore a step
the generator itself takes from where the case is. It is a first-order reading (the next
step depends on the current one only), which is what a status change in the demo needs.
"""

from __future__ import annotations

import functools
import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from adapters.reference.catalog import synthetic
from adapters.sdk.records import CaseRecord

__all__ = ["SAMPLE_CASES", "Progressions", "Successors", "derive", "draw", "for_agency"]

# Enough generated cases that every case type's usual paths show up several times (the
# rarest, such as CW-1 or reasonable-fear reviews, still appear a hundred times or more);
# deriving takes a fraction of a second per agency.
SAMPLE_CASES = 8_000
# Histories are generated as of this day; any fixed day gives the same paths.
_SAMPLE_DAY = date(2026, 1, 1)

# (next code, how often the generator took that step), most frequent first.
Successors = tuple[tuple[str, int], ...]


def _frozen_successors(counts: Mapping[str, Counter[str]]) -> Mapping[str, Successors]:
    return MappingProxyType({
        key: tuple(sorted(counter.items(), key=lambda item: (-item[1], item[0])))
        for key, counter in counts.items()})


@dataclass(frozen=True)
class Progressions:
    """Observed steps of one agency: successors and due-date offsets by (case type, code)
    and by code alone. Build with :func:`derive` or :func:`for_agency`."""

    by_type: Mapping[str, Successors]
    by_code: Mapping[str, Successors]
    due_by_type: Mapping[str, int]
    due_by_code: Mapping[str, int]

    def successors(self, case_type: str, code: str) -> Successors:
        """The codes a case of ``case_type`` at ``code`` moves to, with their weights; the
        code's successors in any case type when this type was never seen at that code; () at
        the end of a process."""
        found = self.by_type.get(_key(case_type, code))
        return found if found is not None else self.by_code.get(code, ())

    def due_days(self, case_type: str, code: str) -> int | None:
        """Days from an event with ``code`` to its due date, as the generator sets them (the
        median seen); None when the generator gives that code no due date."""
        found = self.due_by_type.get(_key(case_type, code))
        return found if found is not None else self.due_by_code.get(code)

    def choose_next(self, case_type: str, code: str, rng: random.Random) -> str | None:
        """A next code drawn by the generator's own frequencies; None when there is none."""
        return draw(self.successors(case_type, code), rng)


def draw(options: Successors, rng: random.Random) -> str | None:
    """One code of ``options`` drawn by its weight; None when there are none."""
    if not options:
        return None
    codes = [option for option, _ in options]
    return rng.choices(codes, weights=[weight for _, weight in options])[0]


def _key(case_type: str, code: str) -> str:
    return f"{case_type}\x00{code}"


def derive(cases: Iterable[CaseRecord]) -> Progressions:
    """The progressions seen in ``cases`` (each case's events in their order)."""
    by_type: defaultdict[str, Counter[str]] = defaultdict(Counter)
    by_code: defaultdict[str, Counter[str]] = defaultdict(Counter)
    dues_by_type: defaultdict[str, list[int]] = defaultdict(list)
    dues_by_code: defaultdict[str, list[int]] = defaultdict(list)
    seen_by_code: Counter[str] = Counter()
    seen_by_type: Counter[str] = Counter()
    for case in cases:
        for before, after in zip(case.events, case.events[1:], strict=False):
            by_type[_key(case.case_type, before.code)][after.code] += 1
            by_code[before.code][after.code] += 1
        for event in case.events:
            seen_by_code[event.code] += 1
            seen_by_type[_key(case.case_type, event.code)] += 1
            # Seen, even if only last: a case type's end of process has no successors, and
            # another type's steps must not be borrowed for it.
            by_type[_key(case.case_type, event.code)].update(())
            by_code[event.code].update(())
            if event.due_date is not None:
                days = (event.due_date - event.occurred_at.date()).days
                dues_by_type[_key(case.case_type, event.code)].append(days)
                dues_by_code[event.code].append(days)
    return Progressions(
        by_type=_frozen_successors(by_type), by_code=_frozen_successors(by_code),
        due_by_type=_typical_dues(dues_by_type, seen_by_type),
        due_by_code=_typical_dues(dues_by_code, seen_by_code))


def _typical_dues(dues: Mapping[str, list[int]], seen: Counter[str]) -> Mapping[str, int]:
    """The median offset of codes the generator dates in at least half their events (a code
    dated only now and then, such as a rare follow-up, gets none)."""
    return MappingProxyType({
        key: max(0, round(statistics.median(days))) for key, days in dues.items()
        if len(days) * 2 >= seen[key]})


@functools.cache
def for_agency(agency_id: str) -> Progressions:
    """The reference agency's progressions, from a fixed-seed sample of its generator
    (computed once per process)."""
    generate = synthetic(agency_id).generate_case
    rng = random.Random(f"progressions:{agency_id}")
    return derive(generate(rng, serial, _SAMPLE_DAY) for serial in range(SAMPLE_CASES))
