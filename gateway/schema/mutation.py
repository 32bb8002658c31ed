"""Mutations: linking cases and managing consents. Each returns a ledger receipt."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from aggregator.consent.linking import LinkError
from aggregator.consent.records import ConsentError
from aggregator.consent.service import (
    MAX_SHARED_NAME,
    ConsentChange,
    GrantRequest,
    UnknownGranteeError,
)
from aggregator.consent.vocabulary import ConsentState
from gateway.context import Context
from gateway.link_refusals import link_refusal_text
from gateway.messages import message
from gateway.schema.consent import Consent, GrantConsentInput, Receipt
from gateway.schema.errors import UserFacingError
from gateway.schema.notification_fields import mark_read
from gateway.schema.notifications import MAX_IDS, Notification
from gateway.schema.permissions import IsApplicant, IsAuthenticated
from gateway.schema.types import CaseStatus
from gateway.schema.webhooks import WebhookMutations

__all__ = ["Mutation", "grant_refusal"]

Info = strawberry.Info[Context, None]


@strawberry.type(description="A case now linked to you.")
class LinkResult:
    case: CaseStatus
    already_linked: bool
    receipt: Receipt


@strawberry.type(description="A case no longer linked to you.")
class UnlinkResult:
    number: str
    agency: strawberry.ID
    receipt: Receipt


def _subject(info: Info) -> str:
    principal = info.context.principal
    if principal is None:  # IsApplicant already refused; this keeps the types honest
        raise UserFacingError("sign in required", "UNAUTHENTICATED")
    return principal.subject


def grant_refusal(exc: ConsentError, language: str) -> str:
    """A refused grant in the reader's language (the texts this module knows to translate;
    the web pages' consent form says the same)."""
    if isinstance(exc, UnknownGranteeError):
        return message(language, "grantee: no account {grantee}; check the spelling with "
                       "the person you mean (they must have signed in to Caseline once)",
                       grantee=exc.grantee)
    if exc.code == "INVALID_SHARED_NAME":
        return message(language, "sharedName: the name to share has at most {limit} "
                       "characters: letters, digits, spaces and punctuation",
                       limit=MAX_SHARED_NAME)
    return str(exc)


def _consent(info: Info, change: ConsentChange) -> Consent:
    return Consent.from_domain(change.record, datetime.now(UTC), info.context.service.ledger,
                               change.appended)


async def _change(info: Info, consent_id: str, state: ConsentState) -> Consent:
    try:
        change = await info.context.service.consents.change(_subject(info), consent_id, state)
    except ConsentError as exc:
        raise UserFacingError(str(exc), exc.code) from exc
    return _consent(info, change)


@strawberry.type
class Mutation(WebhookMutations):
    @strawberry.mutation(description="Link one of your cases: its number and the access code "
                                     "printed on the agency's notice.",
                         permission_classes=[IsApplicant])
    async def link_case(self, info: Info, number: str, access_code: str) -> LinkResult:
        try:
            linked = await info.context.service.links.link(_subject(info), number, access_code)
        except LinkError as exc:
            extensions = ({"retryAfterSeconds": exc.retry_after_s}
                          if exc.retry_after_s else {})
            text = link_refusal_text(exc, number, info.context.language,
                                     info.context.service.config.agencies)
            raise UserFacingError(text, exc.code,
                                  **extensions) from exc
        service = info.context.service
        return LinkResult(
            case=CaseStatus.from_domain(linked.case, service.agencies[linked.case.agency_id],
                                        info.context.language),
            already_linked=not linked.created, receipt=Receipt.of(service.ledger,
                                                                  linked.appended))

    @strawberry.mutation(description="Unlink one of your cases.",
                         permission_classes=[IsApplicant])
    async def unlink_case(self, info: Info, number: str) -> UnlinkResult:
        try:
            unlinked = await info.context.service.links.unlink(_subject(info), number)
        except LinkError as exc:
            raise UserFacingError(str(exc), exc.code) from exc
        return UnlinkResult(number=unlinked.case_number,
                            agency=strawberry.ID(unlinked.agency_id),
                            receipt=Receipt.of(info.context.service.ledger, unlinked.appended))

    @strawberry.mutation(description="Let someone read some scopes of your cases at some "
                                     "agencies, for a purpose, until a time.",
                         permission_classes=[IsApplicant])
    async def grant_consent(self, info: Info, input: GrantConsentInput) -> Consent:
        request = GrantRequest(
            grantee_id=str(input.grantee), agencies=[str(a) for a in input.agencies],
            scopes=list(input.scopes), purpose=input.purpose,
            valid_until=input.valid_until, valid_from=input.valid_from,
            purpose_code=input.purpose_code,
            shared_name=input.shared_name)
        try:
            change = await info.context.service.consents.grant(_subject(info), request)
        except UnknownGranteeError as exc:
            raise UserFacingError(grant_refusal(exc, info.context.language), exc.code,
                                  grantee=exc.grantee) from exc
        except ConsentError as exc:
            raise UserFacingError(grant_refusal(exc, info.context.language), exc.code) from exc
        return _consent(info, change)

    @strawberry.mutation(description="Stop a consent for now; resume it later.",
                         permission_classes=[IsApplicant])
    async def pause_consent(self, info: Info, id: strawberry.ID) -> Consent:
        return await _change(info, str(id), ConsentState.PAUSED)

    @strawberry.mutation(description="Resume a paused consent.", permission_classes=[IsApplicant])
    async def resume_consent(self, info: Info, id: strawberry.ID) -> Consent:
        return await _change(info, str(id), ConsentState.ACTIVE)

    @strawberry.mutation(description="End a consent for good; effective on the next request.",
                         permission_classes=[IsApplicant])
    async def revoke_consent(self, info: Info, id: strawberry.ID) -> Consent:
        return await _change(info, str(id), ConsentState.REVOKED)

    @strawberry.mutation(description="Mark some of your notifications read (at most "
                                     f"{MAX_IDS} ids); returns those that are yours, as they "
                                     "are now. Ids that are not yours are ignored.",
                         permission_classes=[IsAuthenticated])
    def mark_notifications_read(self, info: Info,
                                ids: list[strawberry.ID]) -> list[Notification]:
        return mark_read(info, [str(i) for i in ids])
