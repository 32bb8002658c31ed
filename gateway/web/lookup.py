"""The public lookup for the pages: the same checks, quota and use case as GraphQL's
``caseStatus`` (gateway/schema/query.py), with the outcome shaped for the status card."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from aggregator.config import AgencyConfig
from aggregator.federation.number_formats import number_formats
from aggregator.federation.routing import MAX_NUMBER_LENGTH, expected_formats
from aggregator.model import Case, LookupFailure, LookupOutcome
from aggregator.service import CaselineService
from gateway.invalid_number import invalid_number_text
from gateway.messages import message
from gateway.ratelimit import LookupLimits
from gateway.refusals import rate_limited_text, too_long_text
from gateway.schema.types import agency_failure_text
from gateway.web.case_types import case_label

__all__ = ["WITHOUT_STEP", "Card", "Hint", "Problem", "format_hints", "look_up", "presented",
           "statistics_path", "step_of"]

# The progress line has four steps (received, under review, interview or hearing, decision);
# each contract milestone (vocabulary.proto) sits on one of them, but those in WITHOUT_STEP.
_STEP = {
    "RECEIVED": 0, "TRANSFERRED": 1, "UNDER_REVIEW": 1, "BIOMETRICS_SCHEDULED": 1,
    "BIOMETRICS_COMPLETED": 1, "EVIDENCE_REQUESTED": 1, "EVIDENCE_RECEIVED": 1,
    "INTENT_TO_DENY": 1, "REOPENED": 1, "INTERVIEW_SCHEDULED": 2, "INTERVIEW_COMPLETED": 2,
    "HEARING_SCHEDULED": 2, "HEARING_COMPLETED": 2, "APPEALED": 2, "DECISION_MADE": 3,
    "DOCUMENT_ISSUED": 3, "DOCUMENT_MAILED": 3, "DOCUMENT_DELIVERED": 3,
    "DOCUMENT_RETURNED": 3, "APPEAL_DECIDED": 3, "WITHDRAWN": 3, "REJECTED": 3, "REVOKED": 3,
    # Sent on to the consulate or the court after USCIS acted; sent back for another look.
    "SENT_TO_OTHER_AGENCY": 3, "RETURNED_FROM_OTHER_AGENCY": 1,
    "DOCUMENT_HELD": 3, "DOCUMENT_DESTROYED": 3,
    "VOLUNTARY_DEPARTURE_GRANTED": 3,
    "EXPIRED": 3,
}

# These happen at any stage, so they say nothing of progress: the card shows no line.
WITHOUT_STEP = frozenset({"UNSPECIFIED", "EXPEDITE_REQUESTED", "PREMIUM_PROCESSING",
                          "NOTICE_SENT", "CASE_UPDATED"})


def statistics_path(agency_id: str, case_type: str) -> str:
    """The statistics page of a case type (gateway/web/statistics.py)."""
    return f"/statistics/{quote(agency_id, safe='')}/{quote(case_type, safe='')}"


def step_of(milestone: str) -> int | None:
    """The progress-line step of a contract milestone; None when unknown."""
    return _STEP.get(milestone)


@dataclass(frozen=True, slots=True)
class Hint:
    """One agency's accepted number formats, for the form."""

    agency: str
    formats: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Card:
    """A case's status as the card shows it."""

    number: str
    agency: str
    case_type: str
    case_type_name: str
    # The language case_type_name is in: the reader's when the agency supplies it, else "en"
    # (the page marks it, so a screen reader pronounces it right).
    case_type_language: str
    category: str
    milestone: str
    step: int | None
    title: str
    description: str
    next_step: str
    action_required: bool
    agency_code: str
    agency_text: str
    # The language agency_text is in: the reader's when the agency supplies it, else "en".
    agency_text_language: str
    updated_at: datetime
    # The statistics page of the case's type (/statistics/{agency}/{case_type}).
    statistics_url: str = ""
    # The case type as the pages name it ("I-485"; a data identifier such as
    # CREDIBLE_FEAR_REVIEW by its name); "" when it is the code.
    case_type_label: str = ""


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a number has no card: the lookup's error code and what to tell the person."""

    code: str
    text: str
    status: int
    retry_after_s: int | None = None


async def format_hints(service: CaselineService, language: str) -> list[Hint]:
    """Each agency's formats as its adapter describes them (Describe), else as configured."""
    agencies = service.config.agencies
    # All agencies asked at once: one that does not answer costs one deadline, not one each.
    described = await asyncio.gather(*(
        number_formats(service.adapters.get(a.id), service.config.deadline_s)
        for a in agencies))
    return [Hint(service.agencies[a.id].display_name(language),
                 tuple(f"{f.name_in(language)}: {f.example} ({f.description_in(language)})"
                       for f in formats)
                 if formats else (_registry_format(a, language),))
            for a, formats in zip(agencies, described, strict=True)]


def _registry_format(agency: AgencyConfig, language: str) -> str:
    """The registry's own words for an agency that cannot describe itself just now."""
    return expected_formats((agency,), language)


async def look_up(service: CaselineService, quotas: LookupLimits, client: str,
                  number: str, language: str) -> Card | Problem:
    """One public lookup: refused when too long (before anything else) or over the
    client's quota, then the aggregator's ``lookup`` use case."""
    if len(number) > MAX_NUMBER_LENGTH:
        return Problem("INVALID_NUMBER",
                       too_long_text(language, number, service.config.agencies), 400)
    refusal = await quotas.take(client, None, 1)
    if refusal is not None:
        return Problem("RATE_LIMITED", rate_limited_text(language, refusal, signed_in=False),
                       429, refusal.retry_after_s)
    [outcome] = await service.lookup([number])
    if isinstance(outcome, LookupFailure):
        return _problem(service, outcome, language)
    return _card(service, outcome, language)


def presented(service: CaselineService, outcome: LookupOutcome, language: str
              ) -> Card | Problem:
    """One outcome of the ``lookup`` use case as the pages show it (the bulk page's rows)."""
    if isinstance(outcome, LookupFailure):
        return _problem(service, outcome, language)
    return _card(service, outcome, language)


def _problem(service: CaselineService, failure: LookupFailure, language: str) -> Problem:
    if failure.code == "NOT_FOUND":
        return Problem("NOT_FOUND", message(
            language, "No case with the number {number} was found. Check the number on your "
                      "notice and try again.", number=failure.number), 404)
    agency = service.agencies.get(failure.agency_id)
    if failure.code == "AGENCY_UNAVAILABLE" and agency is not None:
        return Problem(failure.code, agency_failure_text(failure.cause, agency, language), 503)
    if failure.code == "INVALID_NUMBER":
        # What was wrong and the format expected, in the reader's language.
        return Problem(failure.code, invalid_number_text(language, failure,
                                                         service.config.agencies), 400)
    return Problem(failure.code, failure.message, 503)


def _card(service: CaselineService, case: Case, language: str) -> Card:
    status = case.status
    text = status.text(language)
    agency_text, agency_language = status.agency_text_in(language)
    return Card(
        number=case.number, agency=service.agencies[case.agency_id].display_name(language),
        case_type=case.case_type, case_type_name=case.type_name(language),
        case_type_language=language if language in case.case_type_names else "en",
        category=status.category, milestone=status.milestone,
        step=step_of(status.milestone),
        title=text.title if text else status.agency_code,
        description=text.description if text else "",
        next_step=text.next_step if text else "", action_required=status.action_required,
        agency_code=status.agency_code, agency_text=agency_text,
        agency_text_language=agency_language, updated_at=case.updated_at,
        statistics_url=statistics_path(case.agency_id, case.case_type),
        case_type_label=case_label(case, language))
