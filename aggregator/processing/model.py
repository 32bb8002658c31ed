"""Processing statistics, estimates, deadlines and journeys as plain frozen records.

Texts that Caseline words (bases of estimates and deadlines, journey titles) are kept by
language (``{"en": ..., "es": ...}``) so that the API and the pages pick the reader's; dates are
calendar dates (a deadline's in its agency's own time zone, aggregator.processing.deadlines).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

__all__ = [
    "AgencyStatistics",
    "CompletionFigures",
    "Deadline",
    "DeadlineKind",
    "DeadlineParty",
    "DeadlineState",
    "Estimate",
    "InquiryRule",
    "Journey",
    "JourneyNextStep",
    "JourneyStep",
    "JourneyStepState",
    "MonthlyFigures",
    "OfficeStatistics",
    "PendingAtMilestone",
    "Premium",
    "ProcessingTarget",
    "RelatedCase",
    "TargetKind",
    "TargetUnit",
]


class TargetUnit(StrEnum):
    """What a target's days count (the contract's TargetUnit short names)."""

    CALENDAR_DAYS = "CALENDAR_DAYS"
    BUSINESS_DAYS = "BUSINESS_DAYS"


class TargetKind(StrEnum):
    """What kind of rule a target is."""

    STATUTORY = "STATUTORY"
    REGULATORY = "REGULATORY"
    PUBLISHED_GOAL = "PUBLISHED_GOAL"
    NONE = "NONE"  # the agency said nothing (UNSPECIFIED)


class InquiryRule(StrEnum):
    """How a case's inquiry date is derived."""

    RECEIPT_PLUS_P80 = "RECEIPT_PLUS_P80"
    RECEIPT_PLUS_TARGET = "RECEIPT_PLUS_TARGET"
    NONE = "NONE"


@dataclass(frozen=True, slots=True)
class ProcessingTarget:
    """A case type's processing target as its agency states it (``days`` 0: none)."""

    case_type: str
    days: int
    unit: TargetUnit
    kind: TargetKind
    source: str  # citation, not translated: "8 U.S.C. 1571(b)"
    basis: Mapping[str, str]  # by language
    source_url: str = ""
    inquiry_rule: InquiryRule = InquiryRule.NONE


@dataclass(frozen=True, slots=True)
class CompletionFigures:
    """Completions over published cells; every figure is None when ``suppressed``."""

    suppressed: bool
    completed: int | None
    median_days: int | None
    p80_days: int | None
    within_target_share: float | None  # 0..1; None also when there is no target
    decile_days: tuple[int, ...] = ()  # p10..p90, empty when suppressed
    withheld_cells: int = 0


@dataclass(frozen=True, slots=True)
class MonthlyFigures:
    """One month's completions (``month`` is its first day)."""

    month: date
    figures: CompletionFigures


@dataclass(frozen=True, slots=True)
class PendingAtMilestone:
    """Open cases at one milestone now; ``count``/``median_age_days`` None when suppressed."""

    milestone: str
    suppressed: bool
    count: int | None
    median_age_days: int | None


@dataclass(frozen=True, slots=True)
class OfficeStatistics:
    """One office's figures, or the agency's (``office`` None)."""

    office: str | None
    period: CompletionFigures
    months: tuple[MonthlyFigures, ...] = ()
    pending: tuple[PendingAtMilestone, ...] = ()


@dataclass(frozen=True, slots=True)
class AgencyStatistics:
    """One agency's answer for one case type over one period (months as first days)."""

    agency_id: str
    case_type: str
    target: ProcessingTarget
    first_month: date
    last_month: date
    min_cell_size: int
    offices: tuple[OfficeStatistics, ...]  # per office, then agency-wide (office None)
    computed_at: datetime

    @property
    def period_start(self) -> date:
        """First day of the period."""
        return self.first_month

    def row(self, office: str | None) -> OfficeStatistics | None:
        """The row of ``office`` (None: agency-wide), if the agency gave one."""
        return next((o for o in self.offices if o.office == office), None)


@dataclass(frozen=True, slots=True)
class Premium:
    """A case's premium processing as its agency states it (contract PremiumProcessing):
    the agency must act within ``business_days`` after ``requested_at``."""

    requested_at: datetime
    business_days: int
    source: str  # citation: "8 CFR 106.4"


@dataclass(frozen=True, slots=True)
class RelatedCase:
    """A case an agency's records tie to one of its cases (contract CaseRelation short
    names: BASED_ON, BASIS_FOR, FILED_WITH, HEARD_IN, HEARS)."""

    agency_id: str
    case_number: str
    relation: str


class DeadlineKind(StrEnum):
    """Legal deadlines Caseline knows; each rule names its source in the rules data."""

    PERM_VALIDITY = "PERM_VALIDITY"  # I-140 to be filed within 180 days of certification
    PREVAILING_WAGE_VALIDITY = "PREVAILING_WAGE_VALIDITY"  # PERM filed within the PWD's validity
    BIA_APPEAL = "BIA_APPEAL"  # 30 days from an immigration judge's decision
    N400_HEARING = "N400_HEARING"  # 120 days after the interview: district court may decide
    ASYLUM_ADJUDICATION = "ASYLUM_ADJUDICATION"  # 180 days from filing
    VOLUNTARY_DEPARTURE = "VOLUNTARY_DEPARTURE"  # leave by the date the judge set
    EVIDENCE_RESPONSE = "EVIDENCE_RESPONSE"  # answer an RFE/NOID by its due date
    PREMIUM_PROCESSING = "PREMIUM_PROCESSING"  # the agency acts within N business days


class DeadlineState(StrEnum):
    """Where a deadline stands today."""

    RUNNING = "RUNNING"
    MET = "MET"
    MISSED = "MISSED"


class DeadlineParty(StrEnum):
    """Who must act by the deadline: the applicant (against them) or an agency (for them)."""

    APPLICANT = "APPLICANT"
    AGENCY = "AGENCY"


@dataclass(frozen=True, slots=True)
class Deadline:
    """A legal deadline running on a case (or across two cases of a journey)."""

    kind: DeadlineKind
    due: date
    state: DeadlineState
    party: DeadlineParty
    source: str  # citation: "20 CFR 656.30(b)(1)"
    basis: Mapping[str, str]  # plain words by language, citing the source
    agency_id: str  # the case it runs on
    case_number: str
    met_on: date | None = None  # when MET: the day the step was taken
    # When MISSED but the step was taken after all, late: that day (None: still not taken).
    late_on: date | None = None


@dataclass(frozen=True, slots=True)
class Estimate:
    """How a case compares with its type at its office (or agency-wide when the office's
    figures are withheld). Dates None when there are no published figures."""

    typical_by: date | None  # receipt + median
    most_by: date | None  # receipt + 80th percentile
    inquiry_from: date | None  # per the case type's inquiry rule
    outside_normal: bool  # today is past inquiry_from
    basis: Mapping[str, str]  # by language: which figures, office, period, target
    deadlines: tuple[Deadline, ...] = ()
    statistics: AgencyStatistics | None = None  # what it was computed from (pages' chart)
    office_used: str | None = None  # the row used; None: agency-wide
    age_days: int = 0  # days since receipt, today


class JourneyStepState(StrEnum):
    """Whether a journey's step is a case an agency holds, or one the rules expect next."""

    FILED = "FILED"
    NOT_FILED = "NOT_FILED"


@dataclass(frozen=True, slots=True)
class JourneyStep:
    """One case of a journey, in order."""

    agency_id: str
    case_number: str
    case_type: str
    category: str  # StatusCategory short name
    current: bool
    state: JourneyStepState = JourneyStepState.FILED


@dataclass(frozen=True, slots=True)
class JourneyNextStep:
    """A step the journey rules expect after one of the journey's cases, not filed yet: what
    is filed where, by when when a deadline running on that case says so, in words."""

    agency_id: str  # where it is filed
    filing: str  # a case type ("I-140") or a form filed in the case ("EOIR-26")
    after_agency_id: str  # the case it follows
    after_case_number: str
    text: Mapping[str, str]  # by language, its date written out
    deadline: Deadline | None = None  # the running deadline that dates it, if any
    state: JourneyStepState = JourneyStepState.NOT_FILED

    @property
    def due(self) -> date | None:
        """The last day to file it, when a deadline says (None: no date can be given)."""
        return self.deadline.due if self.deadline is not None else None


@dataclass(frozen=True, slots=True)
class Journey:
    """Cases of one person that belong together, from agencies' related cases and journey
    rules; ``rule`` is the journey rule's id (e.g. "employment-green-card")."""

    rule: str
    title: Mapping[str, str]  # by language
    steps: tuple[JourneyStep, ...]
    deadlines: tuple[Deadline, ...] = field(default=())
    next_steps: tuple[JourneyNextStep, ...] = field(default=())  # in the rules' order
