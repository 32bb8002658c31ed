"""``/statistics`` (each agency's case types) and ``/statistics/{agency}/{case_type}`` (how
long that case type takes: the target, four charts with their tables, a table per office).
Public: aggregates only, cells under the agency's minimum count withheld."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from aggregator.federation.fanout import AgencyCallError
from aggregator.processing.errors import (
    AgencyUnavailableError,
    InvalidStatisticsRequestError,
    UnknownAgencyError,
    UnknownCaseTypeError,
)
from aggregator.service import CaselineService
from gateway.messages import message
from gateway.web.case_types import CaseTypeName, case_types
from gateway.web.lookup import statistics_path
from gateway.web.pages import Pages
from gateway.web.processing_source import processing_of
from gateway.web.statistics_view import months_back, statistics_view

__all__ = ["MAX_CASE_TYPE_LENGTH", "MAX_OFFICE_LENGTH", "AgencyTypes", "last_complete_month",
           "routes"]

# Case type codes are short ("I-485", "PERM"); office names a few words.
MAX_CASE_TYPE_LENGTH = 64
MAX_OFFICE_LENGTH = 128
MAX_AGENCY_LENGTH = 64
TREND_MONTHS = 12


@dataclass(frozen=True, slots=True)
class AgencyTypes:
    """One agency on the index: its name and case types (None: it did not say just now)."""

    id: str
    name: str
    types: tuple[CaseTypeName, ...] | None


def last_complete_month(today: date) -> date:
    """The first day of the month before ``today``'s."""
    return months_back(date(today.year, today.month, 1), 2)


async def _index(service: CaselineService, language: str) -> list[AgencyTypes]:
    agencies = service.config.agencies
    # All asked at once: one agency that does not answer costs one deadline, not one each.
    described = await asyncio.gather(*(
        case_types(service.adapters.get(a.id), service.config.deadline_s) for a in agencies))
    return [AgencyTypes(a.id, service.agencies[a.id].display_name(language), types)
            for a, types in zip(agencies, described, strict=True)]


def routes(pages: Pages) -> list[BaseRoute]:
    """The statistics index and one page per agency and case type."""
    service = pages.service
    processing = processing_of(service)

    async def index(request: Request) -> Response:
        language = pages.language(request)
        return pages.render(request, "statistics_index.html",
                            agencies=await _index(service, language))

    def refused(request: Request, status: int, problem: str,
                back: tuple[str, str] | None = None) -> Response:
        """The page with ``problem`` in words; ``back``: (a link's address, its words) to
        where the reader can choose again, beside the link to every case type."""
        return pages.render(request, "statistics.html", status, problem=problem, view=None,
                            back=back)

    async def case_type_page(request: Request) -> Response:
        language = pages.language(request)
        agency = str(request.path_params["agency"])
        case_type = str(request.path_params["case_type"])
        office = request.query_params.get("office", "").strip() or None
        # Sizes first, then whether the agency exists; the case type is the agency's to judge.
        if len(agency) > MAX_AGENCY_LENGTH or agency not in service.agencies:
            return refused(request, 404, message(
                language, "There is no agency {agency}. Choose one from the list of agencies.",
                agency=agency[:MAX_AGENCY_LENGTH]))
        if len(case_type) > MAX_CASE_TYPE_LENGTH:
            return refused(request, 400, message(
                language, "A case type is at most {limit} characters, such as I-485.",
                limit=MAX_CASE_TYPE_LENGTH))
        if office is not None and len(office) > MAX_OFFICE_LENGTH:
            return refused(request, 400, message(
                language, "An office name is at most {limit} characters.",
                limit=MAX_OFFICE_LENGTH))
        last = last_complete_month(datetime.now(UTC).date())
        try:
            period, trend = await asyncio.gather(
                processing.processing_statistics(agency, case_type),
                processing.processing_statistics(
                    agency, case_type, office,
                    first_month=months_back(last, TREND_MONTHS), last_month=last))
        except (UnknownAgencyError, UnknownCaseTypeError):
            name = service.agencies[agency].display_name(language)
            return refused(request, 404, message(
                language, "{agency} has no statistics for the case type {case_type} at the "
                          "office {office}. Choose an office from the list.", agency=name,
                case_type=case_type, office=office) if office else message(
                language, "{agency} has no statistics for the case type {case_type}. Choose a "
                          "case type from the list.", agency=name, case_type=case_type))
        except InvalidStatisticsRequestError:
            return refused(request, 400, message(
                language, "{agency} did not accept this request. Check the case type "
                          "{case_type} (its code as on the list, such as I-485) and the office.",
                agency=service.agencies[agency].display_name(language), case_type=case_type))
        except (AgencyUnavailableError, AgencyCallError):
            return refused(request, 503, message(
                language, "{agency} did not answer just now. Try again in a few minutes.",
                agency=service.agencies[agency].display_name(language)))
        if office is not None and period.row(office) is None and trend.row(office) is None:
            # The contract answers an office the agency does not know with no row, not an
            # error: say so, rather than a page of empty charts under that name.
            return refused(request, 404, message(
                language, "{agency} has no statistics for the case type {case_type} at the "
                          "office {office}. Choose an office from the list.",
                agency=service.agencies[agency].display_name(language), case_type=case_type,
                office=office), back=(
                statistics_path(agency, case_type),
                message(language, "How long {case_type} cases take", case_type=case_type)))
        names = await case_types(service.adapters.get(agency), service.config.deadline_s)
        named = next((t for t in names or () if t.code == case_type), None)
        return pages.render(
            request, "statistics.html", problem=None,
            view=statistics_view(language, period, trend, office),
            agency_id=agency, agency=service.agencies[agency].display_name(language),
            case_type=case_type, case_type_label=named.label_in(language) if named else case_type,
            # The name beneath the heading, unless the heading already is the name.
            case_type_name=named.name_in(language) if named and not named.identifier else "",
            case_type_language=language if named and language in named.names else "en")

    return [Route("/statistics", index),
            Route("/statistics/{agency}/{case_type}", case_type_page)]
