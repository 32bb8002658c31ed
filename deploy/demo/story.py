"""Which steps the demo's activity may take on a persona's case without breaking the story
the acceptance operations and the demo tell (shared/acceptance/README.md): ana keeps open
cases at immigration and the court, one with an action due; raj's labor certification stays
certified and valid, the base of the immigration petitions built on it.

The rule, over plain data (a case's codes, and what each code means: its shared category and
milestone under the case's program):

- A persona's case never takes a story-breaking step: a denial or closure (categories DENIED
  and CLOSED: withdrawn, expired, terminated, dismissed, removal ordered...), a step out of
  the agency (sent to the Department of State), a revocation, rejection or returned document,
  nor a step from which the generator's process only leads to one of those (a notice of
  intent to deny, whose only continuation is a denial). Raj's certified PERM, whose only
  step is "CERTIFIED - EXPIRED", therefore stays CERTIFIED (never expired) under his I-140, and his
  certified LCA (only ever "CERTIFIED - WITHDRAWN" next) stays certified too.
- The activity decides nothing for a persona: an open case (PENDING or ACTIVE) moves only to
  open statuses, so it is never approved or denied behind the operator's back (an operator can
  record any decision with `caseline adapter record-event`); a decided case (APPROVED) only
  takes the agency's follow-up steps that keep it approved (a card produced, mailed,
  delivered). Raj's I-140 progresses this way: through its open steps while pending (a
  request for evidence, review), its approval recorded by the operator.
- An open case with none of those steps left loops: it repeats a step the generator takes
  from a status the case has already been in, as agencies do (actively reviewed again, a new
  request for evidence or biometrics notice, a hearing rescheduled or a case transferred).
  Follow-ups that presuppose their request (a response received, an interview or hearing
  completed) are not repeated on their own. A decided case with nothing left stays as it is.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from adapters.reference.progressions import Progressions, Successors, draw

__all__ = [
    "BREAKING_MILESTONES",
    "FOLLOW_UPS",
    "OPEN",
    "Meaning",
    "PersonaCase",
    "StoryRule",
    "breaks_story",
    "doomed_codes",
    "story_rule",
    "table_meaning",
]

# What a code means at its agency for the case's program: (category, milestone).
Meaning = Callable[[str], tuple[str, str]]

OPEN = frozenset({"PENDING", "ACTIVE"})
# Categories that end a persona's story (whatever the milestone).
ENDING = frozenset({"DENIED", "CLOSED", "UNSPECIFIED"})
# Milestones that break it even under an open or approved category.
BREAKING_MILESTONES = frozenset({
    "WITHDRAWN", "REJECTED", "REVOKED", "EXPIRED", "SENT_TO_OTHER_AGENCY",
    "DOCUMENT_RETURNED", "DOCUMENT_DESTROYED", "VOLUNTARY_DEPARTURE_GRANTED",
})
# Steps that answer or complete an earlier one: a loop never takes them on their own.
FOLLOW_UPS = frozenset({
    "EVIDENCE_RECEIVED", "BIOMETRICS_COMPLETED", "INTERVIEW_COMPLETED", "HEARING_COMPLETED",
    "DECISION_MADE", "APPEAL_DECIDED", "RECEIVED", "REOPENED",
})


@dataclass(frozen=True, slots=True)
class PersonaCase:
    """A persona's case as the rule needs it: its type, current code and earlier codes."""

    case_type: str
    code: str
    history: tuple[str, ...] = ()  # earlier codes, oldest first


def breaks_story(meaning: tuple[str, str]) -> bool:
    """Whether a status with this (category, milestone) ends or breaks a persona's story."""
    category, milestone = meaning
    return category in ENDING or milestone in BREAKING_MILESTONES


def doomed_codes(progressions: Progressions, case_type: str,
                 meaning: Meaning) -> frozenset[str]:
    """The codes that break the story, and the open ones from which every step the generator
    takes (for ``case_type``) leads only to such codes: a notice of intent to deny, answered,
    is followed only by a denial. A decision that does not break the story (an approval) is
    an end, never doomed, whatever follows it; a cycle counts as a way out (least fixed
    point)."""
    codes = set(progressions.by_code)
    for options in progressions.by_code.values():
        codes.update(code for code, _ in options)
    found = {code for code in codes if breaks_story(meaning(code))}
    grew = True
    while grew:
        grew = False
        for code in codes - found:
            if meaning(code)[0] not in OPEN:
                continue
            options = progressions.successors(case_type, code)
            if options and all(nxt in found for nxt, _ in options):
                found.add(code)
                grew = True
    return frozenset(found)


@dataclass(frozen=True)
class StoryRule:
    """The rule for persona cases of one case type under one program. Build with
    :func:`story_rule`."""

    progressions: Progressions
    case_type: str
    meaning: Meaning
    doomed: frozenset[str]

    def _open(self, code: str) -> bool:
        return self.meaning(code)[0] in OPEN

    def steps(self, code: str) -> Successors:
        """The generator's own next steps from ``code`` that keep the story: never a doomed
        code (:func:`doomed_codes`); an open case stays open, a decided one keeps its
        category. Weighted as the generator weighs them."""
        if code in self.doomed:
            return ()
        now = self.meaning(code)[0]
        return tuple((nxt, weight) for nxt, weight in self.progressions.successors(
            self.case_type, code)
            if nxt not in self.doomed and (self._open(nxt) if now in OPEN
                                           else self.meaning(nxt)[0] == now))

    def _refiled(self, case: PersonaCase, code: str) -> bool:
        """Whether ``code`` files something the case has already filed (once is enough)."""
        return self.meaning(code)[1] == "RECEIVED" and code in (*case.history, case.code)

    def loops(self, case: PersonaCase) -> Successors:
        """Realistic repeats for an open case: steps the generator takes from any status the
        case has been in (its history and current code) that are open, not doomed and not
        follow-ups of an earlier request (:data:`FOLLOW_UPS`), weighted by how often the
        generator takes them from those statuses. () for a decided or broken case."""
        if not self._open(case.code) or case.code in self.doomed:
            return ()
        weights: dict[str, int] = {}
        for before in dict.fromkeys((*case.history, case.code)):
            for nxt, weight in self.progressions.successors(self.case_type, before):
                # Never the status the case is in: the same status again would tell its
                # persona nothing new (yet notify them).
                if (self._open(nxt) and nxt not in self.doomed and nxt != case.code
                        and self.meaning(nxt)[1] not in FOLLOW_UPS):
                    weights[nxt] = weights.get(nxt, 0) + weight
        return tuple(sorted(weights.items(), key=lambda item: (-item[1], item[0])))

    def choose(self, case: PersonaCase, rng: random.Random) -> str | None:
        """The case's next code: one of :meth:`steps` (but no second filing of what it
        filed, nor the status it is in) drawn by the generator's frequencies, else one of
        :meth:`loops`; None when the case stays as it is."""
        steps = tuple(step for step in self.steps(case.code)
                      if step[0] != case.code and not self._refiled(case, step[0]))
        return draw(steps or self.loops(case), rng)


def story_rule(progressions: Progressions, case_type: str, meaning: Meaning) -> StoryRule:
    """The rule for persona cases of ``case_type``, ``meaning`` giving each code's (category,
    milestone) under the cases' program."""
    return StoryRule(progressions, case_type, meaning,
                     doomed_codes(progressions, case_type, meaning))


def table_meaning(entries: Mapping[str, tuple[str, str]]) -> Meaning:
    """A :data:`Meaning` over a plain table; a code it lacks means UNSPECIFIED, which ends a
    story (a code the agency's table does not know is never recorded on a persona's case)."""
    return lambda code: entries.get(code, ("UNSPECIFIED", "UNSPECIFIED"))
