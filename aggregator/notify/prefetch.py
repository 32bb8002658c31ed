"""A batch's reads done at once: what the releaser asks per notification (erasures,
consents, holders, languages) read for a whole delivery batch in a few queries, then
answered from memory for that batch only (decided as of the batch, like the matcher)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from aggregator.accounts import Account
from aggregator.consent.records import ConsentRecord
from aggregator.notify.model import Notification
from aggregator.store.subjects import Holder

__all__ = ["BulkReleaseStore", "PrefetchedStore"]


@runtime_checkable
class BulkReleaseStore(Protocol):
    """The releaser's reads, one at a time and for many at once (aggregator.store.Store)."""

    def consents_granted_by(self, subject_id: str) -> tuple[ConsentRecord, ...]:
        """Current versions of the subject's consents."""
        ...

    def consents_granted_by_many(self, subject_ids: Sequence[str]
                                 ) -> dict[str, tuple[ConsentRecord, ...]]:
        """The same for several subjects."""
        ...

    def holders(self, agency_id: str, case_number: str) -> tuple[Holder, ...]:
        """Who holds a case."""
        ...

    def holders_many(self, cases: Sequence[tuple[str, str]]
                     ) -> dict[tuple[str, str], tuple[Holder, ...]]:
        """The same for several cases."""
        ...

    def erased_at(self, subject_id: str) -> datetime | None:
        """When the subject's data was erased."""
        ...

    def erased_many(self, subject_ids: Sequence[str]) -> dict[str, datetime | None]:
        """The same for several subjects."""
        ...

    def language_of(self, subject_id: str) -> str | None:
        """The subject's stored language."""
        ...

    def languages_of(self, subject_ids: Sequence[str]) -> dict[str, str]:
        """The same for several subjects (never stored: left out)."""
        ...

    def account(self, subject_id: str) -> Account | None:
        """The account."""
        ...


class PrefetchedStore:
    """``ReleaseStore`` answering a batch's notifications from reads made up front; anything
    else asked goes to the store."""

    def __init__(self, store: BulkReleaseStore, notifications: Sequence[Notification]) -> None:
        self._store = store
        subjects = sorted({n.subject_id for n in notifications})
        self._erased = store.erased_many(subjects)
        # Only grantees' deliveries need the subject's consents; a subject's own, its holders.
        self._consents = store.consents_granted_by_many(sorted(
            {n.subject_id for n in notifications if n.recipient_id != n.subject_id}))
        self._holders = store.holders_many(sorted(
            {(n.agency_id, n.case_number) for n in notifications
             if n.recipient_id == n.subject_id}))
        self._languages = store.languages_of(sorted({n.recipient_id for n in notifications}))
        self._asked_languages = {n.recipient_id for n in notifications}

    def consents_granted_by(self, subject_id: str) -> tuple[ConsentRecord, ...]:
        """From the batch's read, else the store."""
        found = self._consents.get(subject_id)
        return found if found is not None else self._store.consents_granted_by(subject_id)

    def holders(self, agency_id: str, case_number: str) -> tuple[Holder, ...]:
        """From the batch's read, else the store."""
        found = self._holders.get((agency_id, case_number))
        return found if found is not None else self._store.holders(agency_id, case_number)

    def erased_at(self, subject_id: str) -> datetime | None:
        """From the batch's read, else the store."""
        if subject_id in self._erased:
            return self._erased[subject_id]
        return self._store.erased_at(subject_id)

    def language_of(self, subject_id: str) -> str | None:
        """From the batch's read, else the store."""
        if subject_id in self._asked_languages:
            return self._languages.get(subject_id)
        return self._store.language_of(subject_id)

    def account(self, subject_id: str) -> Account | None:
        """From the store (the releaser remembers roles itself)."""
        return self._store.account(subject_id)
