"""Linking a case to a subject: case number plus the access code from the agency's notice,
checked by the agency itself, wrong codes throttled, every outcome in the ledger."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aggregator.config import AggregatorConfig
from aggregator.federation import AgencyCallError
from aggregator.ledger.entries import link_entry
from aggregator.ledger.writer import Appended, Ledger
from aggregator.model import Case
from aggregator.ports import AdapterPort
from aggregator.routing import route, unroutable_message
from aggregator.store import Store
from aggregator.throttle import AccessCodeThrottle

__all__ = ["LinkError", "LinkService", "Linked", "Unlinked"]


class LinkError(Exception):
    """A link or unlink that did not happen, with a stable code and a message saying why."""

    def __init__(self, message: str, code: str, retry_after_s: float | None = None) -> None:
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
                 store: Store, ledger: Ledger, throttle: AccessCodeThrottle,
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
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: defaultdict[str, int] = defaultdict(int)

    def _agency_of(self, number: str) -> str:
        agency_id = route(number, self._config.agencies)
        if agency_id is None or agency_id not in self._adapters:
            raise LinkError(unroutable_message(number, self._config.agencies), "INVALID_NUMBER")
        return agency_id

    async def link(self, subject_id: str, number: str, access_code: str) -> Linked:
        """Link ``number`` if the agency confirms ``access_code``."""
        lock = self._locks.setdefault(subject_id, asyncio.Lock())
        self._waiting[subject_id] += 1
        try:
            async with lock:
                return await self._link(subject_id, number, access_code)
        finally:
            self._waiting[subject_id] -= 1
            if not self._waiting[subject_id]:  # last one out: keep memory bounded
                del self._waiting[subject_id]
                del self._locks[subject_id]

    async def _link(self, subject_id: str, number: str, access_code: str) -> Linked:
        number = number.strip().upper()
        agency_id = self._agency_of(number)
        wait = self._throttle.check(subject_id, agency_id, number)
        if wait:
            raise LinkError(f"too many wrong access codes; try again in {wait:.0f} s",
                            "RATE_LIMITED", retry_after_s=wait)
        try:
            case = await self._adapters[agency_id].verify_ownership(
                number, access_code, self._config.deadline_s)
        except AgencyCallError as exc:
            if exc.code == "INVALID_ARGUMENT":
                raise LinkError(exc.message, "INVALID_INPUT") from exc
            raise LinkError(f"{agency_id} could not check the access code now ({exc.code}); "
                            "try again shortly", "AGENCY_UNAVAILABLE") from exc
        subject = self._pseudonym(subject_id)
        if case is None:
            self._throttle.record_failure(subject_id, agency_id, number)
            await self._ledger.append(
                link_entry(self._ledger_key, "LINK_REFUSED", subject, agency_id, number))
            raise LinkError("the access code does not match this case; it is printed on the "
                            "agency's notice for this case", "WRONG_ACCESS_CODE")
        self._throttle.record_success(subject_id, agency_id, number)
        appended = await self._ledger.append(
            link_entry(self._ledger_key, "LINKED", subject, agency_id, case.number))
        created = self._store.add_link(subject_id, agency_id, case.number)
        return Linked(case, created, appended)

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
