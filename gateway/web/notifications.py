"""``/me/notifications``: the signed-in person's notifications, newest first, unread ones
marked, with forms (CSRF-checked) to mark one or all read; ``/me/notifications/stream``
(gateway/web/notification_stream.py) brings new ones without a reload."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from aggregator.consent.vocabulary import Role
from aggregator.notify.ports import Inbox
from gateway.messages import message
from gateway.schema.notifications import MAX_IDS, MAX_PAGE
from gateway.web import notification_stream
from gateway.web.erased import unless_erased
from gateway.web.notification_view import items
from gateway.web.pages import Pages
from gateway.web.session import checked_form

__all__ = ["MAX_CURSOR_LENGTH", "MAX_ID_LENGTH", "MAX_MARK_ALL", "PAGE_SIZE", "ROLES", "routes"]

# Who is told of changes: applicants (their own cases) and representatives (clients').
ROLES = (Role.APPLICANT, Role.REPRESENTATIVE)
PAGE_SIZE = 20
# The inbox's own cursors (opaque; about 100 characters in the SQL inbox).
MAX_CURSOR_LENGTH = 256
# A notification id (32 hexadecimal digits) with room to spare.
MAX_ID_LENGTH = 128
# "Mark all read" marks at most this many (the newest): a bound on one request's work.
MAX_MARK_ALL = 10 * MAX_PAGE


def routes(pages: Pages) -> list[BaseRoute]:
    """The list, its mark-read form and its live stream."""
    service = pages.service

    async def listing(request: Request) -> Response:
        who = pages.require(request, *ROLES)
        service.check_not_erased(who.subject)
        language = pages.language(request)
        hub = service.notify
        after = request.query_params.get("after") or None
        problem = None
        if after is not None and len(after) > MAX_CURSOR_LENGTH:
            after, problem = None, message(language, "That page of notifications does not "
                                                     "exist. Here are the newest.")
        if hub is None:
            return pages.render(request, "notifications.html", running=False, items=[],
                                after=None, next_after=None, problem=None)
        try:
            page = hub.inbox.page(who.subject, PAGE_SIZE, after)
        except ValueError:
            page = hub.inbox.page(who.subject, PAGE_SIZE, None)
            after, problem = None, message(language, "That page of notifications does not "
                                                     "exist. Here are the newest.")
        return pages.render(request, "notifications.html", 400 if problem else 200,
                            running=True, items=items(service, who, page.items, language),
                            after=after,
                            next_after=page.end_cursor if page.has_next_page else None,
                            problem=problem)

    async def mark(request: Request) -> Response:
        who = pages.require(request, *ROLES)
        posted = await checked_form(request)
        service.check_not_erased(who.subject)
        hub = service.notify
        back = "/me/notifications"
        if hub is None:
            return RedirectResponse(back, status_code=303)
        ids = [i for i in posted.getlist("id") if isinstance(i, str)]
        if ids:
            # One item's button, or a few: bounded, each no longer than an id.
            chosen = [i for i in ids[:MAX_IDS] if len(i) <= MAX_ID_LENGTH]
        else:
            chosen = _unread(hub.inbox, who.subject)
        if chosen:
            hub.inbox.mark_read(who.subject, chosen)
        after = posted.get("after")
        if isinstance(after, str) and after and len(after) <= MAX_CURSOR_LENGTH:
            back += "?after=" + after
        return RedirectResponse(back, status_code=303)

    return [Route("/me/notifications", unless_erased(pages, listing), methods=["GET"]),
            Route("/me/notifications/read", unless_erased(pages, mark), methods=["POST"]),
            *notification_stream.routes(pages, ROLES)]


def _unread(inbox: Inbox, subject: str) -> list[str]:
    """The newest unread ids, at most MAX_MARK_ALL."""
    found: list[str] = []
    after: str | None = None
    while len(found) < MAX_MARK_ALL:
        page = inbox.page(subject, MAX_PAGE, after)
        found += [n.id for n in page.items if not n.read]
        if not page.has_next_page:
            break
        after = page.end_cursor
    return found[:MAX_MARK_ALL]
