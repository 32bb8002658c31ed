"""Resolving a status code whose program the caller may not know.

Some agencies qualify their codes by program: the same word means different things in
different programs (labor's "CERTIFIED" starts a 180-day clock on a PERM case and nothing of
the kind on an LCA). A caller that has the program, or a case number the program can be read
from, looks the code up under it. A caller with neither still gets an answer when the answer
does not depend on the program:

- ``EXACT``: the table has the code under the given program, or without a program, or (no
  program given) under programs that all mean the same by it: the same category, milestone
  and action and the same texts in every language. A code under one program only is that
  program's. Equal texts are the table's statement that a status means the same everywhere:
  a text that names a program-specific deadline or consequence makes the entries differ.
- ``AMBIGUOUS``: no program given, and the programs that use the code mean different things
  by it. The candidates are returned so the caller can say what it could be; the status
  itself stays UNSPECIFIED.
- ``VARIANT``: no exact key, but the code is a variant of known titles
  (:mod:`adapters.sdk.variants`: a missing "Was", "Canceled" for "Cancelled", "... To Me")
  and every entry it is a variant of means the same; ``AMBIGUOUS`` when they differ.
- ``NONE``: nothing in the table answers to the code (under the given program, if any).

A given program is never second-guessed: a code that exists only under other programs is
``NONE`` under this one.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.sdk.mapping import (
    AMBIGUOUS,
    EXACT,
    NONE,
    VARIANT,
    MappedStatus,
    MappingEntry,
    MappingTable,
    same_meaning,
)
from adapters.sdk.vocabulary import UNSPECIFIED

__all__ = ["AMBIGUOUS", "EXACT", "NONE", "VARIANT", "Resolution", "resolve", "same_meaning"]


@dataclass(frozen=True, slots=True)
class Resolution:
    """How a code resolved: the match kind, the entry it maps to (EXACT or VARIANT) and, when
    the program was not given or the code was a variant, the entries it could be."""

    match: str
    entry: MappingEntry | None
    candidates: tuple[MappingEntry, ...] = ()

    def status(self, code: str, text: str = "") -> MappedStatus:
        """The mapped status: the entry's, or UNSPECIFIED with the agency's words kept."""
        if self.entry is None:
            return MappedStatus(UNSPECIFIED, UNSPECIFIED, False, code, text, (), self.match)
        entry = self.entry
        return MappedStatus(entry.category, entry.milestone, entry.action_required, code, text,
                            entry.texts, self.match)


def resolve(table: MappingTable, code: str, program: str | None = None) -> Resolution:
    """Resolve ``code`` under ``program`` (None when the caller knows none); never raises."""
    entry = table.lookup(code, program)
    if entry is not None:
        return Resolution(EXACT, entry)
    candidates = () if program else table.candidates(code)
    kind = EXACT
    if not candidates:
        # Exact keys failed: the rule-based variants, never a nearest guess.
        candidates, kind = table.variants(code, program), VARIANT
    if not candidates:
        return Resolution(NONE, None)
    first = candidates[0]
    if all(same_meaning(first, other) for other in candidates[1:]):
        return Resolution(kind, first, candidates)
    return Resolution(AMBIGUOUS, None, candidates)
