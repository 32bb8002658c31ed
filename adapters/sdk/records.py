"""Plain records of a case history as an agency's system of record holds it.

An agency's case source returns these; the SDK maps and serializes them. Codes and texts are
the agency's own (mapping to the shared vocabulary happens in the SDK, not here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class HearingRecord:
    """A scheduled immigration-court hearing."""

    type: str  # MASTER | INDIVIDUAL | BOND
    medium: str  # IN_PERSON | VIDEO | TELEPHONIC
    scheduled_at: datetime  # timezone-aware
    time_zone: str  # IANA name of the court's zone
    court: str
    court_address: str
    judge: str


@dataclass(frozen=True, slots=True)
class AgencyWording:
    """The agency's own words for a status in one language, when it has more than English:
    its title of the status and its free text (either may be empty)."""

    language: str  # lower-case BCP 47 tag, e.g. "es"
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One status change: the agency's code and its own free text.

    ``wordings`` holds the agency's own words in the other languages it supplies them in
    ("es": USCIS's Spanish title and description); the English ones are ``code`` and
    ``text`` unless an "en" entry says otherwise. Empty for an agency with one language.
    """

    occurred_at: datetime  # timezone-aware (UTC)
    code: str
    text: str
    due_date: date | None = None
    office: str = ""
    hearing: HearingRecord | None = None
    # Stable id unique within the case (a row id, a journal number); when empty the SDK
    # derives one from the event's content.
    event_id: str = ""
    wordings: tuple[AgencyWording, ...] = ()


@dataclass(frozen=True, slots=True)
class IdentityTerms:
    """What the agency knows identifies the case's person: the values no text may show to a
    reader whose consent lacks IDENTITY (the SDK masks them wherever they appear)."""

    names: tuple[str, ...] = ()  # full names as the agency holds them, aliases included
    birth_dates: tuple[date, ...] = ()
    # Other identifying numbers: A-numbers, receipt numbers of the person's other cases,
    # passport or applicant ids. The case's ``subject_ref`` is always one of them implicitly.
    numbers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RelatedRecord:
    """Another case the agency's records tie to this one, at this agency or another, always
    of the same person: the contract's RelatedCase (``relation`` is a CaseRelation short name:
    BASED_ON, BASIS_FOR, FILED_WITH, HEARD_IN or HEARS)."""

    agency_id: str  # Caseline agency id of the agency holding it ("labor")
    number: str  # that agency's canonical case number
    relation: str


@dataclass(frozen=True, slots=True)
class PremiumRecord:
    """Premium processing of a case (the contract's PremiumProcessing): when the agency
    received the request, the business days it has to act after that, and the legal source."""

    requested_at: datetime
    business_days: int
    source: str

    def __post_init__(self) -> None:
        if self.business_days <= 0:
            raise ValueError("premium processing: business_days must be above 0")


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """A case with its history, oldest event first (never empty).

    A source answering without history returns only the latest event; it then must set
    ``opened_at`` (the first event's time), which the SDK otherwise takes from ``events[0]``.
    """

    number: str  # canonical form
    case_type: str  # form or program, e.g. "I-130", "PERM", "REMOVAL"
    office: str
    subject_ref: str  # the agency's key for the person (A-number, applicant id)
    access_code: str  # printed on the agency's notice; used to link the case
    events: tuple[EventRecord, ...]
    opened_at: datetime | None = None  # when the case was received or opened
    identity: IdentityTerms = IdentityTerms()
    # Cases tied to this one (sent only with history, sealed as DETAILS).
    related: tuple[RelatedRecord, ...] = ()
    # Premium processing, when the case has it (sent only with history, sealed as DETAILS).
    premium: PremiumRecord | None = None

    @property
    def opened(self) -> datetime:
        """When the case was opened: ``opened_at``, else the first event's time."""
        return self.opened_at if self.opened_at is not None else self.events[0].occurred_at


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """One entry of a source's change feed: a new event, with a monotonic cursor."""

    cursor: int
    case_number: str
    event: EventRecord
