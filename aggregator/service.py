"""The aggregator's use cases: public lookups and a subject's merged timeline, read under
the access policy with every decision in the ledger before any data leaves."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial

from aggregator.accounts import SignIns, SubjectErasedError
from aggregator.config import AggregatorConfig
from aggregator.consent.invitations import Invitations
from aggregator.consent.linking import LinkService
from aggregator.consent.policy import SELF_CONSENT, Decision, Principal, decide_scopes
from aggregator.consent.service import ConsentService
from aggregator.consent.tokens import ConsentTokenIssuer
from aggregator.consent.vocabulary import Role
from aggregator.federation.chunks import batch_limit
from aggregator.federation.fanout import Federation
from aggregator.federation.routing import (
    MAX_NUMBER_LENGTH,
    NO_AGENCY,
    TOO_LONG,
    route,
    shown_number,
    too_long_message,
    unroutable_message,
)
from aggregator.ledger.entries import Entry, access_entry
from aggregator.ledger.ledger import Appended
from aggregator.model import (
    AgencyFailure,
    AgencyInfo,
    Case,
    Event,
    LookupFailure,
    LookupOutcome,
    SubjectCases,
    Timeline,
)
from aggregator.notify.hub import NotifyHub
from aggregator.notify.webhooks import Webhooks
from aggregator.ports import AdapterPort, Clock, LedgerPort, StorePort
from aggregator.processing.deadlines import deadlines_for
from aggregator.processing.errors import StatisticsError
from aggregator.processing.estimates import DECIDED, estimate
from aggregator.processing.model import AgencyStatistics, Deadline, Estimate
from aggregator.processing.statistics import StatisticsService
from aggregator.timeline import current_cases, merge_events
from aggregator.vault.opening import SEALED_SCOPES, Release
from caseline.v1.lib.scopes import Scope

__all__ = ["MAX_LOOKUP_BATCH", "CaselineService", "DeadlinesProvider", "TimelineRead",
           "TooManyNumbersError", "rule_deadlines"]

MAX_LOOKUP_BATCH = 100
# The legal deadlines running on a reader's cases (the journey rules; see
# aggregator.processing): cases, their events, today.
DeadlinesProvider = Callable[[Sequence[Case], Sequence[Event], date], Sequence[Deadline]]


def rule_deadlines(cases: Sequence[Case], events: Sequence[Event], today: date, *,
                   zones: Mapping[str, str] | None = None) -> tuple[Deadline, ...]:
    """The deadline rules' deadlines on one person's cases, each case's related cases as the
    read released them; ``zones``: each agency's time zone (its configured ``time_zone``)."""
    return deadlines_for(cases, events, {(c.agency_id, c.number): c.related_cases
                                         for c in cases}, today, zones=zones)


@dataclass(frozen=True, slots=True)
class TimelineRead:
    """A timeline as released to one principal: what each agency's data was released under,
    and why the rest was withheld."""

    timeline: Timeline
    released: Mapping[str, frozenset[Scope]] = field(default_factory=dict)
    withheld: Mapping[str, Mapping[Scope, Decision]] = field(default_factory=dict)
    access: tuple[Appended, ...] = ()

    def scopes(self, agency_id: str) -> frozenset[Scope]:
        """The scopes released for ``agency_id`` (empty when nothing was)."""
        return self.released.get(agency_id, frozenset())


class TooManyNumbersError(ValueError):
    """More case numbers in one request than allowed."""

    def __init__(self, count: int) -> None:
        super().__init__(
            f"at most {MAX_LOOKUP_BATCH} case numbers per request, got {count}; "
            "split the list into several requests")
        self.count = count


class CaselineService:
    """Federates lookups and timelines over the configured agencies."""

    def __init__(self, config: AggregatorConfig, adapters: Mapping[str, AdapterPort],
                 federation: Federation, store: StorePort, ledger: LedgerPort, *,
                 tokens: ConsentTokenIssuer, consents: ConsentService, links: LinkService,
                 pseudonym: Callable[[str], str], clock: Clock = lambda: datetime.now(UTC),
                 on_close: Callable[[], None] | None = None) -> None:
        """Built by ``aggregator.bootstrap.bootstrap``, which wires the sub-services to the
        same store, ledger and pseudonyms as this service."""
        self.config = config
        self.adapters = adapters
        self.federation = federation
        self.store = store
        self.tokens = tokens
        self.ledger = ledger
        self.consents = consents
        self.links = links
        self.pseudonym = pseudonym
        self._clock = clock
        self._on_close = on_close
        self.agencies = {a.id: AgencyInfo(a.id, a.name, a.name_es, a.number_scope, a.time_zone)
                         for a in config.agencies}
        self._sign_ins = SignIns(store.ensure_account)
        # How applicants name grantees on the consent pages (codes, not account ids).
        self.invitations = Invitations(store.invitations, clock)
        # Notifications, when this installation runs them (set by bootstrap).
        self.notify: NotifyHub | None = None
        # Accounts' webhook endpoints (set by bootstrap when the store is the vault's).
        self.webhooks: Webhooks | None = None
        # Agencies' processing statistics, cached an hour; deadlines from the rules.
        self.statistics = StatisticsService(adapters, federation, timeout_s=config.deadline_s,
                                            today=self.today)
        # Clocks start on an event's date in its agency's own zone (config: time_zone).
        self.deadlines: DeadlinesProvider = partial(
            rule_deadlines, zones={a.id: a.time_zone for a in config.agencies})

    def today(self) -> date:
        """Today's date (UTC) on the service's clock."""
        return self._clock().date()

    def signed_in(self, subject_id: str, role: Role) -> None:
        """An authenticated request by ``subject_id``: their account exists from now on
        (recorded once per process)."""
        self._sign_ins.seen(subject_id, role)

    def check_not_erased(self, subject_id: str) -> None:
        """SubjectErasedError when the subject's data was erased (cheap: cached until any
        process writes to the store)."""
        erased_at = self.store.erased_at(subject_id)
        if erased_at is not None:
            raise SubjectErasedError(subject_id, erased_at)

    async def lookup(self, numbers: Sequence[str]) -> list[LookupOutcome]:
        """Public status per number, in the order given; one call per agency, or several at
        once for an agency that takes fewer numbers per call."""
        if len(numbers) > MAX_LOOKUP_BATCH:
            raise TooManyNumbersError(len(numbers))
        outcomes: list[LookupOutcome | None] = [None] * len(numbers)
        by_agency: dict[str, list[int]] = defaultdict(list)
        for i, number in enumerate(numbers):
            # Before any pattern runs: the length bounds the work routing may do.
            if len(number) > MAX_NUMBER_LENGTH:
                outcomes[i] = LookupFailure(shown_number(number), "INVALID_NUMBER",
                                            too_long_message(number, self.config.agencies),
                                            invalid=TOO_LONG)
                continue
            agency_id = route(number, self.config.agencies)
            if agency_id is None:
                outcomes[i] = LookupFailure(shown_number(number), "INVALID_NUMBER",
                                            unroutable_message(number, self.config.agencies),
                                            invalid=NO_AGENCY)
            else:
                by_agency[agency_id].append(i)
        deadline = self.federation.deadline_after(self.config.deadline_s)
        answers = await asyncio.gather(*(
            self._lookup_at(agency_id, [numbers[i] for i in indexes], deadline)
            for agency_id, indexes in by_agency.items()))
        for (agency_id, indexes), answer in zip(by_agency.items(), answers, strict=True):
            for i, outcome in zip(indexes, answer, strict=True):
                if isinstance(outcome, AgencyFailure):
                    outcomes[i] = LookupFailure(numbers[i], "AGENCY_UNAVAILABLE", (
                        f"{self.agencies[agency_id].name} did not answer "
                        f"({outcome.code}); try again shortly"), agency_id, outcome.code)
                else:
                    outcomes[i] = outcome
        return [o for o in outcomes if o is not None]

    async def _lookup_at(self, agency_id: str, numbers: Sequence[str], deadline: float
                         ) -> list[LookupOutcome | AgencyFailure]:
        """One agency's numbers, in as many calls at once as its batch limit needs (learned
        from its Describe on first use); a call that fails fails only its own numbers."""
        adapter = self.adapters[agency_id]
        size = await batch_limit(adapter, self.federation.remaining(deadline))
        return await self.federation.call_in_chunks(agency_id, adapter.lookup, numbers, size,
                                                    deadline)

    async def processing_statistics(self, agency_id: str, case_type: str,
                                    office: str | None = None, *,
                                    first_month: date | None = None,
                                    last_month: date | None = None) -> AgencyStatistics:
        """How long ``agency_id`` takes to decide ``case_type`` (one office, or every office
        then the agency-wide row) over whole months, by default the six complete months
        before this one. Raises (aggregator.processing.errors) InvalidStatisticsRequestError,
        UnknownAgencyError, UnknownCaseTypeError or AgencyUnavailableError."""
        key = self.statistics.key(agency_id, case_type, office, first_month=first_month,
                                  last_month=last_month)
        return await self.statistics.get(key)

    async def estimates_for(self, cases: Sequence[Case], events: Sequence[Event],
                            today: date) -> dict[tuple[str, str], Estimate]:
        """Each case's estimate by (agency, number), decided cases left out unless a
        deadline runs on them. One statistics request per agency and case type, all at
        once; an agency that cannot give its figures leaves its cases' dates empty (their
        deadlines stay)."""
        wanted = sorted({(c.agency_id, c.case_type) for c in cases
                         if c.status.category not in DECIDED and c.agency_id in self.adapters})
        answers = await asyncio.gather(*(self._statistics_or_none(a, t) for a, t in wanted))
        statistics = dict(zip(wanted, answers, strict=True))
        deadlines = self.deadlines(cases, events, today)
        found: dict[tuple[str, str], Estimate] = {}
        for case in cases:
            figures = statistics.get((case.agency_id, case.case_type))
            shown = estimate(case, figures, deadlines, today)
            if shown is not None:
                found[(case.agency_id, case.number)] = shown
        return found

    async def _statistics_or_none(self, agency_id: str,
                                  case_type: str) -> AgencyStatistics | None:
        try:
            return await self.processing_statistics(agency_id, case_type)
        except StatisticsError:
            return None  # the estimate says the figures could not be read

    async def read_timeline(self, principal: Principal, subject_id: str,
                            scopes: Sequence[Scope] = tuple(Scope)) -> TimelineRead:
        """``subject_id``'s timeline as ``principal`` may see it now.

        The policy decides per agency and scope; the decisions go into the ledger while the
        agencies are asked (each under a token naming only the released scopes), and nothing
        is returned before the ledger has them on disk. SubjectErasedError when the subject's
        data was erased and the reader is them or someone they had granted a consent (anyone
        else learns nothing, not even that the account existed).
        """
        erased_at = self.store.erased_at(subject_id)
        if erased_at is not None:
            if principal.id == subject_id or any(
                    c.grantee_id == principal.id
                    for c in self.store.consents_granted_by(subject_id)):
                raise SubjectErasedError(subject_id, erased_at)
            return TimelineRead(Timeline((), (), ()))
        now = self._clock()
        links_by_agency: dict[str, list[str]] = defaultdict(list)
        for link in self.store.links_for(subject_id):
            if link.agency_id in self.adapters:
                links_by_agency[link.agency_id].append(link.case_number)
        own = principal.id == subject_id
        consents = () if own else self.store.consents_granted_by(subject_id)
        released: dict[str, frozenset[Scope]] = {}
        relied_on: dict[str, Decision] = {}
        withheld: dict[str, dict[Scope, Decision]] = {}
        by_scope: dict[str, dict[Scope, Decision]] = {}
        for agency_id in links_by_agency:
            decisions = decide_scopes(principal, subject_id, agency_id, scopes, now, consents,
                                      links_by_agency)
            allowed = frozenset(s for s, d in decisions.items() if d.allowed)
            denied = {s: d for s, d in decisions.items() if not d.allowed}
            if "STATUS" in allowed:
                released[agency_id] = allowed
                relied_on[agency_id] = decisions[Scope.STATUS]
                by_scope[agency_id] = {s: decisions[s] for s in allowed}
            else:
                denied = dict(decisions)
            if denied:
                withheld[agency_id] = denied
        subject = self.pseudonym(subject_id)
        entries = self._access_entries(principal, subject, released, relied_on, withheld,
                                       own=own, by_scope=by_scope)
        logged = asyncio.gather(*(self.ledger.append(e) for e in entries)) if entries else None
        operations = {}
        for agency_id, agency_scopes in released.items():
            decision = relied_on[agency_id]
            token = self.tokens.issue(
                agency_id=agency_id, subject=subject, case_numbers=links_by_agency[agency_id],
                scopes=[s for s in Scope if s in agency_scopes], purpose=decision.purpose,
                consent_id=decision.consent_id or "")
            operations[agency_id] = partial(self.adapters[agency_id].subject_cases, token,
                                            release=Release(subject, agency_scopes))
        try:
            answers = await self.federation.fan_out(operations, self.config.deadline_s)
        finally:
            # The access record must be durable before any of the data it covers leaves; if
            # the ledger cannot take it, the read fails rather than go unrecorded.
            access = tuple(await logged) if logged is not None else ()
        cases: list[Case] = []
        event_batches: list[tuple[Event, ...]] = []
        failures: list[AgencyFailure] = []
        for agency_id in sorted(answers):
            answer = answers[agency_id]
            if isinstance(answer, SubjectCases):
                cases.extend(answer.cases)
                event_batches.append(answer.events)
            else:
                failures.append(answer)
        events = merge_events(event_batches)
        return TimelineRead(Timeline(current_cases(cases, events), events, tuple(failures)),
                            released, withheld, access)

    def _access_entries(self, principal: Principal, subject: str,
                        released: Mapping[str, frozenset[Scope]],
                        relied_on: Mapping[str, Decision],
                        withheld: Mapping[str, Mapping[Scope, Decision]], *,
                        own: bool, by_scope: Mapping[str, Mapping[Scope, Decision]] | None = None
                        ) -> list[Entry]:
        actor = self.pseudonym(principal.id)
        by_consent: dict[str, tuple[list[str], set[str], str, set[tuple[str, str]]]] = {}
        for agency_id, agency_scopes in released.items():
            decision = relied_on[agency_id]
            consent_id = decision.consent_id or SELF_CONSENT
            agencies, scopes, _, consents = by_consent.setdefault(
                consent_id, ([], set(), decision.purpose, set()))
            agencies.append(agency_id)
            scopes.update(agency_scopes)
            # Each scope names the consent it relied on: DETAILS may rest on another consent
            # than STATUS, and that consent's use must be on record too.
            scope_decisions = (by_scope or {}).get(agency_id, {})
            consents.update((scope, scope_decisions[scope].consent_id or consent_id
                             if scope in scope_decisions else consent_id)
                            for scope in agency_scopes)
        # ``opened``: the sealed scopes the key custodian opens for this read — the opening
        # is part of the access record, durable before the opened data leaves.
        entries = [access_entry(subject=subject, actor=actor, decision="ALLOW",
                                agencies=agencies, scopes=scopes, consent_id=consent_id,
                                purpose=purpose, opened=scopes & SEALED_SCOPES,
                                consents=consents)
                   for consent_id, (agencies, scopes, purpose, consents) in by_consent.items()]
        # Someone else's refused read is recorded too: the subject sees attempts, not only
        # successes. A read that released some agencies is not also a refusal of the others:
        # the reader asked for "what I may see", and got it.
        refused = [a for a in withheld if a not in released]
        if not own and not released:
            decisions = [withheld[a][Scope.STATUS] for a in refused]
            consent_ids = sorted({d.consent_id for d in decisions if d.consent_id})
            entries.append(access_entry(
                subject=subject, actor=actor, decision="DENY", agencies=refused,
                scopes=["STATUS"], consent_id=consent_ids[0] if consent_ids else None,
                purpose="", reason=",".join(sorted({d.code for d in decisions})) or "NO_CONSENT"))
        return entries

    async def close(self) -> None:
        """Stop background work, close adapter channels and the store (closed even when a
        background task would not stop: that error is raised afterwards)."""
        try:
            if self.notify is not None and self.notify.runner is not None:
                await self.notify.runner.stop()  # the watchers read over the adapter channels
        finally:
            await self._close_the_rest()

    async def _close_the_rest(self) -> None:
        if self._on_close is not None:
            self._on_close()
        if self.webhooks is not None:
            await self.webhooks.aclose()
        await self.links.aclose()
        await self.invitations.aclose()
        for adapter in self.adapters.values():
            await adapter.close()
        self.store.close()
        self.ledger.close()
