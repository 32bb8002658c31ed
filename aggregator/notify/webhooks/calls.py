"""One signed request to one endpoint, logged whatever happens."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from aggregator.notify.webhooks.http import Answer, NoAnswer, PinnedPoster
from aggregator.notify.webhooks.model import Attempt, Endpoint
from aggregator.notify.webhooks.signing import signature_headers, signing_secrets
from aggregator.notify.webhooks.store import WebhookStore
from aggregator.notify.webhooks.urls import UrlRefused

__all__ = ["EndpointCaller"]


class EndpointCaller:
    """Signs a body with the endpoint's live secrets, POSTs it through the URL policy and
    records the attempt in the endpoint's delivery log."""

    def __init__(self, store: WebhookStore, poster: PinnedPoster,
                 clock: Callable[[], datetime]) -> None:
        self._store = store
        self._poster = poster
        self._clock = clock

    async def call(self, endpoint: Endpoint, message_id: str, event_type: str, body: str, *,
                   timeout_s: float, read_limit: int = 0,
                   log: list[tuple[str, Attempt]] | None = None) -> Answer:
        """The endpoint's answer (any status); NoAnswer or UrlRefused otherwise. Every
        outcome is logged: at once, or appended to ``log`` for the caller to write with the
        rest of its batch (WebhookStore.log_many)."""
        now = self._clock()
        headers = signature_headers(message_id, now, body,
                                    signing_secrets(endpoint.secrets, now))
        try:
            answer = await self._poster.post(endpoint.url, headers, body.encode(),
                                             timeout_s=timeout_s, read_limit=read_limit)
        except NoAnswer as exc:
            await self._log(endpoint, Attempt(message_id, event_type, now, None,
                                              exc.duration_ms, exc.message), log)
            raise
        except UrlRefused as exc:
            await self._log(endpoint, Attempt(message_id, event_type, now, None, 0,
                                              f"refused: {exc.message}"), log)
            raise
        error = "" if 200 <= answer.status < 300 else f"HTTP {answer.status}"
        await self._log(endpoint, Attempt(message_id, event_type, now, answer.status,
                                          answer.duration_ms, error), log)
        return answer

    async def _log(self, endpoint: Endpoint, attempt: Attempt,
                   log: list[tuple[str, Attempt]] | None) -> None:
        if log is not None:
            log.append((endpoint.id, attempt))
        else:
            await asyncio.to_thread(self._store.log, endpoint.id, attempt)
