"""Root query: public lookups and the signed-in viewer. Resolvers stay thin."""

from __future__ import annotations

from datetime import date

import strawberry

from aggregator.consent.vocabulary import Role
from aggregator.federation.routing import MAX_NUMBER_LENGTH, shown_number
from aggregator.model import LookupFailure, LookupOutcome
from aggregator.service import MAX_LOOKUP_BATCH
from gateway.context import Context
from gateway.messages import message
from gateway.refusals import rate_limited_text, too_long_text
from gateway.schema.audit import AuditView
from gateway.schema.enums import Language, LookupErrorCode
from gateway.schema.errors import UserFacingError
from gateway.schema.permissions import IsAuditor, IsAuthenticated
from gateway.schema.processing import ProcessingTimeRow, processing_times
from gateway.schema.types import Agency, CaseLookupError, CaseStatus, CaseStatusResult
from gateway.schema.viewer import Viewer

__all__ = ["Query"]

Info = strawberry.Info[Context, None]


def _language(info: Info, language: Language | None) -> str:
    return language.value if language is not None else info.context.language


def _result(info: Info, outcome: LookupOutcome, language: str) -> CaseStatus | CaseLookupError:
    agencies = info.context.service.agencies
    if isinstance(outcome, LookupFailure):
        return CaseLookupError.from_domain(outcome, agencies.get(outcome.agency_id), language,
                                           info.context.service.config.agencies)
    return CaseStatus.from_domain(outcome, agencies[outcome.agency_id], language)


def _too_long(info: Info, number: str, language: str) -> CaseLookupError | None:
    """INVALID_NUMBER for a number longer than any case number, before any other work
    (no pattern, rate limit or agency sees it)."""
    if len(number) <= MAX_NUMBER_LENGTH:
        return None
    return CaseLookupError(
        number=shown_number(number), code=LookupErrorCode.INVALID_NUMBER,
        message=too_long_text(language, number, info.context.service.config.agencies))


async def _rate_limited(info: Info, numbers: list[str],
                        language: str) -> list[CaseLookupError] | None:
    principal = info.context.principal
    representative = (principal.subject if principal and principal.role == Role.REPRESENTATIVE
                      else None)
    refusal = await info.context.rate_limiter.take(info.context.client, representative,
                                                   len(numbers))
    if refusal is None:
        return None
    text = rate_limited_text(language, refusal, signed_in=principal is not None)
    return [CaseLookupError(number=n, code=LookupErrorCode.RATE_LIMITED, message=text,
                            retry_after=refusal.retry_after_s) for n in numbers]


@strawberry.type
class Query:
    @strawberry.field(description="Public status of one case number from any agency.")
    async def case_status(self, info: Info, number: str,
                          language: Language | None = None) -> CaseStatusResult:
        lang = _language(info, language)
        too_long = _too_long(info, number, lang)
        if too_long:
            return too_long
        limited = await _rate_limited(info, [number], lang)
        if limited:
            return limited[0]
        outcome = await info.context.status_loader.load(number)
        return _result(info, outcome, lang)

    @strawberry.field(description=f"Public status of up to {MAX_LOOKUP_BATCH} case numbers, "
                                  "mixed agencies, one result per number in the order given.")
    async def case_statuses(self, info: Info, numbers: list[str],
                            language: Language | None = None) -> list[CaseStatusResult]:
        if len(numbers) > MAX_LOOKUP_BATCH:
            raise UserFacingError(message(
                _language(info, language),
                "at most {limit} case numbers per request, got {count}; "
                "split the list into several requests", limit=MAX_LOOKUP_BATCH,
                count=len(numbers)), "TOO_MANY_NUMBERS", limit=MAX_LOOKUP_BATCH)
        lang = _language(info, language)
        results: list[CaseStatusResult | None] = [_too_long(info, n, lang) for n in numbers]
        asked = [n for n, r in zip(numbers, results, strict=True) if r is None]
        if asked:
            limited = await _rate_limited(info, asked, lang)
            answers: list[CaseStatusResult] = (
                list(limited) if limited else
                [_result(info, o, lang) for o in await info.context.service.lookup(asked)])
            answers.reverse()
            results = [r if r is not None else answers.pop() for r in results]
        return [r for r in results if r is not None]

    @strawberry.field(description="How long an agency takes to decide a case type, from its "
                                  "own aggregates: one row per office, then the agency-wide "
                                  "row (`office` null); or the one office's row. The period is "
                                  "whole months, by default the six complete months before "
                                  "this one (`firstMonth`, `lastMonth`: any day of a month; "
                                  "at most 37 months, none after this one). Counts as one "
                                  "public lookup against the rate limit.")
    async def processing_times(self, info: Info, agency: strawberry.ID, case_type: str,
                               office: str | None = None,
                               language: Language | None = Language.EN,
                               first_month: date | None = None,
                               last_month: date | None = None) -> list[ProcessingTimeRow]:
        return await processing_times(info, str(agency), case_type, office, language,
                                      first_month, last_month)

    @strawberry.field(description="The agencies Caseline federates.")
    def agencies(self, info: Info, language: Language | None = None) -> list[Agency]:
        lang = _language(info, language)
        return [Agency.from_domain(a, lang) for a in info.context.service.agencies.values()]

    @strawberry.field(description="The signed-in person.", permission_classes=[IsAuthenticated])
    def viewer(self, info: Info) -> Viewer | None:
        principal = info.context.principal
        return Viewer.from_principal(principal) if principal else None

    @strawberry.field(description="The verifiable ledger (auditors only).",
                      permission_classes=[IsAuditor])
    def audit(self) -> AuditView:
        return AuditView()
