"""The public pages: ``/`` (the lookup form) and ``/status`` (a case's card)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from gateway.messages import message
from gateway.web.lookup import Card, format_hints, look_up
from gateway.web.pages import Pages

__all__ = ["category_name", "routes", "steps"]



def steps(language: str) -> list[str]:
    """The progress line's four steps, in ``language``."""
    return [message(language, "Received"), message(language, "Under review"),
            message(language, "Interview or hearing"), message(language, "Decision")]


def category_name(language: str, category: str) -> str:
    """A shared status category's name, in ``language``."""
    names = {"PENDING": message(language, "Pending"), "ACTIVE": message(language, "Active"),
             "APPROVED": message(language, "Approved"), "DENIED": message(language, "Denied"),
             "CLOSED": message(language, "Closed")}
    return names.get(category, message(language, "Unknown"))


def routes(pages: Pages) -> list[BaseRoute]:
    """``/`` and ``/status``, spending lookups from the API's own quotas."""
    service = pages.service

    async def home(request: Request) -> Response:
        language = pages.language(request)
        return pages.render(request, "index.html",
                            hints=await format_hints(service, language))

    async def status(request: Request) -> Response:
        language = pages.language(request)
        number = request.query_params.get("number", "").strip()
        if not number:
            return pages.render(request, "index.html", 400,
                                hints=await format_hints(service, language),
                                error=message(language, "Enter a case number."))
        client = request.client.host if request.client else "unknown"
        result = await look_up(service, pages.quotas, client, number, language)
        if isinstance(result, Card):
            return pages.render(request, "status.html", card=result, steps=steps(language),
                                category=category_name(language, result.category))
        response = pages.render(request, "index.html", result.status, number=number[:64],
                                hints=await format_hints(service, language),
                                error=result.text, code=result.code)
        if result.retry_after_s is not None:
            response.headers["Retry-After"] = str(result.retry_after_s)
        return response

    return [Route("/", home), Route("/status", status)]
