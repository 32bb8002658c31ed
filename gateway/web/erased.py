"""The page for an account whose data was erased: what GraphQL answers as SUBJECT_ERASED,
said in a page of its own (410 Gone)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response

from aggregator.accounts import SubjectErasedError
from gateway.messages import message
from gateway.web import localized
from gateway.web.pages import Pages

__all__ = ["Endpoint", "erased_text", "unless_erased"]

Endpoint = Callable[[Request], Awaitable[Response]]


def erased_text(language: str, exc: SubjectErasedError) -> Markup:
    """When the data was erased, in the reader's words within a time element (the API's
    SUBJECT_ERASED message keeps its ISO moment: that is its contract)."""
    at = exc.erased_at
    when = Markup('<time datetime="{}">{}</time>').format(at.isoformat(),
                                                          localized.moment(language, at))
    # The sentence unfilled, escaped, then filled: the account id is escaped, the time kept.
    sentence = message(language, "The data of account {account} was erased on {when}; nothing "
                                 "of it can be read or changed any more.")
    return Markup(escape(sentence)).format(account=exc.subject_id, when=when)


def unless_erased(pages: Pages, endpoint: Endpoint) -> Endpoint:
    """``endpoint``, answering the erased-data page when it finds the data erased."""

    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except SubjectErasedError as exc:
            return pages.render(request, "me_erased.html", 410,
                                text=erased_text(pages.language(request), exc))

    return guarded
