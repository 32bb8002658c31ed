"""The GraphQL face of a legal deadline, shared by case estimates and journeys.

The enums are the domain's own StrEnums (aggregator.processing.model) registered under their
GraphQL names, as the consent vocabulary is, so a new kind reaches the schema by itself.
"""

from __future__ import annotations

from datetime import date
from typing import TypeAlias

import strawberry

from aggregator.model import in_language
from aggregator.processing.model import Deadline as DomainDeadline
from aggregator.processing.model import DeadlineKind as _DeadlineKind
from aggregator.processing.model import DeadlineParty as _DeadlineParty
from aggregator.processing.model import DeadlineState as _DeadlineState

__all__ = ["Deadline", "DeadlineKind", "DeadlineParty", "DeadlineState"]

strawberry.enum(_DeadlineKind, name="DeadlineKind",
                description="Which legal deadline: PERM_VALIDITY (file the I-140 while the "
                            "labor certification is valid), PREVAILING_WAGE_VALIDITY (file the "
                            "PERM while the wage determination is valid), BIA_APPEAL (appeal an "
                            "immigration judge's decision), N400_HEARING (a court may decide a "
                            "naturalization case left undecided after the interview), "
                            "ASYLUM_ADJUDICATION (asylum decided within 180 days of filing), "
                            "VOLUNTARY_DEPARTURE (leave by the date the judge set), "
                            "EVIDENCE_RESPONSE (answer a request for evidence or notice of "
                            "intent by its due date), PREMIUM_PROCESSING (the agency acts within "
                            "the business days premium processing gives it).")
strawberry.enum(_DeadlineState, name="DeadlineState",
                description="RUNNING: still open; MET: the step was taken in time; MISSED: the "
                            "date passed without it.")
strawberry.enum(_DeadlineParty, name="DeadlineParty",
                description="Who must act by the deadline: the APPLICANT (it runs against "
                            "them) or an AGENCY (it runs for them).")
DeadlineKind: TypeAlias = _DeadlineKind
DeadlineState: TypeAlias = _DeadlineState
DeadlineParty: TypeAlias = _DeadlineParty


@strawberry.type(description="A legal deadline on a case, or across two cases of a journey.")
class Deadline:
    kind: DeadlineKind
    due: date = strawberry.field(description="The last day, as a calendar date.")
    state: DeadlineState
    party: DeadlineParty
    source: str = strawberry.field(description="The rule's legal source as cited, e.g. "
                                               "\"20 CFR 656.30(b)(1)\".")
    basis: str = strawberry.field(description="What the deadline is and why, in plain words "
                                              "in the language asked for, citing its source.")
    case_number: str = strawberry.field(description="The case it runs on.")
    agency_id: strawberry.ID = strawberry.field(description="The agency of that case.")

    @classmethod
    def from_domain(cls, deadline: DomainDeadline, language: str) -> Deadline:
        """The deadline with its basis in ``language`` (English when not translated)."""
        return cls(kind=deadline.kind, due=deadline.due, state=deadline.state,
                   party=deadline.party, source=deadline.source,
                   basis=in_language(deadline.basis, language),
                   case_number=deadline.case_number,
                   agency_id=strawberry.ID(deadline.agency_id))
