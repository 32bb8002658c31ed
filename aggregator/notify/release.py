"""A notification as released to its recipient now: the policy decided again (consent,
erasure, whether they still hold the case), the number shown or masked, the texts in their
language. ``released`` is pure; ``Releaser`` reads what it needs from the store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from aggregator.accounts import Account
from aggregator.consent.policy import Principal, decide
from aggregator.consent.records import ConsentRecord
from aggregator.consent.vocabulary import Role
from aggregator.model import AgencyInfo, in_language
from aggregator.notify.alert_texts import alert_title
from aggregator.notify.decisions import (
    Verdict,
    alert_scope,
    number_shown,
    shown_number,
    verdict,
)
from aggregator.notify.model import Notification, Released
from aggregator.notify.prefetch import BulkReleaseStore, PrefetchedStore
from aggregator.ports import Clock
from aggregator.store.subjects import Holder
from caseline.v1.lib.scopes import Scope

__all__ = [
    "SUBJECT_ERASED",
    "UNKNOWN_AGENCY",
    "Refused",
    "ReleaseStore",
    "Releaser",
    "released",
]

SUBJECT_ERASED = "SUBJECT_ERASED"
UNKNOWN_AGENCY = "UNKNOWN_AGENCY"
LANGUAGES = ("en", "es")
_MAX_ROLES = 65_536


@dataclass(frozen=True, slots=True)
class Refused:
    """Nothing may be released now; ``code`` says why (a DecisionCode, SUBJECT_ERASED)."""

    code: str


def released(notification: Notification, ruling: Verdict, language: str,
             agency: AgencyInfo) -> Released:
    """The notification in ``language`` under ``ruling``'s scopes (the number masked
    without the scope the agency's numbers need); titles fall back to English, then the
    agency's milestone."""
    language = language if language in LANGUAGES else "en"
    number = notification.case_number
    whole = number_shown(agency.number_scope, ruling.scopes)
    name = agency.display_name(language)
    alert = notification.alert
    return Released(
        notification=notification, language=language, agency_name=name,
        title=(in_language(notification.titles, language, notification.milestone)
               if alert is None else alert_title(notification, language, name)),
        case_number=number if whole else None,
        shown_number=shown_number(number, agency.number_scope, ruling.scopes),
        due_date=None if alert is None else alert.due)


class ReleaseStore(Protocol):
    """What the releaser reads (aggregator.store.Store has all of it)."""

    def consents_granted_by(self, subject_id: str) -> tuple[ConsentRecord, ...]:
        """Current versions of the subject's consents."""
        ...

    def holders(self, agency_id: str, case_number: str) -> tuple[Holder, ...]:
        """Who holds a case."""
        ...

    def erased_at(self, subject_id: str) -> datetime | None:
        """When the subject's data was erased."""
        ...

    def language_of(self, subject_id: str) -> str | None:
        """The subject's stored language."""
        ...

    def account(self, subject_id: str) -> Account | None:
        """The account."""
        ...


class Releaser:
    """Decides, at the moment of asking, what a recipient may be told of a notification."""

    def __init__(self, store: ReleaseStore, agencies: Mapping[str, AgencyInfo],
                 clock: Clock) -> None:
        self._store = store
        self.agencies = dict(agencies)
        self._clock = clock
        self._roles: dict[str, Role] = {}

    def for_batch(self, notifications: Sequence[Notification]) -> Releaser:
        """A releaser for ``notifications`` only, its reads made for all of them at once
        (when the store can: aggregator.notify.prefetch), sharing the roles it knows."""
        if not isinstance(self._store, BulkReleaseStore) or not notifications:
            return self
        batch = Releaser(PrefetchedStore(self._store, notifications), self.agencies,
                         self._clock)
        batch._roles = self._roles
        return batch

    def role_of(self, account_id: str) -> Role:
        """The account's role (a representative when the account is unknown); an account's
        role never changes, so known ones are remembered."""
        role = self._roles.get(account_id)
        if role is None:
            account = self._store.account(account_id)
            if account is None:
                return Role.REPRESENTATIVE
            if len(self._roles) >= _MAX_ROLES:
                self._roles.clear()
            role = self._roles[account_id] = account.role
        return role

    def ruling(self, notification: Notification) -> Verdict | Refused:
        """The policy now for this notification's recipient."""
        return self.ruling_for(notification.recipient_id, notification.subject_id,
                               notification.agency_id, notification.case_number,
                               alert_scope(notification.kind))

    def ruling_for(self, recipient_id: str, subject_id: str, agency_id: str,
                   case_number: str | None, needs: Scope | None = None) -> Verdict | Refused:
        """The policy now for telling ``recipient_id`` of ``subject_id``'s case at
        ``agency_id`` (the number is needed only for the subject's own: do they still hold
        it?). ``needs``: a scope the message reveals beyond STATUS (an alert's due date:
        DETAILS), which a grantee's consent must cover too; the verdict's scopes then
        include it."""
        if self._store.erased_at(subject_id) is not None:
            return Refused(SUBJECT_ERASED)
        if agency_id not in self.agencies:
            return Refused(UNKNOWN_AGENCY)
        own = recipient_id == subject_id
        principal = Principal(recipient_id,
                              Role.APPLICANT if own else self.role_of(recipient_id))
        holds = own and case_number is not None and any(
            h.subject_id == subject_id for h in self._store.holders(agency_id, case_number))
        consents = () if own else self._store.consents_granted_by(subject_id)
        now = self._clock()
        ruling = verdict(principal, subject_id, agency_id, now, consents, holds)
        if not ruling.allowed:
            return Refused(ruling.decision.code)
        if needs is None:
            return ruling
        if not own:
            extra = decide(principal, subject_id, agency_id, needs, now, consents, ())
            if not extra.allowed:
                return Refused(extra.code)
        return Verdict(True, ruling.decision, ruling.scopes | {needs})

    def language(self, recipient_id: str) -> str:
        """The recipient's stored language (English when none)."""
        stored = self._store.language_of(recipient_id)
        return stored if stored in LANGUAGES else "en"

    def release(self, notification: Notification, language: str | None = None
                ) -> tuple[Released, Verdict] | Refused:
        """The notification as its recipient may have it now, in ``language`` (default:
        their stored one), with the ruling it rests on; or why not."""
        ruling = self.ruling(notification)
        if isinstance(ruling, Refused):
            return ruling
        return (released(notification, ruling, language or self.language(
            notification.recipient_id), self.agencies[notification.agency_id]), ruling)
