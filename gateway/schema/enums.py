"""GraphQL enums. They keep the short names of the proto enums (a test keeps them in step).

The consent vocabulary is not copied here: ``ConsentScope``, ``ConsentState`` and
``ConsentPurpose`` are the domain's own StrEnums (the contract's Scope, the aggregator's
ConsentState and Purpose) registered with strawberry under their GraphQL names, so resolvers
hand domain values straight through and a new value reaches the schema by itself.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeAlias

import strawberry

from aggregator.consent.vocabulary import ConsentState as _ConsentState
from aggregator.consent.vocabulary import Purpose
from caseline.v1.lib.scopes import Scope

__all__ = [
    "AccessDecision",
    "AccessKind",
    "ConsentPurpose",
    "ConsentScope",
    "ConsentState",
    "Language",
    "LookupErrorCode",
    "Milestone",
    "StatusCategory",
    "StatusMatch",
    "category",
    "milestone",
    "status_match",
]


@strawberry.enum(description="Response language.")
class Language(Enum):
    EN = "en"
    ES = "es"


@strawberry.enum(description="Where a case stands. Null where the agency's code is unmapped.")
class StatusCategory(Enum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    APPROVED = "APPROVED"
    DENIED = "DENIED"
    CLOSED = "CLOSED"


@strawberry.enum(description="The procedural step an event marks.")
class Milestone(Enum):
    RECEIVED = "RECEIVED"
    UNDER_REVIEW = "UNDER_REVIEW"
    BIOMETRICS_SCHEDULED = "BIOMETRICS_SCHEDULED"
    BIOMETRICS_COMPLETED = "BIOMETRICS_COMPLETED"
    EVIDENCE_REQUESTED = "EVIDENCE_REQUESTED"
    EVIDENCE_RECEIVED = "EVIDENCE_RECEIVED"
    INTENT_TO_DENY = "INTENT_TO_DENY"
    INTERVIEW_SCHEDULED = "INTERVIEW_SCHEDULED"
    INTERVIEW_COMPLETED = "INTERVIEW_COMPLETED"
    HEARING_SCHEDULED = "HEARING_SCHEDULED"
    HEARING_COMPLETED = "HEARING_COMPLETED"
    DECISION_MADE = "DECISION_MADE"
    DOCUMENT_ISSUED = "DOCUMENT_ISSUED"
    DOCUMENT_MAILED = "DOCUMENT_MAILED"
    DOCUMENT_DELIVERED = "DOCUMENT_DELIVERED"
    DOCUMENT_RETURNED = "DOCUMENT_RETURNED"
    TRANSFERRED = "TRANSFERRED"
    APPEALED = "APPEALED"
    APPEAL_DECIDED = "APPEAL_DECIDED"
    REOPENED = "REOPENED"
    WITHDRAWN = "WITHDRAWN"
    REJECTED = "REJECTED"
    REVOKED = "REVOKED"
    EXPEDITE_REQUESTED = "EXPEDITE_REQUESTED"
    PREMIUM_PROCESSING = "PREMIUM_PROCESSING"
    NOTICE_SENT = "NOTICE_SENT"
    CASE_UPDATED = "CASE_UPDATED"
    SENT_TO_OTHER_AGENCY = "SENT_TO_OTHER_AGENCY"
    RETURNED_FROM_OTHER_AGENCY = "RETURNED_FROM_OTHER_AGENCY"
    DOCUMENT_HELD = "DOCUMENT_HELD"
    DOCUMENT_DESTROYED = "DOCUMENT_DESTROYED"
    VOLUNTARY_DEPARTURE_GRANTED = "VOLUNTARY_DEPARTURE_GRANTED"
    EXPIRED = "EXPIRED"


@strawberry.enum(description="Why a case number has no status.")
class LookupErrorCode(Enum):
    INVALID_NUMBER = "INVALID_NUMBER"
    NOT_FOUND = "NOT_FOUND"
    AGENCY_UNAVAILABLE = "AGENCY_UNAVAILABLE"
    RATE_LIMITED = "RATE_LIMITED"


strawberry.enum(Scope, name="ConsentScope",
                description="What a consent releases. STATUS: case number and type, category, "
                            "milestone, mapped titles and descriptions, event dates, the "
                            "agency's code. DETAILS: the agency's own wording, offices, due "
                            "dates, hearings (time, place, judge). IDENTITY: personal "
                            "identifiers and data (A-number, name, date of birth).")
strawberry.enum(_ConsentState, name="ConsentState",
                description="A consent's state now; EXPIRED is decided by the clock.")
strawberry.enum(Purpose, name="ConsentPurpose",
                description="Why access is granted (free text explains further).")
# The names resolvers annotate with; importing them from here registers the enums above.
ConsentScope: TypeAlias = Scope
ConsentState: TypeAlias = _ConsentState
ConsentPurpose: TypeAlias = Purpose


@strawberry.enum(description="How the agency's status code matched the agency's mapping table. "
                             "Null when the agency's adapter does not say.")
class StatusMatch(Enum):
    EXACT = strawberry.enum_value("EXACT", description="The code is in the table as written "
                                                       "(case and punctuation aside).")
    VARIANT = strawberry.enum_value("VARIANT", description="An unseen wording of a known "
                                                           "title (a missing 'Was', another "
                                                           "spelling); words of meaning are "
                                                           "never dropped.")
    AMBIGUOUS = strawberry.enum_value("AMBIGUOUS", description="The code could mean different "
                                                               "things; category and milestone "
                                                               "are null.")
    NONE = strawberry.enum_value("NONE", description="The table does not know the code; "
                                                     "category and milestone are null, the "
                                                     "agency's words are shown.")


@strawberry.enum(description="What the access policy decided.")
class AccessDecision(Enum):
    ALLOW = "ALLOW"
    DENY = "DENY"


@strawberry.enum(description="What an access-log entry records. READ: your data was read (or "
                             "a read was refused). LINK, UNLINK: a case was linked to you or "
                             "unlinked. LINK_ATTEMPT: a refused attempt to link your case (the "
                             "reason says why: ALREADY_LINKED, WRONG_ACCESS_CODE). "
                             "LINK_REPLACED: someone linked your case with a newer access code "
                             "the agency issued, so it is no longer linked to you.")
class AccessKind(Enum):
    READ = "READ"
    LINK = "LINK"
    UNLINK = "UNLINK"
    LINK_ATTEMPT = "LINK_ATTEMPT"
    LINK_REPLACED = "LINK_REPLACED"


# Enum.__members__ builds a new proxy on every access; these are read for every event.
_CATEGORIES: dict[str, StatusCategory] = dict(StatusCategory.__members__)
_MILESTONES: dict[str, Milestone] = dict(Milestone.__members__)
_MATCHES: dict[str, StatusMatch] = dict(StatusMatch.__members__)


def category(name: str) -> StatusCategory | None:
    """The GraphQL category for a domain name; None for UNSPECIFIED (unmapped code)."""
    return _CATEGORIES.get(name)


def milestone(name: str) -> Milestone | None:
    """The GraphQL milestone for a domain name; None for UNSPECIFIED."""
    return _MILESTONES.get(name)


def status_match(name: str) -> StatusMatch | None:
    """The GraphQL match kind for a domain name; None for UNSPECIFIED (the adapter did not
    say)."""
    return _MATCHES.get(name)
