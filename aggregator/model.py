"""The aggregator's domain: plain frozen records, no I/O.

Categories and milestones are the shared vocabulary's short names ("PENDING", "RECEIVED").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from aggregator.processing.model import Premium, RelatedCase
from caseline.v1.lib.scopes import Scope

__all__ = [
    "AgencyFailure",
    "AgencyInfo",
    "AgencyWording",
    "Case",
    "Event",
    "Hearing",
    "InvalidNumber",
    "Link",
    "LookupFailure",
    "LookupOutcome",
    "Status",
    "SubjectCases",
    "Text",
    "Timeline",
    "in_language",
]


def in_language(texts: Mapping[str, str], language: str, default: str = "") -> str:
    """An agency's text in ``language``, else in English, else ``default``."""
    return texts.get(language) or texts.get("en") or default


@dataclass(frozen=True, slots=True)
class AgencyInfo:
    """An agency as configured: id and display names."""

    id: str
    name: str
    name_es: str
    number_scope: Scope = Scope.STATUS  # IDENTITY: the case number identifies the person
    time_zone: str = "America/New_York"  # its calendar's IANA zone: deadlines count in it

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
class AgencyWording:
    """The agency's own words for a status in one language: its title and its free text."""

    title: str
    text: str


@dataclass(frozen=True, slots=True)
class Status:
    """An agency status on the shared vocabulary, with the agency's own words."""

    category: str
    milestone: str
    action_required: bool
    agency_code: str
    agency_text: str
    texts: Mapping[str, Text] = field(default_factory=dict)
    # How the adapter matched the agency code to its table: EXACT, VARIANT, AMBIGUOUS, NONE,
    # or UNSPECIFIED when the adapter did not say.
    match: str = "UNSPECIFIED"
    # The agency's own words by language, when it supplies more than one ("en" among them
    # equals agency_text); empty otherwise, or when DETAILS was not released.
    agency_texts: Mapping[str, AgencyWording] = field(default_factory=dict)

    def text(self, language: str) -> Text | None:
        """Text in ``language``, else English, else None (unknown code)."""
        return self.texts.get(language) or self.texts.get("en")

    def agency_text_in(self, language: str) -> tuple[str, str]:
        """(text, its language): the agency's own text in ``language`` when it supplied it,
        else ``agency_text``, which is in the agency's first language (English)."""
        wording = self.agency_texts.get(language)
        if wording is not None and wording.text:
            return wording.text, language
        return self.agency_text, "en"


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
    # The case type's name by language, as the agency supplies it (empty from an adapter
    # that sends only the English ``case_type_name``).
    case_type_names: Mapping[str, str] = field(default_factory=dict)
    # Cases the agency ties to this one (always of the same person), as released: empty
    # unless the read released DETAILS.
    related_cases: tuple[RelatedCase, ...] = ()
    # Premium processing as the agency states it; None when the case has none or the read
    # did not release DETAILS.
    premium: Premium | None = None

    def type_name(self, language: str) -> str:
        """The case type's name in ``language``, else in English."""
        return in_language(self.case_type_names, language, self.case_type_name)


@dataclass(frozen=True, slots=True)
class InvalidNumber:
    """What is wrong with an invalid number, structured so that it can be worded in the
    reader's language (a failure's ``message`` is English).

    ``problem`` is the contract's InvalidNumberProblem short name ("WRONG_LENGTH", ...;
    "UNSPECIFIED" when the agency did not say), or, for numbers no agency was asked about,
    "NO_AGENCY" (no agency's pattern claims it) or "TOO_LONG". The texts are the agency's, by
    language: :func:`in_language` picks one.
    """

    problem: str
    expected_format: str = ""
    example: str = ""
    format_names: Mapping[str, str] = field(default_factory=dict)
    part_names: Mapping[str, str] = field(default_factory=dict)
    found: str = ""
    expected_length: int = 0
    actual_length: int = 0
    allowed: tuple[str, ...] = ()
    notes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LookupFailure:
    """Why a number has no status: INVALID_NUMBER, NOT_FOUND or AGENCY_UNAVAILABLE."""

    number: str
    code: str
    message: str
    # The agency that answered or failed ("" when none was asked); for AGENCY_UNAVAILABLE
    # also how it failed (its AgencyFailure code), so the reader is told in plain words in
    # their language.
    agency_id: str = ""
    cause: str = ""
    # For INVALID_NUMBER: what was wrong, in structure; None when the agency did not say (an
    # adapter older than the contract's InvalidNumberDetail): ``message`` is all there is.
    invalid: InvalidNumber | None = None


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
