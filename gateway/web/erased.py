"""The page for an account whose data was erased: what GraphQL answers as SUBJECT_ERASED,
said in a page of its own (410 Gone)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from aggregator.accounts import SubjectErasedError
from gateway.schema.erasure import erased_error
from gateway.web.pages import Pages

__all__ = ["Endpoint", "unless_erased"]

Endpoint = Callable[[Request], Awaitable[Response]]


def unless_erased(pages: Pages, endpoint: Endpoint) -> Endpoint:
    """``endpoint``, answering the erased-data page when it finds the data erased."""

    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except SubjectErasedError as exc:
            text = str(erased_error(pages.language(request), exc))
            return pages.render(request, "me_erased.html", 410, text=text)

    return guarded
