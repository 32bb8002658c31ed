"""The page routes: ``/`` (the lookup form), ``/status`` (a case's card) and ``/static``."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from aggregator.service import CaselineService
from gateway.messages import message
from gateway.ratelimit import LookupQuotas
from gateway.web.headers import secure
from gateway.web.language import COOKIE, chosen, page_language
from gateway.web.lookup import Card, format_hints, look_up

__all__ = ["web_routes"]

STATIC = Path(__file__).parent / "static"
# A year: long enough that a returning visitor is not asked again, short of forever.
_COOKIE_AGE_S = 365 * 24 * 3600


def _steps(language: str) -> list[str]:
    return [message(language, "Received"), message(language, "Under review"),
            message(language, "Interview or hearing"), message(language, "Decision")]


def _category(language: str, category: str) -> str:
    names = {"PENDING": message(language, "Pending"), "ACTIVE": message(language, "Active"),
             "APPROVED": message(language, "Approved"), "DENIED": message(language, "Denied"),
             "CLOSED": message(language, "Closed")}
    return names.get(category, message(language, "Unknown"))


def web_routes(service: CaselineService, quotas: LookupQuotas) -> list[BaseRoute]:
    """The pages over ``service``, spending lookups from ``quotas`` (the API's own)."""
    templates = Environment(loader=PackageLoader("gateway.web", "templates"),
                            autoescape=select_autoescape(default=True))

    def render(request: Request, language: str, template: str, status: int = 200,
               **values: object) -> Response:
        other = "en" if language == "es" else "es"
        switch = request.url.include_query_params(lang=other)
        page = templates.get_template(template).render(
            lang=language, t=partial(message, language), other_lang=other,
            switch=f"{switch.path}?{switch.query}", **values)
        response = HTMLResponse(page, status_code=status)
        if chosen(request):
            response.set_cookie(COOKIE, language, max_age=_COOKIE_AGE_S, httponly=True,
                                samesite="lax", secure=request.url.scheme == "https")
        # The page's words depend on these: caches must keep each language apart.
        response.headers["Vary"] = "Accept-Language, Cookie"
        return secure(response)

    async def home(request: Request) -> Response:
        language = page_language(request)
        return render(request, language, "index.html",
                      hints=await format_hints(service, language))

    async def status(request: Request) -> Response:
        language = page_language(request)
        number = request.query_params.get("number", "").strip()
        if not number:
            return render(request, language, "index.html", 400,
                          hints=await format_hints(service, language),
                          error=message(language, "Enter a case number."))
        client = request.client.host if request.client else "unknown"
        result = await look_up(service, quotas, client, number, language)
        if isinstance(result, Card):
            return render(request, language, "status.html", card=result,
                          steps=_steps(language),
                          category=_category(language, result.category))
        response = render(request, language, "index.html", result.status, number=number[:64],
                          hints=await format_hints(service, language), error=result.text,
                          code=result.code)
        if result.retry_after_s is not None:
            response.headers["Retry-After"] = str(result.retry_after_s)
        return response

    return [Route("/", home), Route("/status", status),
            Mount("/static", StaticFiles(directory=STATIC), name="static")]
