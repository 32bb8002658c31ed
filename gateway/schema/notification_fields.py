"""What the notification fields do: the list, the unread count, marking read and the live
subscription, over ``CaselineService.notify`` (None: notifications are not running here,
and the list is empty, the count 0)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing

import strawberry

from aggregator.consent.policy import Principal
from aggregator.consent.vocabulary import Role
from aggregator.notify.model import Notification as Told
from aggregator.notify.ports import Inbox
from gateway.context import Context
from gateway.live_slots import Listening, NoSlot
from gateway.messages import message
from gateway.schema.errors import UserFacingError
from gateway.schema.notifications import (
    MAX_IDS,
    MAX_PAGE,
    Notification,
    NumberMasks,
    agency_info,
)
from gateway.schema.permissions import signed_in

__all__ = ["MAX_WALK", "mark_read", "notification_added", "notification_list",
           "unread_count"]

# How far back `after` may point: the newest this many notifications.
MAX_WALK = 1000

Info = strawberry.Info[Context, None]


def unread_count(info: Info, subject: str) -> int:
    """How many of ``subject``'s notifications are unread (0 when none are kept here)."""
    hub = info.context.service.notify
    return 0 if hub is None else hub.inbox.unread_count(subject)


def _masks(info: Info, reader: str) -> NumberMasks:
    context = info.context
    role = context.principal.role if context.principal else Role.APPLICANT
    return NumberMasks(context.service.store, context.service.agencies,
                       Principal(reader, role), context.service.consents.now())


def notification_list(info: Info, subject: str, language: str, first: int,
                      after: str | None) -> list[Notification]:
    """One page of ``subject``'s notifications, newest first, in ``language``."""
    if not 1 <= first <= MAX_PAGE:
        raise UserFacingError(message(
            language, "first: give a number from 1 to {limit}, got {first}", limit=MAX_PAGE,
            first=first), "INVALID_INPUT", argument="first", limit=MAX_PAGE)
    hub = info.context.service.notify
    if hub is None:
        return []
    found = (hub.inbox.page(subject, first).items if after is None
             else _after_id(hub.inbox, subject, first, after))
    if found is None:
        raise UserFacingError(message(
            language, "after: not one of your notifications; pass the id of the last "
                      "notification of the page before"), "INVALID_INPUT",
            argument="after")
    masks = _masks(info, subject)
    agencies = info.context.service.agencies
    return [Notification.from_domain(n, agency_info(agencies, n.agency_id), language,
                                     masked=masks.masked(n)) for n in found]


def _after_id(inbox: Inbox, subject: str, first: int, after_id: str
              ) -> Sequence[Told] | None:
    """The ``first`` notifications after the one with id ``after_id``, found by walking the
    inbox's own pages (its cursors are its business: the API's list is plain, and names
    a place in it by a notification's id); None when it is not among the newest
    MAX_WALK."""
    cursor: str | None = None
    for _ in range(MAX_WALK // MAX_PAGE):
        page = inbox.page(subject, MAX_PAGE, cursor)
        ids = [n.id for n in page.items]
        if after_id in ids:
            rest = list(page.items[ids.index(after_id) + 1:])
            while len(rest) < first and page.has_next_page:
                page = inbox.page(subject, MAX_PAGE, page.end_cursor)
                rest += page.items
            return rest[:first]
        if not page.has_next_page:
            return None
        cursor = page.end_cursor
    return None


def mark_read(info: Info, ids: Sequence[str]) -> list[Notification]:
    """Mark the signed-in person's notifications among ``ids`` read; the ones marked, as
    they are now (ids of others' notifications are ignored and never named)."""
    language = info.context.language
    if len(ids) > MAX_IDS:
        raise UserFacingError(message(
            language, "ids: at most {limit} notification ids per request, got {count}; "
                      "mark them in several requests", limit=MAX_IDS, count=len(ids)),
            "INVALID_INPUT", argument="ids", limit=MAX_IDS)
    subject = signed_in(info).subject
    hub = info.context.service.notify
    if hub is None or not ids:
        return []
    marked = set(hub.inbox.mark_read(subject, ids))
    if not marked:
        return []
    # The marked ones as stored now, from the newest pages (a mark is made from a list the
    # person is looking at, so they are there; the walk stops once all are found).
    found: list[Notification] = []
    masks = _masks(info, subject)
    agencies = info.context.service.agencies
    after: str | None = None
    for _ in range(20):
        page = hub.inbox.page(subject, MAX_PAGE, after)
        found += [Notification.from_domain(n, agency_info(agencies, n.agency_id), language,
                                           masked=masks.masked(n))
                  for n in page.items if n.id in marked]
        if len(found) == len(marked) or not page.has_next_page:
            break
        after = page.end_cursor
    order = {i: position for position, i in enumerate(ids)}
    return sorted(found, key=lambda n: order.get(str(n.id), 0))


async def notification_added(info: Info, language: str | None
                             ) -> AsyncIterator[Notification]:
    """Each notification delivered in-app to the signed-in person from now on: in
    ``language`` when given, else in their stored language. Ends when their token
    expires (the client reconnects with a fresh one)."""
    context = info.context
    subject = signed_in(info).subject
    hub = context.service.notify
    shown = language or context.language
    if hub is None:
        raise UserFacingError(message(shown, "notifications are not running on this "
                                             "server"), "NOTIFICATIONS_OFF")
    try:
        slot = context.live_slots.take(subject)
    except NoSlot as exc:
        raise UserFacingError(message(
            shown, "at most {limit} live notification streams per account are open at "
                   "once; close one first", limit=exc.limit), "TOO_MANY_STREAMS",
            limit=exc.limit) from exc
    agencies = context.service.agencies
    with slot:
        async with aclosing(Listening(hub.live.subscribe(subject),
                                      context.seconds_left())) as updates:
            async for released in updates:
                yield Notification.from_release(
                    released, agency_info(agencies, released.notification.agency_id),
                    language)
