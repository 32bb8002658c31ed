"""``/me/notifications/stream``: Server-Sent Events carrying each notification delivered
in-app to the signed-in person, for the pages' script (gateway/web/static/notifications.js)
to prepend to the list and count on the badge without a reload.

Authenticated by the page session (its cookie is sent by ``EventSource`` from the same
origin); it neither renews the session nor outlives it, so an idle session still ends and
the browser's reconnect is then refused (401, after which ``EventSource`` stops). A comment
line goes out every ``HEARTBEAT_S`` so proxies keep the connection and a vanished browser is
noticed; each session holds at most ``MAX_STREAMS_PER_SESSION`` streams. A reconnecting
browser names the last event it got (``Last-Event-ID``), and the page the newest item it
shows (``?since=``): what came after is sent first.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import orjson
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from aggregator.consent.vocabulary import Role
from gateway.live_slots import Listening, LiveSlots, NoSlot, Slot
from gateway.messages import message
from gateway.web.erased import unless_erased
from gateway.web.headers import secure
from gateway.web.notification_view import NotificationItem, items, live_item
from gateway.web.pages import Pages
from gateway.web.session import SESSION_IDLE_S, csrf_token, signed_in

__all__ = ["CATCH_UP", "HEARTBEAT_S", "MAX_SINCE_LENGTH", "MAX_STREAMS_PER_SESSION",
           "RETRY_MS", "routes"]

HEARTBEAT_S = 15.0
# A page per tab: a few tabs open at once, not hundreds.
MAX_STREAMS_PER_SESSION = 4
# How long EventSource waits before reconnecting after the stream ends.
RETRY_MS = 5_000
# On (re)connecting with the id of the newest notification the page has (Last-Event-ID, sent
# by EventSource itself on a reconnect, or ?since= from the page), the newer ones among the
# newest CATCH_UP are sent first: none is lost while the browser was away.
CATCH_UP = 20
MAX_SINCE_LENGTH = 128


def _session_key(request: Request) -> str:
    # The session's CSRF token is random per session and never leaves it; its hash names
    # the session without keeping the token itself.
    return hashlib.sha256(csrf_token(request).encode()).hexdigest()


def _seconds_left(request: Request) -> float:
    user = request.session.get("user")
    expires = float(user.get("exp", 0)) if isinstance(user, dict) else 0.0
    return max(0.0, min(expires - time.time(), float(SESSION_IDLE_S)))


def routes(pages: Pages, roles: Sequence[Role]) -> list[BaseRoute]:
    """The stream route for people of ``roles``."""
    service = pages.service
    slots = LiveSlots(MAX_STREAMS_PER_SESSION)

    async def stream(request: Request) -> Response:
        who = signed_in(request)
        language = pages.language(request)
        if who is None:
            return _plain(message(language, "Sign in to receive notifications."), 401)
        if who.role not in roles:
            return _plain(message(language, "This account receives no notifications."), 403)
        service.check_not_erased(who.subject)
        hub = service.notify
        if hub is None:
            # 204 tells EventSource not to reconnect.
            return secure(Response(status_code=204))
        try:
            slot = slots.take(_session_key(request))
        except NoSlot:
            response = _plain(message(language, "Too many notification streams are open "
                                                "for this session; close a tab."), 429)
            response.headers["Retry-After"] = "30"
            return response

        since = request.headers.get("last-event-id") or request.query_params.get("since")

        def event(item: NotificationItem) -> ServerSentEvent:
            unread = hub.inbox.unread_count(who.subject)
            return ServerSentEvent(orjson.dumps(item.as_json(unread)).decode(),
                                   event="notification", id=str(item.shown.id))

        async def events() -> AsyncIterator[ServerSentEvent]:
            yield ServerSentEvent(comment="connected", retry=RETRY_MS)
            # Listening first, then catching up: nothing delivered in between is lost
            # (a repeat is dropped by id).
            live = Listening(hub.live.subscribe(who.subject), _seconds_left(request))
            try:
                await live.start()
                # The count as it is now, for a badge drawn before something changed it.
                yield ServerSentEvent(orjson.dumps(
                    {"unread": hub.inbox.unread_count(who.subject)}).decode(),
                    event="unread")
                sent = set()
                for item in _missed(since):
                    sent.add(str(item.shown.id))
                    yield event(item)
                async for released in live:
                    if released.id not in sent:
                        yield event(live_item(service, who, released, language))
            finally:
                await live.aclose()

        def _missed(since: str | None) -> list[NotificationItem]:
            if not since or len(since) > MAX_SINCE_LENGTH:
                return []
            newest = hub.inbox.page(who.subject, CATCH_UP).items
            ids = [n.id for n in newest]
            missed = newest[:ids.index(since)] if since in ids else ()
            return items(service, who, list(reversed(missed)), language)

        response = _SlotHeld(slot, events(), ping=HEARTBEAT_S, send_timeout=HEARTBEAT_S * 2)
        response.headers["Cache-Control"] = "no-store"
        return secure(response)

    return [Route("/me/notifications/stream", unless_erased(pages, stream), methods=["GET"])]


class _SlotHeld(EventSourceResponse):
    """The stream, its slot given back however it ends (also when it never started: a
    HEAD request, a client gone before the first byte)."""

    def __init__(self, slot: Slot, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._slot = slot

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._slot.release()


def _plain(text: str, status: int) -> Response:
    return secure(PlainTextResponse(text, status_code=status))

