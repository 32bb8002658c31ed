"""GraphQL object types, each built from the domain with ``from_domain``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated

import strawberry

from aggregator.config import AgencyConfig
from aggregator.federation.number_formats import number_formats
from aggregator.model import (
    AgencyFailure,
    AgencyInfo,
    Case,
    Event,
    Hearing,
    LookupFailure,
    Status,
)
from caseline.v1 import case_pb2, vocabulary_pb2
from caseline.v1.lib.field_scopes import scope_of
from caseline.v1.lib.masking import mask_number
from caseline.v1.lib.scopes import Scope
from gateway.invalid_number import invalid_number_text
from gateway.messages import message
from gateway.schema.enums import (
    ConsentScope,
    LookupErrorCode,
    Milestone,
    StatusCategory,
    StatusMatch,
    category,
    milestone,
    status_match,
)
from gateway.schema.estimate_fields import CaseEstimate

__all__ = [
    "Agency",
    "AgencyError",
    "CaseLookupError",
    "CaseStatus",
    "CaseStatusResult",
    "HearingInfo",
    "NumberFormat",
    "TimelineEvent",
    "TimelineView",
    "WithheldField",
    "agency_failure_text",
    "mask_number",
    "withheld_details",
]


def _texts(status: Status, language: str) -> tuple[str, str, str]:
    text = status.text(language)
    if text is None:
        # Unmapped code: the agency's own words are all there is.
        return status.agency_code, status.agency_text, ""
    return text.title, text.description, text.next_step


@strawberry.type(description="A case number format an agency accepts.")
class NumberFormat:
    name: str = strawberry.field(description="The program or kind of number (e.g. PERM), as "
                                             "error messages name it; stable.")
    display_name: str = strawberry.field(description="The format's name in the language asked "
                                                     "for when the agency supplies it (else "
                                                     "in English).")
    pattern: str = strawberry.field(description="A regular expression the canonical number "
                                                "matches.")
    example: str
    description: str = strawberry.field(description="What each part of the number means, in "
                                                    "the agency's words, in the language "
                                                    "asked for when the agency supplies it "
                                                    "(else in English).")


@strawberry.type(description="A government agency Caseline federates.")
class Agency:
    id: strawberry.ID
    name: str
    # The language the agency's own texts (its number formats) are shown in.
    language: strawberry.Private[str] = "en"

    @strawberry.field(description="The case number formats the agency accepts, each with an "
                                  "example, as its adapter describes them (null when it "
                                  "cannot be asked just now).")
    async def number_formats(self, info: strawberry.Info) -> list[NumberFormat] | None:
        service = info.context.service
        adapter = service.adapters.get(str(self.id))
        formats = await number_formats(adapter, service.config.deadline_s)
        return None if formats is None else [
            NumberFormat(name=f.name, display_name=f.name_in(self.language), pattern=f.pattern,
                         example=f.example, description=f.description_in(self.language))
            for f in formats]

    @classmethod
    def from_domain(cls, agency: AgencyInfo, language: str) -> Agency:
        """The agency with its name (and its formats' descriptions) in ``language``."""
        return cls(id=strawberry.ID(agency.id), name=agency.display_name(language),
                   language=language)


@strawberry.type(description="A case's current public status.")
class CaseStatus:
    number: str
    agency: Agency
    case_type: str
    case_type_name: str = strawberry.field(description="The case type's name in the language "
                                                       "asked for when the agency supplies "
                                                       "it, else in English.")
    category: StatusCategory | None
    milestone: Milestone | None
    title: str
    description: str
    next_step: str
    action_required: bool
    agency_code: str = strawberry.field(description="The agency's own status code or title.")
    match: StatusMatch | None = strawberry.field(
        description="How the agency's status code matched its mapping table (EXACT, VARIANT, "
                    "AMBIGUOUS, NONE); null when the agency's adapter does not say.")
    updated_at: datetime
    opened_at: datetime
    estimate: CaseEstimate | None = strawberry.field(
        default=None,
        description="How this case compares with its type's processing times, and the legal "
                    "deadlines running on it: on your own cases (`viewer.cases`) only; null "
                    "elsewhere and for a decided case on which no deadline runs.")

    @classmethod
    def from_domain(cls, case: Case, agency: AgencyInfo, language: str,
                    estimate: CaseEstimate | None = None) -> CaseStatus:
        """Public status of ``case`` in ``language`` (with the reader's own ``estimate``)."""
        title, description, next_step = _texts(case.status, language)
        return cls(number=case.number, agency=Agency.from_domain(agency, language),
                   case_type=case.case_type, case_type_name=case.type_name(language),
                   category=category(case.status.category),
                   milestone=milestone(case.status.milestone), title=title,
                   description=description, next_step=next_step,
                   action_required=case.status.action_required,
                   agency_code=case.status.agency_code,
                   match=status_match(case.status.match), updated_at=case.updated_at,
                   opened_at=case.opened_at, estimate=estimate)


@strawberry.type(description="Why a case number has no status.")
class CaseLookupError:
    number: str
    code: LookupErrorCode
    message: str
    retry_after: int | None = strawberry.field(
        default=None, description="Whole seconds to wait before asking again (RATE_LIMITED "
                                  "only).")

    @classmethod
    def from_domain(cls, failure: LookupFailure, agency: AgencyInfo | None = None,
                    language: str = "en",
                    agencies: Sequence[AgencyConfig] = ()) -> CaseLookupError:
        """The failure as a GraphQL value; an agency's failure told in plain words in
        ``language`` when ``agency`` is given, an invalid number explained in ``language``
        (``agencies``: the registry, whose formats a number no agency claims is told)."""
        text = failure.message
        if agency is not None and failure.code == "AGENCY_UNAVAILABLE":
            text = agency_failure_text(failure.cause, agency, language)
        elif failure.code == "INVALID_NUMBER":
            text = invalid_number_text(language, failure, agencies)
        return cls(number=failure.number, code=LookupErrorCode[failure.code], message=text)


CaseStatusResult = Annotated[CaseStatus | CaseLookupError,
                             strawberry.union("CaseStatusResult")]


@strawberry.type(description="A scheduled court hearing.")
class HearingInfo:
    type: str
    medium: str
    scheduled_at: datetime
    time_zone: str
    court: str
    court_address: str
    judge: str

    @classmethod
    def from_domain(cls, hearing: Hearing) -> HearingInfo:
        """The hearing as a GraphQL value."""
        return cls(type=hearing.type, medium=hearing.medium, scheduled_at=hearing.scheduled_at,
                   time_zone=hearing.time_zone, court=hearing.court,
                   court_address=hearing.court_address, judge=hearing.judge)


@strawberry.type(description="A field left null because the reader's consent does not cover "
                             "it.")
class WithheldField:
    field: str = strawberry.field(description="The GraphQL field name, e.g. agencyText.")
    scope: ConsentScope = strawberry.field(description="The scope that would release it.")
    reason: str


# Event fields that carry a contract field; which scope each needs is read from the
# contract's sensitivity options, not kept here.
_EVENT_SOURCES = {
    "agencyText": vocabulary_pb2.Status.DESCRIPTOR.fields_by_name["agency_text"],
    "dueDate": case_pb2.CaseEvent.DESCRIPTOR.fields_by_name["due_date"],
    "office": case_pb2.CaseEvent.DESCRIPTOR.fields_by_name["office"],
    "hearing": case_pb2.CaseEvent.DESCRIPTOR.fields_by_name["hearing"],
}
DETAILS_FIELDS = tuple(name for name, field in _EVENT_SOURCES.items()
                       if scope_of(field) == Scope.DETAILS)
# Contract paths relative to an event (as in Event.unopened) -> GraphQL field.
_FIELD_OF_PATH = {("status." if f.containing_type is vocabulary_pb2.Status.DESCRIPTOR else "")
                  + f.name: name for name, f in _EVENT_SOURCES.items()}
# The agency's wording in its other languages is shown through agencyText too.
_FIELD_OF_PATH["status.agency_texts"] = "agencyText"
NUMBER_MASKED_REASON = ("masked: at this agency the case number identifies the person "
                        "(an A-number); the IDENTITY scope shows it whole")


UNOPENED_REASON = ("its sealed value could not be opened (altered on the way, or sealed to a "
                   "key this server does not hold)")


def _unopened(event: Event) -> list[WithheldField]:
    # One entry per GraphQL field, though several contract fields may feed it.
    fields = dict.fromkeys(_FIELD_OF_PATH[path] for path in event.unopened
                           if path in _FIELD_OF_PATH)
    return [WithheldField(field=name, scope=scope_of(_EVENT_SOURCES[name]),
                          reason=UNOPENED_REASON) for name in fields]


def withheld_details(scopes: frozenset[Scope], reason: str) -> list[WithheldField]:
    """What a reader without DETAILS does not get, and why."""
    if Scope.DETAILS in scopes:
        return []
    return [WithheldField(field=name, scope=ConsentScope.DETAILS, reason=reason)
            for name in DETAILS_FIELDS]


@strawberry.type(description="One step of one case, on the merged timeline. Fields outside "
                             "the reader's consent are null and listed under `withheld`.")
class TimelineEvent:
    at: datetime
    agency: Agency
    case_number: str
    category: StatusCategory | None
    milestone: Milestone | None
    title: str
    description: str
    next_step: str
    agency_code: str = strawberry.field(description="The agency's own status code or title.")
    match: StatusMatch | None = strawberry.field(
        description="How the agency's status code matched its mapping table (EXACT, VARIANT, "
                    "AMBIGUOUS, NONE); null when the agency's adapter does not say.")
    agency_text: str | None = strawberry.field(
        description="The agency's own wording for this event (DETAILS), in the language "
                    "asked for when the agency supplies it, else in the agency's own "
                    "(English).")
    # The language agency_text is in (pages mark it, so a screen reader pronounces it right).
    agency_text_language: strawberry.Private[str]
    action_required: bool
    due_date: date | None = strawberry.field(description="When the applicant must act "
                                                         "(DETAILS).")
    office: str | None = strawberry.field(description="The office handling it (DETAILS).")
    hearing: HearingInfo | None = strawberry.field(description="Hearing time, place and judge "
                                                               "(DETAILS).")
    withheld: list[WithheldField]

    @classmethod
    def from_domain(cls, event: Event, agency: AgencyInfo, language: str,
                    withheld: list[WithheldField] | None = None, *,
                    mask_case_number: bool = False) -> TimelineEvent:
        """The event in ``language``; DETAILS fields are dropped when ``withheld`` says so,
        and the case number is masked when it identifies the person and the reader may not
        see IDENTITY."""
        title, description, next_step = _texts(event.status, language)
        unopened = _unopened(event)
        masked = ([WithheldField(field="caseNumber", scope=ConsentScope.IDENTITY,
                                 reason=NUMBER_MASKED_REASON)] if mask_case_number else [])
        shown = set() if withheld else set(_EVENT_SOURCES) - {w.field for w in unopened}
        agency_text, agency_language = event.status.agency_text_in(language)
        return cls(at=event.at, agency=Agency.from_domain(agency, language),
                   case_number=(mask_number(event.case_number) if mask_case_number
                                else event.case_number),
                   category=category(event.status.category),
                   milestone=milestone(event.status.milestone), title=title,
                   description=description, next_step=next_step,
                   agency_code=event.status.agency_code,
                   match=status_match(event.status.match),
                   agency_text=agency_text if "agencyText" in shown else None,
                   agency_text_language=agency_language,
                   action_required=event.status.action_required,
                   due_date=event.due_date if "dueDate" in shown else None,
                   office=event.office if "office" in shown else None,
                   hearing=(HearingInfo.from_domain(event.hearing)
                            if "hearing" in shown and event.hearing else None),
                   withheld=[*(withheld or []), *unopened, *masked])


# Codes that say the request, not the agency, was at fault (see aggregator.federation.faults).
_REFUSED = frozenset({"INVALID_ARGUMENT", "OUT_OF_RANGE", "NOT_FOUND", "PERMISSION_DENIED",
                      "UNAUTHENTICATED", "ALREADY_EXISTS"})


def agency_failure_text(code: str, agency: AgencyInfo, language: str) -> str:
    """What an agency's failure ``code`` means for the reader, in ``language``, with the code
    beside it."""
    name = agency.display_name(language)
    if code == "DEADLINE_EXCEEDED":
        return message(language, "{agency} did not answer in time ({code}); try again in a "
                                 "few minutes", agency=name, code=code)
    if code == "UNAVAILABLE":
        return message(language, "{agency} cannot be reached right now ({code}); try again "
                                 "in a few minutes", agency=name, code=code)
    if code == "CIRCUIT_OPEN":
        return message(language, "{agency} failed several times in a row and is not being "
                                 "asked for a few seconds ({code}); try again in a few "
                                 "minutes", agency=name, code=code)
    if code == "RESOURCE_EXHAUSTED":
        return message(language, "{agency} has too many requests right now ({code}); try "
                                 "again in a few minutes", agency=name, code=code)
    if code in _REFUSED:
        return message(language, "{agency} refused this request ({code}); if it happens "
                                 "again, tell Caseline's support", agency=name, code=code)
    return message(language, "{agency} could not answer because of a problem on its side "
                             "({code}); try again later", agency=name, code=code)


@strawberry.type(description="An agency that could not answer this request.")
class AgencyError:
    agency: Agency
    code: str = strawberry.field(
        description="UNAVAILABLE, DEADLINE_EXCEEDED, CIRCUIT_OPEN or another gRPC status name.")
    message: str

    @classmethod
    def from_domain(cls, failure: AgencyFailure, agency: AgencyInfo, language: str) -> AgencyError:
        """The failure as a GraphQL value, in plain words (the transport's own text, such as
        addresses, goes to the log, never to the reader)."""
        return cls(agency=Agency.from_domain(agency, language), code=failure.code,
                   message=agency_failure_text(failure.code, agency, language))


@strawberry.type(description="Events across agencies, ordered by time; agencies that failed "
                             "are listed under `unavailable`.")
class TimelineView:
    events: list[TimelineEvent]
    unavailable: list[AgencyError]
