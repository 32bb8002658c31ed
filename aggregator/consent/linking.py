"""Linking a case to a subject: case number plus the access code from the agency's notice,
checked by the agency itself, wrong codes throttled, every outcome in the ledger.

A case is linked to one subject. Another account presenting the same code is refused
(``ALREADY_LINKED``) and the holder sees the attempt in their access log. The agency verifies
only the code it issued last, so a verified code other than the one the link was made with
is newer: it takes the link over, and the previous holder's access log says so
(``LINK_REPLACED``) — whoever linked first with a stolen notice cannot lock the real person
out. A link whose code is not known (made before codes were kept) is never taken over.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aggregator.config import AggregatorConfig
from aggregator.consent.throttle import LinkThrottle, ThrottleUnavailable, whole_seconds
from aggregator.federation.fanout import AgencyCallError
from aggregator.federation.routing import route, unroutable_message
from aggregator.ledger.entries import link_entry
from aggregator.ledger.ledger import Appended
from aggregator.model import Case
from aggregator.ports import AdapterPort, LedgerPort
from aggregator.store import Holder, Store

__all__ = ["LinkError", "LinkService", "Linked", "Unlinked"]


def _newer(code_ref: str, holder: Holder) -> bool:
    """Whether a verified code is newer than the one ``holder`` linked with: the agency
    verifies only its current code, so a different one was issued since. Unknown stays."""
    return holder.access_code_ref is not None and holder.access_code_ref != code_ref


class LinkError(Exception):
    """A link or unlink that did not happen, with a stable code and a message saying why."""

    def __init__(self, message: str, code: str, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.retry_after_s = retry_after_s


@dataclass(frozen=True, slots=True)
class Linked:
    """A case now linked, with the ledger entry recording it."""

    case: Case
    created: bool
    appended: Appended


@dataclass(frozen=True, slots=True)
class Unlinked:
    """A case no longer linked, with the ledger entry recording it."""

    agency_id: str
    case_number: str
    appended: Appended


class LinkService:
    """Link and unlink for subjects."""

    def __init__(self, config: AggregatorConfig, adapters: Mapping[str, AdapterPort],
                 store: Store, ledger: LedgerPort, throttle: LinkThrottle,
                 pseudonym: Callable[[str], str], ledger_key: bytes) -> None:
        self._config = config
        self._adapters = adapters
        self._store = store
        self._ledger = ledger
        self._throttle = throttle
        self._pseudonym = pseudonym
        self._ledger_key = ledger_key
        # One attempt per subject at a time: otherwise a burst of guesses would all pass the
        # throttle's check before the first wrong code was counted.
        # Keys are subjects, and ("case", agency, number) so that two subjects claiming one
        # case take turns (another process is caught by the store's unique index).
        self._locks: dict[str | tuple[str, str, str], asyncio.Lock] = {}
        self._waiting: defaultdict[str | tuple[str, str, str], int] = defaultdict(int)

    def _agency_of(self, number: str) -> str:
        agency_id = route(number, self._config.agencies)
        if agency_id is None or agency_id not in self._adapters:
            raise LinkError(unroutable_message(number, self._config.agencies), "INVALID_NUMBER")
        return agency_id

    @asynccontextmanager
    async def _locked(self, key: str | tuple[str, str, str]) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # last one out: keep memory bounded
                del self._waiting[key]
                del self._locks[key]

    async def link(self, subject_id: str, number: str, access_code: str) -> Linked:
        """Link ``number`` if the agency confirms ``access_code`` and no one else holds the
        case under that same code."""
        async with self._locked(subject_id):
            try:
                return await self._link(subject_id, number, access_code)
            except ThrottleUnavailable as exc:
                # Fail closed: without the count, guesses would go unlimited.
                raise LinkError("linking cases is paused: wrong access codes cannot be "
                                "counted just now; try again in a minute",
                                "THROTTLE_UNAVAILABLE") from exc

    async def aclose(self) -> None:
        """Release the throttle's connections."""
        await self._throttle.aclose()

    async def _link(self, subject_id: str, number: str, access_code: str) -> Linked:
        number = number.strip().upper()
        agency_id = self._agency_of(number)
        wait = await self._throttle.check(subject_id, agency_id, number)
        if wait:
            seconds = whole_seconds(wait)
            raise LinkError(f"too many refused link attempts; try again in {seconds} s",
                            "RATE_LIMITED", retry_after_s=seconds)
        try:
            case = await self._adapters[agency_id].verify_ownership(
                number, access_code, self._config.deadline_s)
        except AgencyCallError as exc:
            if exc.code == "INVALID_ARGUMENT":
                raise LinkError(exc.message, "INVALID_INPUT") from exc
            raise LinkError(f"{agency_id} could not check the access code now ({exc.code}); "
                            "try again shortly", "AGENCY_UNAVAILABLE") from exc
        if case is None:
            try:
                await self._throttle.record_failure(subject_id, agency_id, number)
            finally:  # even when the count cannot be kept
                # Refused attempts on a case someone holds belong in the holder's record too.
                await self._refused(subject_id, agency_id, number, "WRONG_ACCESS_CODE")
            raise LinkError("the access code does not match this case; it is printed on the "
                            "agency's notice for this case", "WRONG_ACCESS_CODE")
        async with self._locked(("case", agency_id, case.number)):
            linked = await self._claim(subject_id, agency_id, case, access_code)
        await self._throttle.record_success(subject_id, agency_id, number)
        return linked

    async def _claim(self, subject_id: str, agency_id: str, case: Case,
                     access_code: str) -> Linked:
        number = case.number
        subject = self._pseudonym(subject_id)
        holders = self._store.holders(agency_id, number)
        others = tuple(h for h in holders if h.subject_id != subject_id)
        created = not any(h.subject_id == subject_id for h in holders)
        replacing: tuple[str, ...] = ()
        if created and others:
            code_ref = self._store.access_code_ref(agency_id, number, access_code)
            if not all(_newer(code_ref, h) for h in others):
                # Counted like a wrong code, so no one can fill a holder's access log.
                try:
                    await self._throttle.record_failure(subject_id, agency_id, number)
                finally:
                    await self._refused(subject_id, agency_id, number, "ALREADY_LINKED",
                                        others)
                raise LinkError(
                    "this case is already linked to another account; to see it, ask that "
                    "person to grant you consent, or ask the agency for a new access code if "
                    "the case is yours", "ALREADY_LINKED")
            replacing = tuple(h.subject_id for h in others)
            self._store.remember_actor(subject, subject_id)
            for holder in replacing:
                await self._ledger.append(link_entry(
                    self._ledger_key, "LINK_REPLACED", self._pseudonym(holder), agency_id,
                    number, actor=subject, reason="NEWER_ACCESS_CODE"))
        appended = await self._ledger.append(
            link_entry(self._ledger_key, "LINKED", subject, agency_id, number,
                       reason="NEWER_ACCESS_CODE" if replacing else ""))
        if not self._store.claim_link(subject_id, agency_id, number, access_code,
                                      replacing=replacing if created else ()):
            raise LinkError("someone else linked this case at the same moment; try again",
                            "CONFLICT")
        return Linked(case, created, appended)

    async def _refused(self, subject_id: str, agency_id: str, number: str, reason: str,
                       holders: tuple[Holder, ...] | None = None) -> None:
        """Record a refused attempt: in each other holder's record, or in the subject's own
        when no one else holds the case."""
        if holders is None:
            holders = tuple(h for h in self._store.holders(agency_id, number)
                            if h.subject_id != subject_id)
        subject = self._pseudonym(subject_id)
        # Whether or not someone holds the case, so its timing does not tell.
        self._store.remember_actor(subject, subject_id)
        for owner in [self._pseudonym(h.subject_id) for h in holders] or [subject]:
            await self._ledger.append(link_entry(self._ledger_key, "LINK_REFUSED", owner,
                                                 agency_id, number, actor=subject,
                                                 reason=reason))

    async def unlink(self, subject_id: str, number: str) -> Unlinked:
        """Unlink one of the subject's cases."""
        number = number.strip().upper()
        linked = [link for link in self._store.links_for(subject_id)
                  if link.case_number == number]
        if not linked:
            raise LinkError(f"{number} is not linked to you", "NOT_LINKED")
        agency_id = linked[0].agency_id
        appended = await self._ledger.append(link_entry(
            self._ledger_key, "UNLINKED", self._pseudonym(subject_id), agency_id, number))
        self._store.remove_link(subject_id, agency_id, number)
        return Unlinked(agency_id, number, appended)
