"""The per-request GraphQL context: principal, language, loaders and service."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from functools import partial

from strawberry.dataloader import DataLoader

from aggregator.accounts import SubjectErasedError
from aggregator.consent.policy import Principal
from aggregator.model import LookupOutcome
from aggregator.processing.model import Estimate
from aggregator.service import MAX_LOOKUP_BATCH, CaselineService, TimelineRead
from gateway.auth import SignedIn, token_expiry
from gateway.live_slots import LiveSlots
from gateway.ratelimit import LookupLimits
from gateway.schema.erasure import erased_error

__all__ = ["Context"]


@dataclass
class Context:
    """Built once per request in ``get_context``; nothing in it outlives the request."""

    service: CaselineService
    principal: SignedIn | None
    auth_error: str | None
    language: str
    client: str
    rate_limiter: LookupLimits
    # Open GraphQL subscriptions per account (shared by the process's connections).
    live_slots: LiveSlots = field(default_factory=lambda: LiveSlots(1))
    # A websocket connection's context lasts as long as the connection (so it serves
    # subscriptions only: a query's cached reads would outlive a revoked consent); its
    # connection_init payload is set by strawberry.
    over_websocket: bool = False
    connection_params: dict[str, object] | None = None
    # The Authorization header the principal was verified from: a live subscription ends
    # when its token expires.
    authorization: str = ""
    status_loader: DataLoader[str, LookupOutcome] = field(init=False)
    _timelines: dict[str, asyncio.Task[TimelineRead]] = field(default_factory=dict)
    _estimates: dict[str, asyncio.Task[dict[tuple[str, str], Estimate]]] = field(
        default_factory=dict)
    # Set once the principal's account was found not erased: every permission check of the
    # request would otherwise ask again.
    principal_active: bool = False

    def __post_init__(self) -> None:
        # Every caseStatus field of one request goes out as a single batch: one call per agency.
        # Not a bound method: the loader would then hold the context that holds the loader, a
        # cycle that keeps the whole request alive until a full garbage collection.
        self.status_loader = DataLoader(load_fn=partial(_load_statuses, self.service),
                                        max_batch_size=MAX_LOOKUP_BATCH)

    def seconds_left(self) -> float | None:
        """Seconds until the principal's bearer token expires (None: no token, or none
        that says)."""
        expires = token_expiry(self.authorization) if self.principal else None
        return None if expires is None else expires - time.time()

    def timeline(self, subject_id: str) -> asyncio.Task[TimelineRead]:
        """The subject's timeline as the signed-in principal may see it, fetched (and its
        access recorded) at most once per request however many fields use it."""
        task = self._timelines.get(subject_id)
        if task is None:
            if self.principal is None:
                raise RuntimeError("timeline read without a principal")  # guarded by schema
            reader = Principal(self.principal.subject, self.principal.role)
            task = asyncio.ensure_future(_read_timeline(self.service, reader, subject_id,
                                                        self.language))
            self._timelines[subject_id] = task
        return task


    def estimates(self, subject_id: str) -> asyncio.Task[dict[tuple[str, str], Estimate]]:
        """Estimates of the subject's current cases by (agency, number), from the
        request's one timeline read, computed at most once per request."""
        task = self._estimates.get(subject_id)
        if task is None:
            task = asyncio.ensure_future(_estimate(self.service, self.timeline(subject_id)))
            self._estimates[subject_id] = task
        return task


async def _estimate(service: CaselineService, read: asyncio.Task[TimelineRead]
                    ) -> dict[tuple[str, str], Estimate]:
    timeline = (await read).timeline
    return await service.estimates_for(timeline.cases, timeline.events,
                                       service.today())


async def _read_timeline(service: CaselineService, reader: Principal, subject_id: str,
                         language: str) -> TimelineRead:
    try:
        return await service.read_timeline(reader, subject_id)
    except SubjectErasedError as exc:
        raise erased_error(language, exc) from exc


async def _load_statuses(service: CaselineService, numbers: list[str]) -> list[LookupOutcome]:
    return await service.lookup(numbers)
