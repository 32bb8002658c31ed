"""Root query: public lookups and the signed-in viewer. Resolvers stay thin."""

from __future__ import annotations

import strawberry

from aggregator.model import LookupFailure, LookupOutcome
from aggregator.service import MAX_LOOKUP_BATCH
from gateway.context import Context
from gateway.messages import message
from gateway.schema.audit import AuditView
from gateway.schema.enums import Language, LookupErrorCode
from gateway.schema.errors import UserFacingError
from gateway.schema.permissions import IsAuditor, IsAuthenticated
from gateway.schema.types import Agency, CaseLookupError, CaseStatus, CaseStatusResult
from gateway.schema.viewer import Viewer

__all__ = ["Query"]

Info = strawberry.Info[Context, None]


def _language(info: Info, language: Language | None) -> str:
    return language.value if language is not None else info.context.language


def _result(info: Info, outcome: LookupOutcome, language: str) -> CaseStatus | CaseLookupError:
    if isinstance(outcome, LookupFailure):
        return CaseLookupError.from_domain(outcome)
    agency = info.context.service.agencies[outcome.agency_id]
    return CaseStatus.from_domain(outcome, agency, language)


def _rate_limited(info: Info, numbers: list[str],
                  language: str) -> list[CaseLookupError] | None:
    principal = info.context.principal
    representative = (principal.subject if principal and principal.role == "representative"
                      else None)
    refusal = info.context.rate_limiter.take(info.context.client, representative, len(numbers))
    if refusal is None:
        return None
    seconds = refusal.retry_after_s
    if refusal.per_account:
        text = message(language, "your account's lookup quota ({burst} at once, then {rate} "
                                 "per second) is used up; try again in {seconds} s",
                       burst=f"{refusal.policy.burst:g}", rate=f"{refusal.policy.per_second:g}",
                       seconds=seconds)
    elif principal is not None:
        text = message(language, "too many lookups from this client; try again in {seconds} s",
                       seconds=seconds)
    else:
        text = message(language, "too many lookups from this client; try again in {seconds} s "
                                 "(sign in to see your own cases without this limit)",
                       seconds=seconds)
    return [CaseLookupError(number=n, code=LookupErrorCode.RATE_LIMITED, message=text,
                            retry_after=seconds) for n in numbers]


@strawberry.type
class Query:
    @strawberry.field(description="Public status of one case number from any agency.")
    async def case_status(self, info: Info, number: str,
                          language: Language | None = None) -> CaseStatusResult:
        limited = _rate_limited(info, [number], _language(info, language))
        if limited:
            return limited[0]
        outcome = await info.context.status_loader.load(number)
        return _result(info, outcome, _language(info, language))

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
        limited = _rate_limited(info, numbers, _language(info, language))
        if limited:
            return list(limited)
        outcomes = await info.context.service.lookup(numbers)
        lang = _language(info, language)
        return [_result(info, o, lang) for o in outcomes]

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
