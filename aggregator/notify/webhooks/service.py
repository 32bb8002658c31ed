"""What an account does with its webhooks: register, verify, rotate the secret, delete,
read the delivery log. The gateway's API and pages call this; the delivery loop calls
``Webhooks.channel``."""

from __future__ import annotations

import asyncio
import secrets as random
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aggregator.notify.webhooks.calls import EndpointCaller
from aggregator.notify.webhooks.channel import WebhookChannel
from aggregator.notify.webhooks.http import NoAnswer, PinnedPoster, Resolver, system_resolver
from aggregator.notify.webhooks.model import (
    VERIFICATION_EVENT,
    Attempt,
    Endpoint,
    EndpointState,
    Problem,
)
from aggregator.notify.webhooks.payload import (
    MAX_ECHO_BYTES,
    challenge_echoed,
    encode,
    verification_payload,
)
from aggregator.notify.webhooks.settings import WebhookSettings
from aggregator.notify.webhooks.signing import new_secret, rotate
from aggregator.notify.webhooks.store import WebhookStore
from aggregator.notify.webhooks.urls import MAX_URL_LENGTH, UrlRefused, check_url

__all__ = ["MAX_LOG_PAGE", "Registered", "Verification", "WebhookError", "Webhooks"]

MAX_LOG_PAGE = 100
_MAX_ENDPOINT_ID = 40


class WebhookError(ValueError):
    """A refused webhook request. ``code``: a UrlRefused reason, UNRESOLVED (the name has
    no address), LIMIT (too many endpoints), NOT_FOUND (no such endpoint of this account).
    ``params``: what the message names, for translated texts."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params = params


@dataclass(frozen=True, slots=True)
class Registered:
    """An endpoint with its new secret, shown to the account this once."""

    endpoint: Endpoint
    secret: str


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of a verification handshake: the endpoint as it is now (ACTIVE when the
    receiver echoed the challenge; otherwise its ``problem`` says why not)."""

    endpoint: Endpoint

    @property
    def ok(self) -> bool:
        """Whether the handshake succeeded."""
        return self.endpoint.state == EndpointState.ACTIVE


class Webhooks:
    """An installation's webhooks: the account-facing operations and the channel."""

    def __init__(self, store: WebhookStore, settings: WebhookSettings | None = None, *,
                 resolver: Resolver = system_resolver, tls: ssl.SSLContext | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 on_verified: Callable[[str], None] | None = None) -> None:
        """``resolver`` finds a name's addresses; ``tls`` checks receivers' certificates
        (None: the system's trusted CAs); ``on_verified(account_id)`` runs when one of the
        account's endpoints passes verification (webhooks are off until then)."""
        self._on_verified = on_verified
        self.settings = settings or WebhookSettings()
        self.store = store
        self._clock = clock
        self._poster = PinnedPoster(allow_local=self.settings.allow_local, resolver=resolver,
                                    verify=tls)
        self._caller = EndpointCaller(store, self._poster, clock)
        self.channel = WebhookChannel(store, self._caller, self.settings, clock)

    def endpoints(self, account_id: str) -> list[Endpoint]:
        """The account's endpoints, oldest first."""
        return self.store.of_account(account_id)

    def attempts(self, endpoint_id: str, first: int) -> list[Attempt]:
        """The endpoint's newest attempts (at most MAX_LOG_PAGE), newest first."""
        return self.store.attempts(endpoint_id, max(0, min(first, MAX_LOG_PAGE)))

    def _own(self, account_id: str, endpoint_id: str) -> Endpoint:
        endpoint = (self.store.get(endpoint_id) if len(endpoint_id) <= _MAX_ENDPOINT_ID
                    else None)
        if endpoint is None or endpoint.account_id != account_id:
            # Another account's endpoint reads as missing: ids are not revealed.
            raise WebhookError("NOT_FOUND", f"you have no webhook {endpoint_id[:64]!r}",
                               id=endpoint_id[:64])
        return endpoint

    async def register(self, account_id: str, url: str) -> Registered:
        """A new UNVERIFIED endpoint for ``url`` and its secret; WebhookError when the URL
        may not be called or the account has the most endpoints it may."""
        if len(url) > MAX_URL_LENGTH:  # before anything else looks at it
            raise WebhookError("TOO_LONG", f"a webhook URL has at most {MAX_URL_LENGTH} "
                                           f"characters, this one has {len(url)}",
                               limit=MAX_URL_LENGTH, length=len(url))
        limit = self.settings.max_endpoints
        if await asyncio.to_thread(self.store.count, account_id) >= limit:
            raise WebhookError("LIMIT", f"you have {limit} webhooks, the most an account may "
                                        "have; delete one first", limit=limit)
        try:
            target = check_url(url, allow_local=self.settings.allow_local)
            await self._poster.vet(url)
        except UrlRefused as exc:
            raise WebhookError(exc.reason, exc.message, **exc.params) from exc
        except OSError as exc:
            raise WebhookError("UNRESOLVED", f"{target.host} could not be found ({exc}); "
                                             "check the host name", host=target.host) from exc
        secret = new_secret(self._clock())
        endpoint = await asyncio.to_thread(self.store.add, account_id, target.url, secret,
                                           self._clock())
        return Registered(endpoint, secret.value)

    async def verify(self, account_id: str, endpoint_id: str) -> Verification:
        """Send a signed ``webhook.verification`` event with a random challenge; the
        endpoint becomes ACTIVE when it answers 2xx echoing the challenge within
        ``verification_timeout_s``. Otherwise it is UNVERIFIED (DISABLED stays DISABLED)
        with the reason in ``problem``."""
        endpoint = await asyncio.to_thread(self._own, account_id, endpoint_id)
        challenge = random.token_urlsafe(24)
        message_id = "msg_verify_" + random.token_hex(12)
        body = encode(verification_payload(challenge, self._clock()))
        problem: Problem | None = None
        try:
            answer = await self._caller.call(endpoint, message_id, VERIFICATION_EVENT, body,
                                             timeout_s=self.settings.verification_timeout_s,
                                             read_limit=MAX_ECHO_BYTES)
        except NoAnswer as exc:
            problem = Problem("NO_ANSWER", f"no answer to the verification: {exc.message}")
        except UrlRefused as exc:
            problem = Problem("REFUSED", f"the URL may not be called: {exc.message}")
        else:
            if not 200 <= answer.status < 300:
                problem = Problem("STATUS", f"the endpoint answered HTTP {answer.status} to "
                                            "the verification; expected 2xx with the "
                                            "challenge", answer.status)
            elif not challenge_echoed(answer.body, challenge):
                problem = Problem("WRONG_ECHO", "the endpoint answered 2xx but did not echo "
                                                "the challenge; expected the body "
                                                '{"challenge": "<the challenge>"} or the '
                                                "challenge alone", answer.status)
        if problem is None:
            await asyncio.to_thread(self.store.set_state, endpoint.id, EndpointState.ACTIVE,
                                    verified_at=self._clock())
            if self._on_verified is not None:
                await asyncio.to_thread(self._on_verified, account_id)
        else:
            state = (EndpointState.DISABLED if endpoint.state == EndpointState.DISABLED
                     else EndpointState.UNVERIFIED)
            await asyncio.to_thread(self.store.set_state, endpoint.id, state,
                                    problem=problem)
        return Verification(await asyncio.to_thread(self._own, account_id, endpoint_id))

    async def rotate_secret(self, account_id: str, endpoint_id: str) -> Registered:
        """A new current secret, shown this once; the previous one keeps signing too for
        ``rotation_grace``."""
        endpoint = await asyncio.to_thread(self._own, account_id, endpoint_id)
        fresh, secrets = rotate(endpoint.secrets, self._clock(), self.settings.rotation_grace)
        await asyncio.to_thread(self.store.set_secrets, endpoint, secrets)
        return Registered(await asyncio.to_thread(self._own, account_id, endpoint_id),
                          fresh.value)

    async def delete(self, account_id: str, endpoint_id: str) -> None:
        """Delete the account's endpoint and its log; NOT_FOUND when it has none such."""
        if len(endpoint_id) > _MAX_ENDPOINT_ID or not await asyncio.to_thread(
                self.store.remove, account_id, endpoint_id):
            raise WebhookError("NOT_FOUND", f"you have no webhook {endpoint_id[:64]!r}",
                               id=endpoint_id[:64])

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._poster.aclose()
