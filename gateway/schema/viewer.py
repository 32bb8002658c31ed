"""The signed-in person's view: own cases and timeline, consents, access log, clients."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import strawberry
from strawberry.types.nodes import SelectedField, Selection

from aggregator.consent.former_clients import (
    FormerClientRecord,
    consents_from,
    current_clients,
    former_clients,
    newest_shared_name,
)
from aggregator.consent.records import ConsentRecord
from aggregator.model import AgencyInfo
from aggregator.ports import LedgerPort
from aggregator.processing.model import Estimate
from aggregator.service import TimelineRead
from caseline.v1.lib.scopes import Scope
from gateway.auth import SignedIn
from gateway.context import Context
from gateway.schema.access_log import subject_access_log
from gateway.schema.consent import AccessLogEntry, Consent
from gateway.schema.enums import ConsentState, Language
from gateway.schema.estimate_fields import CaseEstimate
from gateway.schema.journey_fields import Journey, journeys_of_read
from gateway.schema.notification_fields import notification_list, unread_count
from gateway.schema.notifications import MAX_PAGE, Notification
from gateway.schema.permissions import CanBeGrantee, IsApplicant
from gateway.schema.types import (
    AgencyError,
    CaseStatus,
    TimelineEvent,
    TimelineView,
    WithheldField,
    withheld_details,
)
from gateway.schema.webhooks import WebhookFields

__all__ = ["Client", "FormerClient", "Viewer", "client_of", "selects", "timeline_view"]

Info = strawberry.Info[Context, None]

MAX_LOG_ENTRIES = 500


def _language(info: Info, language: Language | None) -> str:
    return language.value if language else info.context.language


def selects(selections: Sequence[Selection], name: str) -> bool:
    """Whether a field ``name`` is selected directly below the given fields (through
    fragments too)."""
    for selection in selections:
        for child in selection.selections:
            if isinstance(child, SelectedField):
                if child.name == name:
                    return True
            elif selects([child], name):  # a fragment: its own selections
                return True
    return False


def _estimate(estimate: Estimate | None, language: str) -> CaseEstimate | None:
    return None if estimate is None else CaseEstimate.from_domain(estimate, language)


def timeline_view(agencies: Mapping[str, AgencyInfo], read: TimelineRead,
                  language: str) -> TimelineView:
    """The view of a timeline read (GraphQL's and the pages'): fields outside the released
    scopes are null and listed under each event's ``withheld`` with the scope that would
    release them; case numbers that identify the person are masked without IDENTITY."""
    withheld: dict[str, list[WithheldField]] = {}
    for agency_id, decisions in read.withheld.items():
        if Scope.DETAILS in decisions and agency_id in read.released:
            withheld[agency_id] = withheld_details(read.scopes(agency_id),
                                                   decisions[Scope.DETAILS].reason)
    masked = {a for a, info in agencies.items() if info.number_scope not in read.scopes(a)}
    return TimelineView(
        events=[TimelineEvent.from_domain(e, agencies[e.agency_id], language,
                                          withheld.get(e.agency_id),
                                          mask_case_number=e.agency_id in masked)
                for e in read.timeline.events],
        unavailable=[AgencyError.from_domain(f, agencies[f.agency_id], language)
                     for f in read.timeline.unavailable])


@strawberry.type(description="Someone whose consent lets you read some of their cases.")
class Client:
    subject: strawberry.ID
    consents: list[Consent]
    shared_name: str | None = strawberry.field(
        default=None, description="The name the client chose to share with you when granting "
                                  "(null when they shared none).")

    @strawberry.field(description="The client's events you may see, ordered by time; fields "
                                  "outside your consent are null (see `withheld`).")
    async def timeline(self, info: Info, language: Language | None = None) -> TimelineView:
        read = await info.context.timeline(self.subject)
        return timeline_view(info.context.service.agencies, read, _language(info, language))


@strawberry.type(description="Someone who consented before but none of whose consents lets "
                             "you read their cases now, and why.")
class FormerClient:
    subject: strawberry.ID
    shared_name: str | None = strawberry.field(
        description="The name the client chose to share with you (null when none).")
    state: ConsentState = strawberry.field(
        description="Why: their last consent to end was PAUSED, REVOKED or EXPIRED.")
    since: datetime = strawberry.field(description="When that consent was paused, revoked or "
                                                   "expired.")

    @classmethod
    def from_domain(cls, former: FormerClientRecord) -> FormerClient:
        """The GraphQL view of a former client."""
        return cls(subject=strawberry.ID(former.subject_id), shared_name=former.shared_name,
                   state=former.state, since=former.since)


def client_of(ledger: LedgerPort, subject: str, records: Sequence[ConsentRecord],
              now: datetime) -> Client:
    """A client with their consents (``records``, newest first) as of ``now``."""
    return Client(subject=strawberry.ID(subject),
                  consents=[Consent.from_domain(r, now, ledger) for r in records],
                  shared_name=newest_shared_name(records))


@strawberry.type(description="The signed-in person.")
class Viewer(WebhookFields):
    subject: strawberry.ID
    role: str
    name: str

    @classmethod
    def from_principal(cls, principal: SignedIn) -> Viewer:
        """The viewer for an authenticated principal."""
        return cls(subject=strawberry.ID(principal.subject), role=principal.role,
                   name=principal.name)

    @strawberry.field(description="Your linked cases with their current status, most recent "
                                  "change first.", permission_classes=[IsApplicant])
    async def cases(self, info: Info, language: Language | None = None) -> list[CaseStatus]:
        read = await info.context.timeline(self.subject)
        lang = _language(info, language)
        agencies = info.context.service.agencies
        # Estimates only when asked for: they need the agencies' statistics.
        estimates = (await info.context.estimates(self.subject)
                     if selects(info.selected_fields, "estimate") else {})
        return [CaseStatus.from_domain(c, agencies[c.agency_id], lang,
                                       _estimate(estimates.get((c.agency_id, c.number)), lang))
                for c in read.timeline.cases]

    @strawberry.field(description="Agencies that could not answer for `cases` just now, "
                                  "why in plain words; `cases` lists what the others "
                                  "answered.", permission_classes=[IsApplicant])
    async def cases_unavailable(self, info: Info,
                                language: Language | None = None) -> list[AgencyError]:
        read = await info.context.timeline(self.subject)
        lang = _language(info, language)
        agencies = info.context.service.agencies
        return [AgencyError.from_domain(f, agencies[f.agency_id], lang)
                for f in read.timeline.unavailable]

    @strawberry.field(description="Your cases' events across agencies, ordered by time.",
                      permission_classes=[IsApplicant])
    async def timeline(self, info: Info, language: Language | None = None) -> TimelineView:
        read = await info.context.timeline(self.subject)
        return timeline_view(info.context.service.agencies, read, _language(info, language))

    @strawberry.field(description="Your cases that belong together across agencies, each "
                                  "journey with its steps in order, the step it stands at, "
                                  "and the legal deadlines on its cases.",
                      permission_classes=[IsApplicant])
    async def journeys(self, info: Info, language: Language | None = None) -> list[Journey]:
        read = await info.context.timeline(self.subject)
        service = info.context.service
        return journeys_of_read(read, service.agencies, _language(info, language),
                                service.consents.now().astimezone(UTC).date())

    @strawberry.field(description="The consents you granted, newest first, as of now.",
                      permission_classes=[IsApplicant])
    def consents(self, info: Info) -> list[Consent]:
        service = info.context.service
        now = datetime.now(UTC)
        return [Consent.from_domain(r, now, service.ledger)
                for r in service.consents.granted_by(self.subject)]

    @strawberry.field(description="Who read your data or linked your cases (or tried to), "
                                  "when, under which consents and for what purpose, newest "
                                  "first, from the ledger. Your own reads and links only with "
                                  "`includeOwn`.",
                      permission_classes=[IsApplicant])
    def access_log(self, info: Info, include_own: bool = False,
                   limit: int = 100) -> list[AccessLogEntry]:
        return subject_access_log(info.context.service, self.subject,
                                  include_own=include_own,
                                  limit=max(1, min(limit, MAX_LOG_ENTRIES)))

    @strawberry.field(description="How many of your notifications you have not marked read "
                                  "(0 when this server runs no notifications).")
    def unread_notifications(self, info: Info) -> int:
        return unread_count(info, self.subject)

    @strawberry.field(description="Changes to your cases (and to clients' cases your consents "
                                  "cover), newest first, in the language asked for. "
                                  f"`first`: 1 to {MAX_PAGE}. `after`: the `id` of the last "
                                  "notification of the page before. Empty when this server "
                                  "runs no notifications.")
    def notifications(self, info: Info, language: Language | None = None, first: int = 20,
                      after: str | None = None) -> list[Notification]:
        return notification_list(info, self.subject, _language(info, language), first, after)

    @strawberry.field(description="People whose active consent lets you read their cases.",
                      permission_classes=[CanBeGrantee])
    def clients(self, info: Info) -> list[Client]:
        service = info.context.service
        now = service.consents.now()
        return [client_of(service.ledger, s, records, now) for s, records
                in current_clients(service.consents.granted_to(self.subject), now).items()]

    @strawberry.field(description="People who consented before but none of whose consents is "
                                  "active now: why (PAUSED, REVOKED or EXPIRED) and since "
                                  "when, most recent first.",
                      permission_classes=[CanBeGrantee])
    def former_clients(self, info: Info) -> list[FormerClient]:
        consents = info.context.service.consents
        return [FormerClient.from_domain(f)
                for f in former_clients(consents.granted_to(self.subject), consents.now())]

    @strawberry.field(description="One client's timeline by subject id, also after their "
                                  "consent ended (the attempt is refused and recorded).",
                      permission_classes=[CanBeGrantee])
    def client(self, info: Info, subject: strawberry.ID) -> Client:
        service = info.context.service
        records = consents_from(service.consents.granted_to(self.subject), str(subject))
        return client_of(service.ledger, str(subject), records, service.consents.now())
