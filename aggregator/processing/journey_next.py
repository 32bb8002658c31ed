"""What comes next in a journey, before anyone has filed it: the journey rules' next steps
(journey_rules.toml, ``[[rule.next]]``) against the journey's cases and the deadlines that
run on them.

A next step is expected after the latest case of the journey it follows; it is not filed yet
while the journey has no case of its types and, when it names a deadline, while that deadline
is RUNNING on the case it follows (MET: it was filed; MISSED: it can no longer be). Only that
deadline dates it: no date is ever made up.
"""

from __future__ import annotations

from collections.abc import Sequence

from babel.dates import format_date

from aggregator.model import Case
from aggregator.processing.journey_rules import JourneyRule, NextStepRule
from aggregator.processing.model import Deadline, DeadlineState, JourneyNextStep

__all__ = ["next_steps"]


def _follows(step: NextStepRule, members: Sequence[Case]) -> Case | None:
    """The latest-opened case of ``members`` that ``step`` comes after, if any."""
    found = [c for c in members if step.follows(c.agency_id, c.case_type, c.status.category)]
    return max(found, key=lambda c: (c.opened_at, c.number)) if found else None


def _running(step: NextStepRule, case: Case, deadlines: Sequence[Deadline]) -> Deadline | None:
    """The soonest deadline of the step's kind running on ``case``."""
    running = [d for d in deadlines
               if d.kind is step.deadline and d.state is DeadlineState.RUNNING
               and (d.agency_id, d.case_number) == (case.agency_id, case.number)]
    return min(running, key=lambda d: d.due) if running else None


def next_steps(rule: JourneyRule, members: Sequence[Case],
               deadlines: Sequence[Deadline]) -> tuple[JourneyNextStep, ...]:
    """The steps ``rule`` expects next among a journey's ``members`` (one person's cases) that
    are not filed yet, in the rule's order, dated by the ``deadlines`` running on them."""
    found: list[JourneyNextStep] = []
    for step in rule.next:
        after = _follows(step, members)
        if after is None or any(step.filed_as(c.agency_id, c.case_type) for c in members):
            continue
        deadline = None
        if step.deadline is not None:
            deadline = _running(step, after, deadlines)
            if deadline is None:
                continue
        due = deadline.due if deadline is not None else None
        text = {language: template.format(
                    due=format_date(due, format="long", locale=language) if due else "")
                for language, template in step.text.items()}
        found.append(JourneyNextStep(step.agency_id, step.filing, after.agency_id, after.number,
                                     text, deadline))
    return tuple(found)
