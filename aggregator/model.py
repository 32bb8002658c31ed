"""The aggregator's domain: plain frozen records, no I/O.

Categories and milestones are the shared vocabulary's short names ("PENDING", "RECEIVED").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from caseline.v1.lib.scopes import Scope

__all__ = [
    "AgencyFailure",
    "AgencyInfo",
    "Case",
    "Event",
    "Hearing",
    "Link",
    "LookupFailure",
    "LookupOutcome",
    "Status",
    "SubjectCases",
    "Text",
    "Timeline",
]


@dataclass(frozen=True, slots=True)
class AgencyInfo:
    """An agency as configured: id and display names."""

    id: str
    name: str
    name_es: str
    number_scope: Scope = Scope.STATUS  # IDENTITY: the case number identifies the person

    def display_name(self, language: str) -> str:
        """The agency's name in ``language`` (English when no translation)."""
        return self.name_es if language == "es" and self.name_es else self.name


@dataclass(frozen=True, slots=True)
class Text:
    """Mapped text in one language."""

    title: str
    description: str
    next_step: str


@dataclass(frozen=True, slots=True)
class Status:
    """An agency status on the shared vocabulary, with the agency's own words."""

    category: str
    milestone: str
    action_required: bool
    agency_code: str
    agency_text: str
    texts: Mapping[str, Text] = field(default_factory=dict)

    def text(self, language: str) -> Text | None:
        """Text in ``language``, else English, else None (unknown code)."""
        return self.texts.get(language) or self.texts.get("en")


@dataclass(frozen=True, slots=True)
class Hearing:
    """A court hearing."""

    type: str
    medium: str
    scheduled_at: datetime
    time_zone: str
    court: str
    court_address: str
    judge: str


@dataclass(frozen=True, slots=True)
class Event:
    """One step of one case. ``seq`` is the event's position in its case's history, which
    orders events recorded at the same instant the way the agency recorded them."""

    agency_id: str
    case_number: str
    event_id: str
    seq: int
    at: datetime
    status: Status
    due_date: date | None = None
    office: str = ""
    hearing: Hearing | None = None
    # Sensitive fields (contract names relative to the event, e.g. "office",
    # "status.agency_text") that were released but could not be opened.
    unopened: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Case:
    """A case's public face and current status."""

    agency_id: str
    number: str
    case_type: str
    case_type_name: str
    status: Status
    opened_at: datetime
    updated_at: datetime
    office: str = ""


@dataclass(frozen=True, slots=True)
class LookupFailure:
    """Why a number has no status: INVALID_NUMBER, NOT_FOUND or AGENCY_UNAVAILABLE."""

    number: str
    code: str
    message: str
    # For AGENCY_UNAVAILABLE: which agency failed and how (its AgencyFailure code), so the
    # reader is told in plain words in their language.
    agency_id: str = ""
    cause: str = ""


LookupOutcome = Case | LookupFailure


@dataclass(frozen=True, slots=True)
class AgencyFailure:
    """An agency that did not answer in time or at all (UNAVAILABLE, DEADLINE_EXCEEDED,
    CIRCUIT_OPEN, ERROR)."""

    agency_id: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class SubjectCases:
    """One agency's answer for a subject: cases with their events."""

    cases: tuple[Case, ...]
    events: tuple[Event, ...]
    missing: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Link:
    """A case linked to a subject."""

    subject_id: str
    agency_id: str
    case_number: str
    linked_at: datetime


@dataclass(frozen=True, slots=True)
class Timeline:
    """A subject's merged view across agencies."""

    cases: tuple[Case, ...]
    events: tuple[Event, ...]
    unavailable: tuple[AgencyFailure, ...]
