"""Webhooks in GraphQL: the viewer's endpoints with their delivery log, and the mutations
that register, verify, rotate and delete them. Applicants and representatives alike.

``Mutation`` and ``Viewer`` inherit the fields of ``WebhookMutations`` and
``WebhookFields``, so this module holds all of it."""

from __future__ import annotations

from datetime import datetime

import strawberry

from aggregator.notify.webhooks import (
    Attempt,
    Endpoint,
    EndpointState,
    Registered,
    WebhookError,
    Webhooks,
)
from aggregator.notify.webhooks.service import MAX_LOG_PAGE
from gateway.context import Context
from gateway.messages import message
from gateway.schema.errors import UserFacingError
from gateway.schema.permissions import CanBeGrantee, signed_in
from gateway.webhook_refusals import webhook_problem_text, webhook_refusal_text

__all__ = ["Webhook", "WebhookDelivery", "WebhookFields", "WebhookMutations", "WebhookState"]

Info = strawberry.Info[Context, None]

WebhookState = strawberry.enum(
    EndpointState, name="WebhookState",
    description="UNVERIFIED until the endpoint echoed the verification challenge; ACTIVE "
                "endpoints receive notifications; DISABLED after a 410 Gone (verify again "
                "to resume).")


@strawberry.type(description="One attempt to call a webhook endpoint (deliveries and "
                             "verifications), from its log.")
class WebhookDelivery:
    at: datetime
    status: int | None = strawberry.field(description="The HTTP status answered; null when "
                                                      "no answer came.")
    duration_ms: int
    error: str = strawberry.field(description="Why it failed; empty when it succeeded.")
    message_id: str = strawberry.field(description="The webhook-id header: the notification "
                                                   "id (or the verification's id).")
    type: str = strawberry.field(description="case.status_changed, case.deadline, "
                                             "case.inquiry_date or webhook.verification.")

    @classmethod
    def from_domain(cls, attempt: Attempt) -> WebhookDelivery:
        """The GraphQL view of a logged attempt."""
        return cls(at=attempt.at, status=attempt.status, duration_ms=attempt.duration_ms,
                   error=attempt.error, message_id=attempt.message_id,
                   type=attempt.event_type)


@strawberry.type(description="An endpoint of yours that Caseline sends signed webhooks "
                             "(Standard Webhooks) to.")
class Webhook:
    id: strawberry.ID
    url: str
    state: WebhookState  # type: ignore[valid-type]
    created_at: datetime
    verified_at: datetime | None
    problem: str | None = strawberry.field(description="Why it is not ACTIVE, in plain "
                                                       "words; null when nothing is wrong.")
    secret: str | None = strawberry.field(
        default=None, description="The signing secret (whsec_...): only in the answer of "
                                  "registerWebhook and rotateWebhookSecret, never again.")

    @classmethod
    def from_domain(cls, endpoint: Endpoint, language: str,
                    secret: str | None = None) -> Webhook:
        """The GraphQL view of an endpoint (with its secret when just made)."""
        return cls(id=strawberry.ID(endpoint.id), url=endpoint.url, state=endpoint.state,
                   created_at=endpoint.created_at, verified_at=endpoint.verified_at,
                   problem=webhook_problem_text(endpoint.problem, language)
                   if endpoint.problem else None, secret=secret)

    @strawberry.field(description=f"The newest attempts, newest first (at most "
                                  f"{MAX_LOG_PAGE}).")
    def deliveries(self, info: Info, first: int = 20) -> list[WebhookDelivery]:
        if not 1 <= first <= MAX_LOG_PAGE:
            raise UserFacingError(message(info.context.language, "first: from 1 to {limit}",
                                          limit=MAX_LOG_PAGE), "BAD_USER_INPUT")
        return [WebhookDelivery.from_domain(a)
                for a in _webhooks(info).attempts(str(self.id), first)]


def _webhooks(info: Info) -> Webhooks:
    webhooks = info.context.service.webhooks
    if webhooks is None:
        raise UserFacingError(message(info.context.language, "webhooks are not available on "
                                                             "this installation"),
                              "UNAVAILABLE")
    return webhooks


def _refused(info: Info, exc: WebhookError) -> UserFacingError:
    return UserFacingError(webhook_refusal_text(exc, info.context.language), exc.code)


def _with_secret(info: Info, registered: Registered) -> Webhook:
    return Webhook.from_domain(registered.endpoint, info.context.language, registered.secret)


@strawberry.type
class WebhookFields:
    """The viewer's webhook fields."""

    @strawberry.field(description="Your webhook endpoints, oldest first.",
                      permission_classes=[CanBeGrantee])
    def webhooks(self, info: Info) -> list[Webhook]:
        account = signed_in(info).subject
        return [Webhook.from_domain(e, info.context.language)
                for e in _webhooks(info).endpoints(account)]


@strawberry.type
class WebhookMutations:
    """The webhook mutations."""

    @strawberry.mutation(description="Register an https endpoint for signed notifications; "
                                     "the answer holds its secret, shown this once. It "
                                     "receives nothing until verifyWebhook succeeds.",
                         permission_classes=[CanBeGrantee])
    async def register_webhook(self, info: Info, url: str) -> Webhook:
        try:
            registered = await _webhooks(info).register(signed_in(info).subject, url)
        except WebhookError as exc:
            raise _refused(info, exc) from exc
        return _with_secret(info, registered)

    @strawberry.mutation(description="Send the endpoint a signed webhook.verification event "
                                     "with a random challenge; it becomes ACTIVE when it "
                                     "answers 2xx within 10 s with {\"challenge\": "
                                     "\"<challenge>\"} (or the challenge alone). Otherwise "
                                     "`problem` says why.",
                         permission_classes=[CanBeGrantee])
    async def verify_webhook(self, info: Info, id: strawberry.ID) -> Webhook:
        try:
            outcome = await _webhooks(info).verify(signed_in(info).subject, str(id))
        except WebhookError as exc:
            raise _refused(info, exc) from exc
        return Webhook.from_domain(outcome.endpoint, info.context.language)

    @strawberry.mutation(description="A new signing secret, shown this once; the old one "
                                     "keeps signing too (both signatures are sent) for 24 "
                                     "hours.",
                         permission_classes=[CanBeGrantee])
    async def rotate_webhook_secret(self, info: Info, id: strawberry.ID) -> Webhook:
        try:
            registered = await _webhooks(info).rotate_secret(signed_in(info).subject, str(id))
        except WebhookError as exc:
            raise _refused(info, exc) from exc
        return _with_secret(info, registered)

    @strawberry.mutation(description="Delete an endpoint and its delivery log; returns its "
                                     "id.", permission_classes=[CanBeGrantee])
    async def delete_webhook(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        try:
            await _webhooks(info).delete(signed_in(info).subject, str(id))
        except WebhookError as exc:
            raise _refused(info, exc) from exc
        return id
