"""``/me``'s "Action required": what the applicant must do, by when, soonest first.

Two sources: cases whose status asks for action (me_view), and the legal deadlines running
against the applicant on their cases (an evidence response, the 30 days to appeal to the
BIA, a PERM's validity for filing the I-140, voluntary departure). A deadline on a case whose
status asks for action by the same day, or by no stated day, is that action (an RFE and its
evidence-response deadline): it is listed once, with the deadline's words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from aggregator.model import AgencyInfo
from aggregator.processing.model import Deadline, DeadlineParty, DeadlineState
from gateway.schema.types import CaseStatus
from gateway.web.me_outlook import deadline_row
from gateway.web.me_view import ActionItem

__all__ = ["actions_with_deadlines", "against_applicant"]


def against_applicant(deadlines: Iterable[Deadline]) -> list[Deadline]:
    """The deadlines still running that the applicant must meet, each once, soonest first."""
    seen: dict[tuple[str, str, str, date], Deadline] = {}
    for d in deadlines:
        if d.state is DeadlineState.RUNNING and d.party is DeadlineParty.APPLICANT:
            seen.setdefault((d.kind.value, d.agency_id, d.case_number, d.due), d)
    return sorted(seen.values(), key=lambda d: (d.due, d.kind.value, d.case_number))


def _same_action(item: ActionItem, deadline: Deadline) -> bool:
    return (item.from_status and item.deadline is None
            and (str(item.case.agency.id), item.case.number) == (deadline.agency_id,
                                                                 deadline.case_number)
            and (item.due is None or item.due == deadline.due))


def actions_with_deadlines(language: str, actions: Sequence[ActionItem],
                           cases: Sequence[CaseStatus], deadlines: Iterable[Deadline],
                           agencies: Mapping[str, AgencyInfo]) -> list[ActionItem]:
    """``actions`` (from the cases' statuses) with the running ``deadlines`` against the
    applicant on ``cases`` added or merged in; dated first, soonest first, undated last."""
    by_case = {(str(c.agency.id), c.number): c for c in cases}
    items = list(actions)
    for deadline in against_applicant(deadlines):
        case = by_case.get((deadline.agency_id, deadline.case_number))
        if case is None:
            continue  # a case the page does not show (it is not among the person's)
        row = deadline_row(language, deadline, agencies)
        index = next((i for i, item in enumerate(items) if _same_action(item, deadline)), None)
        if index is None:
            items.append(ActionItem(case, deadline.due, row, from_status=False))
        else:
            items[index] = ActionItem(case, deadline.due, row, from_status=True)
    # Stable: on one day, status actions before deadlines alone, each in its order.
    return sorted(items, key=lambda a: (a.due is None, a.due or date.max))
