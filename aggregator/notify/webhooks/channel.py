"""The webhook channel (``aggregator.notify.ports.Channel``): a recipient's ACTIVE endpoints
are their targets; each delivery is one signed POST, classified by its answer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from aggregator.notify.model import ChannelKind, Delivery, DeliveryError, Released
from aggregator.notify.webhooks.calls import EndpointCaller
from aggregator.notify.webhooks.http import NoAnswer
from aggregator.notify.webhooks.model import Attempt, Endpoint, EndpointState, Problem
from aggregator.notify.webhooks.payload import encode, event_of, payload_of
from aggregator.notify.webhooks.settings import WebhookSettings
from aggregator.notify.webhooks.store import WebhookStore
from aggregator.notify.webhooks.urls import UrlRefused

__all__ = ["WebhookChannel", "refusal_of"]

log = logging.getLogger(__name__)

# Statuses after which another attempt may succeed: the receiver timed out or asked us to
# slow down (5xx are added below).
_RETRYABLE = frozenset({408, 429})


def refusal_of(status: int) -> DeliveryError | None:
    """What an answer's status means for the delivery: None when delivered (2xx); a
    transient DeliveryError for 5xx, 408 and 429; a permanent one otherwise (other 4xx,
    3xx: redirects are not followed, 410 Gone: the receiver wants no more)."""
    if 200 <= status < 300:
        return None
    if status >= 500 or status in _RETRYABLE:
        return DeliveryError(f"the endpoint answered HTTP {status}; will retry")
    if status == 410:
        return DeliveryError("the endpoint answered 410 Gone: it is disabled until "
                             "verified again", permanent=True)
    if 300 <= status < 400:
        return DeliveryError(f"the endpoint answered a redirect (HTTP {status}), which "
                             "webhooks do not follow: register the final URL",
                             permanent=True)
    return DeliveryError(f"the endpoint refused the delivery (HTTP {status})", permanent=True)


class WebhookChannel:
    """Delivers released notifications to webhook endpoints."""

    kind = ChannelKind.WEBHOOK

    def __init__(self, store: WebhookStore, caller: EndpointCaller, settings: WebhookSettings,
                 clock: Callable[[], datetime]) -> None:
        self._store = store
        self._caller = caller
        self._settings = settings
        self._clock = clock

    def targets(self, recipient_id: str) -> Sequence[str]:
        """The ids of the recipient's ACTIVE endpoints (unverified and disabled ones get
        nothing)."""
        return self._store.active_ids(recipient_id)

    async def deliver_many(self, items: Sequence[tuple[Released, Delivery]]
                           ) -> list[DeliveryError | None]:
        """``deliver`` for several deliveries at once, each outcome in order (None:
        delivered): the endpoints read and opened in one query, the requests sent
        concurrently, the attempts logged in one transaction."""
        endpoints = await asyncio.to_thread(self._store.get_many,
                                            [d.target for _, d in items])
        attempts: list[tuple[str, Attempt]] = []

        async def one(message: Released, delivery: Delivery) -> DeliveryError | None:
            try:
                await self._post(message, endpoints.get(delivery.target), attempts)
            except DeliveryError as exc:
                return exc
            except Exception as exc:  # a bug: retried like a failure, and logged
                log.exception("webhook delivery %s failed unexpectedly", delivery.id)
                return DeliveryError(f"{type(exc).__name__}: {exc}")
            return None

        try:
            return list(await asyncio.gather(*(one(m, d) for m, d in items)))
        finally:
            await asyncio.to_thread(self._store.log_many, attempts)

    async def deliver(self, message: Released, delivery: Delivery) -> None:
        """POST ``message`` (``case.status_changed``, or an alert's ``case.deadline`` /
        ``case.inquiry_date``) to the endpoint ``delivery.target``,
        ``webhook-id`` = the notification id. DeliveryError when it was not delivered:
        permanent for an endpoint that is gone, disabled, refused by the URL policy or
        that refused for good (410 also disables it); transient otherwise."""
        await self._post(message, await asyncio.to_thread(self._store.get, delivery.target))

    async def _post(self, message: Released, endpoint: Endpoint | None,
                    attempts: list[tuple[str, Attempt]] | None = None) -> None:
        if endpoint is None or endpoint.account_id != message.notification.recipient_id:
            raise DeliveryError("the webhook endpoint no longer exists", permanent=True)
        if endpoint.state != EndpointState.ACTIVE:
            raise DeliveryError(f"the webhook endpoint is {endpoint.state}, not ACTIVE",
                                permanent=True)
        body = encode(payload_of(message, self._clock()))
        try:
            answer = await self._caller.call(endpoint, message.id, event_of(message), body,
                                             timeout_s=self._settings.timeout_s, log=attempts)
        except NoAnswer as exc:
            raise DeliveryError(exc.message) from exc
        except UrlRefused as exc:
            raise DeliveryError(f"the webhook URL may not be called now: {exc.message}",
                                permanent=True) from exc
        refusal = refusal_of(answer.status)
        if refusal is None:
            return
        if answer.status == 410:
            # The endpoint's id only: its URL and account are personal data.
            log.info("webhook endpoint %s answered 410 Gone: disabled", endpoint.id)
            await asyncio.to_thread(
                self._store.set_state, endpoint.id, EndpointState.DISABLED,
                problem=Problem("GONE", "the endpoint answered 410 Gone to a delivery",
                                410))
        raise refusal
