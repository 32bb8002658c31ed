"""``/me/cases/link``: link a case with the number and access code from the agency's
notice, through the same use case and refusal texts as GraphQL's ``linkCase``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from aggregator.consent.linking import LinkError
from aggregator.consent.vocabulary import Role
from aggregator.federation.routing import MAX_NUMBER_LENGTH
from gateway.link_refusals import link_refusal_text
from gateway.messages import message
from gateway.schema.types import CaseStatus
from gateway.web.erased import unless_erased
from gateway.web.pages import Pages
from gateway.web.session import checked_form

__all__ = ["MAX_ACCESS_CODE_LENGTH", "routes"]

# Agencies print codes such as 7KQ2-M9DX-R4PW; the contract allows 64 characters.
MAX_ACCESS_CODE_LENGTH = 64

# What each refusal answers, as HTTP: the person's input, a conflict, a wait, the agency.
_STATUS = {"ALREADY_LINKED": 409, "CONFLICT": 409, "RATE_LIMITED": 429,
           "AGENCY_UNAVAILABLE": 503, "THROTTLE_UNAVAILABLE": 503}


def _field(form_value: object) -> str:
    return form_value.strip() if isinstance(form_value, str) else ""


def routes(pages: Pages) -> list[BaseRoute]:
    """``GET`` shows the form; ``POST`` (CSRF-checked) links and shows the case."""
    service = pages.service

    async def form(request: Request) -> Response:
        who = pages.require(request, Role.APPLICANT)
        service.check_not_erased(who.subject)  # as GraphQL's IsApplicant does
        return pages.render(request, "me_link.html", errors=[], number="")

    async def link(request: Request) -> Response:
        who = pages.require(request, Role.APPLICANT)
        posted = await checked_form(request)
        service.check_not_erased(who.subject)
        language = pages.language(request)
        number, code = _field(posted.get("number")), _field(posted.get("access_code"))
        errors: list[tuple[str, str]] = []
        # Sizes first: nothing longer than a number or a code goes any further.
        if not number:
            errors.append(("number", message(language, "Enter the case number from the "
                                                       "agency's notice.")))
        elif len(number) > MAX_NUMBER_LENGTH:
            errors.append(("number", message(language, "A case number has at most {limit} "
                                                       "characters.", limit=MAX_NUMBER_LENGTH)))
        if not code:
            errors.append(("access_code", message(language, "Enter the access code printed "
                                                            "on the agency's notice.")))
        elif len(code) > MAX_ACCESS_CODE_LENGTH:
            errors.append(("access_code", message(language, "An access code has at most "
                                                            "{limit} characters.",
                                                  limit=MAX_ACCESS_CODE_LENGTH)))
        shown = number[:MAX_NUMBER_LENGTH]
        if errors:
            return pages.render(request, "me_link.html", 400, errors=errors, number=shown)
        try:
            linked = await service.links.link(who.subject, number, code)
        except LinkError as exc:
            text = link_refusal_text(exc, number, language, service.config.agencies)
            field = "access_code" if exc.code == "WRONG_ACCESS_CODE" else "number"
            response = pages.render(request, "me_link.html", _STATUS.get(exc.code, 400),
                                    errors=[(field, text)], number=shown, code=exc.code)
            if exc.retry_after_s:
                response.headers["Retry-After"] = str(exc.retry_after_s)
            return response
        case = CaseStatus.from_domain(linked.case, service.agencies[linked.case.agency_id],
                                      language)
        return pages.render(request, "me_linked.html", case=case,
                            already=not linked.created, entry=linked.appended.index)

    return [Route("/me/cases/link", unless_erased(pages, form), methods=["GET"]),
            Route("/me/cases/link", unless_erased(pages, link), methods=["POST"])]
