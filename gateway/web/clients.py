"""A representative's pages: ``/clients`` (whose consent lets them read, and who consented
before) and ``/clients/{subject}`` (one client's timeline).

The data is GraphQL's ``viewer.clients``, ``viewer.formerClients`` and
``viewer.client(subject).timeline`` (gateway/schema/viewer.py), built by the same helpers: the
timeline is read through ``service.read_timeline`` under the consent policy, so the read lands
in the ledger exactly as through the API, and what the consent does not release is shown as
"not shared with you" with the scope that would share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from starlette.convertors import StringConvertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from aggregator.accounts import SubjectErasedError
from aggregator.consent.former_clients import (
    consents_from,
    current_clients,
    former_clients,
)
from aggregator.consent.policy import Principal
from aggregator.consent.vocabulary import ConsentState, Role
from aggregator.service import CaselineService
from caseline.v1.lib.scopes import Scope
from gateway.messages import message
from gateway.schema.consent import Consent
from gateway.schema.types import UNOPENED_REASON, TimelineEvent
from gateway.schema.viewer import client_of, timeline_view
from gateway.web import localized
from gateway.web.pages import Pages

__all__ = ["MAX_SUBJECT_CHARS", "RESERVED", "ClientRow", "EventRow", "event_row", "routes",
           "scope_name", "state_name"]

# A subject id is an account id from the identity provider: short. Anything longer is not
# one, and is refused before any lookup.
MAX_SUBJECT_CHARS = 128
# Pages of their own under /clients/ (issue 15 reserves them): never read as a subject, in
# whatever order the routes are listed.
RESERVED = ("invite", "webhooks")


class _ClientSegment(StringConvertor):
    regex = "(?!(?:" + "|".join(RESERVED) + ")$)[^/]+"


register_url_convertor("client", _ClientSegment())


def scope_name(language: str, scope: str) -> str:
    """A consent scope's name, in ``language``."""
    names: dict[str, str] = {Scope.STATUS: message(language, "Status"),
                             Scope.DETAILS: message(language, "Details"),
                             Scope.IDENTITY: message(language, "Identity")}
    return names.get(scope, scope)


def state_name(language: str, state: str) -> str:
    """A consent state's name, in ``language``."""
    names: dict[str, str] = {ConsentState.ACTIVE: message(language, "Active"),
                             ConsentState.PAUSED: message(language, "Paused"),
                             ConsentState.REVOKED: message(language, "Revoked"),
                             ConsentState.EXPIRED: message(language, "Expired")}
    return names.get(state, state)


def _field_names(language: str) -> dict[str, str]:
    # The GraphQL names WithheldField carries -> what a reader calls them.
    return {"agencyText": message(language, "The agency's own words"),
            "dueDate": message(language, "Due date"), "office": message(language, "Office"),
            "hearing": message(language, "Hearing"),
            "caseNumber": message(language, "Whole case number")}


@dataclass(frozen=True, slots=True)
class ConsentRow:
    """One consent as the representative sees it."""

    agencies: list[str]
    scopes: list[str]
    until: datetime
    state: str


@dataclass(frozen=True, slots=True)
class ClientRow:
    """One client: the name they shared or a short pseudonymous label, and their consents."""

    subject: str
    label: str
    named: bool
    consents: list[ConsentRow]


@dataclass(frozen=True, slots=True)
class Withheld:
    """Fields of one event not shared, grouped by the scope that would share them."""

    scope: str
    fields: list[str]


@dataclass(frozen=True, slots=True)
class EventRow:
    """One timeline event with what may be shown of it, and what is withheld and why."""

    event: TimelineEvent
    # (field's name, value, the value's language when it is not the page's, else "")
    shown: list[tuple[str, str, str]]
    withheld: list[Withheld]
    unopened: list[str]


def _label(service: CaselineService, language: str, subject: str, name: str | None) -> str:
    if name:
        return name
    # The keyed pseudonym the ledger uses, shortened: stable, and no account id on screen.
    return message(language, "Client {code}",
                   code=service.pseudonym(subject).removeprefix("psn_")[:8])


def _consents(service: CaselineService, language: str,
              consents: list[Consent]) -> list[ConsentRow]:
    agencies = service.agencies
    return [ConsentRow(
        agencies=[agencies[a].display_name(language) if a in agencies else str(a)
                  for a in c.agencies],
        scopes=[scope_name(language, s) for s in c.scopes], until=c.valid_until,
        state=state_name(language, c.state)) for c in consents]


def _shown(event: TimelineEvent, language: str) -> list[tuple[str, str, str]]:
    names = _field_names(language)
    shown: list[tuple[str, str, str]] = []
    if event.agency_text:  # in the reader's language when the agency supplied it
        shown.append((names["agencyText"], event.agency_text, event.agency_text_language))
    if event.due_date:
        shown.append((names["dueDate"], localized.day(language, event.due_date), ""))
    if event.office:
        shown.append((names["office"], event.office, ""))
    if event.hearing:
        h = event.hearing
        # On the court's clock, as the zone named beside it says (and as /me shows it).
        local, zone = localized.on_clock(h.scheduled_at, h.time_zone)
        when = localized.wall_moment(language, local)
        shown.append((names["hearing"], ", ".join(
            p for p in (h.type, h.medium, f"{when} ({zone})", h.court,
                        h.court_address, h.judge) if p), ""))
    return shown


def event_row(event: TimelineEvent, language: str) -> EventRow:
    """``event`` for the page: its shown details, the withheld fields by scope (the decision
    taken by ``timeline_view``, not taken again here), and the fields that could not be
    opened."""
    names = _field_names(language)
    by_scope: dict[str, list[str]] = {}
    unopened: list[str] = []
    for w in event.withheld:
        name = names.get(w.field, w.field)
        if w.reason == UNOPENED_REASON:
            unopened.append(name)
        else:
            by_scope.setdefault(scope_name(language, w.scope), []).append(name)
    return EventRow(event, _shown(event, language),
                    [Withheld(scope, fields) for scope, fields in by_scope.items()], unopened)


def routes(pages: Pages) -> list[BaseRoute]:
    """``/clients`` and ``/clients/{subject}``, for representatives."""
    service = pages.service

    async def clients(request: Request) -> Response:
        who = pages.require(request, Role.REPRESENTATIVE)
        language = pages.language(request)
        now = service.consents.now()
        granted = service.consents.granted_to(who.subject)
        current = [client_of(service.ledger, s, records, now)
                   for s, records in current_clients(granted, now).items()]
        rows = sorted((ClientRow(str(c.subject),
                                 _label(service, language, str(c.subject), c.shared_name),
                                 bool(c.shared_name), _consents(service, language, c.consents))
                       for c in current), key=lambda r: (not r.named, r.label.casefold()))
        former = [(_label(service, language, f.subject_id, f.shared_name),
                   state_name(language, f.state), f.since)
                  for f in former_clients(granted, now)]
        return pages.render(request, "clients.html", clients=rows, former=former)

    async def client(request: Request) -> Response:
        who = pages.require(request, Role.REPRESENTATIVE)
        language = pages.language(request)
        subject = request.path_params["subject"]
        if len(subject) > MAX_SUBJECT_CHARS:
            return pages.render(request, "client.html", 400, refused="too_long",
                                limit=MAX_SUBJECT_CHARS)
        now = service.consents.now()
        records = consents_from(service.consents.granted_to(who.subject), subject)
        try:
            # Always read, also without a consent: the refused attempt is recorded, as
            # through GraphQL's viewer.client(subject).timeline.
            read = await service.read_timeline(Principal(who.subject, who.role), subject)
        except SubjectErasedError:
            return pages.render(request, "client.html", 404, refused="erased")
        if not current_clients(records, now):
            # The same page whether the subject exists, consented once or never: nothing of
            # theirs is revealed.
            return pages.render(request, "client.html", 403, refused="no_consent")
        view = client_of(service.ledger, subject, records, now)
        timeline = timeline_view(service.agencies, read, language)
        return pages.render(
            request, "client.html",
            label=_label(service, language, subject, view.shared_name),
            consents=_consents(service, language,
                               [c for c in view.consents if c.state == ConsentState.ACTIVE]),
            events=[event_row(e, language) for e in timeline.events],
            unavailable=timeline.unavailable)

    return [Route("/clients", clients), Route("/clients/{subject:client}", client)]
