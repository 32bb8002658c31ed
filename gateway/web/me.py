"""``/me``: the applicant's own cases, actions, hearings and events across agencies, read
through the same use case and ledger record as GraphQL's ``viewer.timeline``."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from aggregator.consent.policy import Principal
from aggregator.consent.vocabulary import Role
from gateway.messages import message
from gateway.web import me_access, me_journeys, me_link
from gateway.web.case_types import case_label
from gateway.web.erased import unless_erased
from gateway.web.me_actions import actions_with_deadlines
from gateway.web.me_outlook import estimate_cards, journey_view
from gateway.web.me_view import my_timeline
from gateway.web.pages import Pages
from gateway.web.processing_source import processing_of
from gateway.web.public import steps

__all__ = ["MAX_AGENCY_LENGTH", "routes"]

# Agency ids are short words; anything longer is not one, and is refused before lookup.
MAX_AGENCY_LENGTH = 64


def routes(pages: Pages) -> list[BaseRoute]:
    """``/me``, and the applicant's pages under it (linking a case, the access log)."""
    service = pages.service
    processing = processing_of(service)

    async def timeline(request: Request) -> Response:
        who = pages.require(request, Role.APPLICANT)
        language = pages.language(request)
        agencies = [(a.id, a.display_name(language)) for a in service.agencies.values()]
        asked = request.query_params.get("agency", "")
        problem = None
        if len(asked) > MAX_AGENCY_LENGTH or (asked and asked not in service.agencies):
            problem = message(language, "There is no agency {agency} to filter by. Choose one "
                                        "of the list, or all agencies.",
                              agency=asked[:MAX_AGENCY_LENGTH])
            asked = ""
        # As the GraphQL viewer reads it (gateway/context.py): same principal, same subject,
        # so the ledger records the same access (SubjectErasedError: the erased page).
        read = await service.read_timeline(Principal(who.subject, who.role), who.subject)
        now = datetime.now(UTC)
        view = my_timeline(service.agencies, read, language, now, asked or None)
        cases, events = read.timeline.cases, read.timeline.events
        # Every case: the service leaves out decided ones unless a deadline runs on them, and
        # a deadline may need another case (the I-140 filed meets the PERM's).
        estimates = (await processing.estimates_for(cases, events, now.date())
                     if cases else {})
        journeys = me_journeys.journeys_of(
            cases, events, now.date(), {a.id: a.time_zone for a in service.agencies.values()})
        # "Action required" lists the deadlines running against the applicant too: every
        # case a deadline runs on has an estimate carrying it.
        deadlines = [d for e in estimates.values() for d in e.deadlines]
        view = replace(view, actions=actions_with_deadlines(
            language, view.actions, [row.case for row in view.cases], deadlines,
            service.agencies))
        return pages.render(
            request, "me.html", 400 if problem else 200, view=view, steps=steps(language),
            agencies=agencies, chosen=asked, problem=problem,
            estimates=estimate_cards(language, cases, estimates, service.agencies),
            journeys=[journey_view(language, j, service.agencies, cases) for j in journeys],
            type_labels={(c.agency_id, c.number): case_label(c, language) for c in cases})

    return [Route("/me", unless_erased(pages, timeline)), *me_link.routes(pages),
            *me_access.routes(pages)]
