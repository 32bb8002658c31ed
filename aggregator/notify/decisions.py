"""Who may be told of a change, and what they may be shown: the read policy
(aggregator.consent.policy) applied to notifications. Plain data in, decisions out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from aggregator.consent.policy import Decision, Principal, decide
from aggregator.consent.records import ConsentRecord
from aggregator.consent.vocabulary import Role
from aggregator.notify.model import NotificationKind
from caseline.v1.lib.masking import mask_number
from caseline.v1.lib.scopes import Scope

__all__ = ["Verdict", "alert_recipients", "alert_scope", "match_recipients", "number_shown",
           "shown_number", "verdict"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether ``recipient`` may be told of a change to ``subject``'s case at an agency now,
    the decision it rests on, and the scopes released (STATUS, and IDENTITY when the
    recipient may see identifying case numbers)."""

    allowed: bool
    decision: Decision
    scopes: frozenset[Scope]


def verdict(recipient: Principal, subject_id: str, agency_id: str, now: datetime,
            consents: Iterable[ConsentRecord], holds_case: bool) -> Verdict:
    """The policy for one notification: the subject is told of their own case while they
    hold it; anyone else only under a consent that covers the agency with STATUS at ``now``
    (IDENTITY decided alongside, for the case number)."""
    consents = tuple(consents)
    linked = (agency_id,) if holds_case else ()
    status = decide(recipient, subject_id, agency_id, Scope.STATUS, now, consents, linked)
    if not status.allowed:
        return Verdict(False, status, frozenset())
    identity = decide(recipient, subject_id, agency_id, Scope.IDENTITY, now, consents, linked)
    scopes = {Scope.STATUS} | ({Scope.IDENTITY} if identity.allowed else set())
    return Verdict(True, status, frozenset(scopes))


def number_shown(number_scope: Scope, scopes: Iterable[Scope]) -> bool:
    """Whether a case number is shown whole: the agency's numbers need ``number_scope`` (a
    court's A-numbers identify the person: IDENTITY), the same rule as a timeline read."""
    return number_scope in set(scopes)


def shown_number(number: str, number_scope: Scope, scopes: Iterable[Scope]) -> str:
    """The number whole, or masked when the released scopes do not show it."""
    return number if number_shown(number_scope, scopes) else mask_number(number)


def match_recipients(agency_id: str, holders: Sequence[str], now: datetime, *,
                     consents_of: Mapping[str, Sequence[ConsentRecord]],
                     role_of: Mapping[str, Role], erased: Iterable[str] = ()
                     ) -> list[tuple[str, str]]:
    """(recipient, subject) pairs to tell of a change to a case ``holders`` hold at
    ``agency_id``: each holder themself and every grantee whose consent covers the agency
    with STATUS at ``now``. Erased subjects are told nothing and no one is told of them."""
    gone = set(erased)
    pairs: list[tuple[str, str]] = []
    for subject in holders:
        if subject in gone:
            continue
        pairs.append((subject, subject))
        consents = consents_of.get(subject, ())
        grantees = sorted({c.grantee_id for c in consents if c.subject_id == subject
                           and c.grantee_id != subject})
        for grantee in grantees:
            principal = Principal(grantee, role_of.get(grantee, Role.REPRESENTATIVE))
            if verdict(principal, subject, agency_id, now, consents, True).allowed:
                pairs.append((grantee, subject))
    return pairs


def alert_scope(kind: NotificationKind) -> Scope | None:
    """The scope a grantee needs, beyond STATUS, to be told an alert: a deadline's due date
    is case data at DETAILS (as on a timeline, where due dates are DETAILS fields); that a
    case is past its inquiry date is status-level (how long it has been pending), like a
    change. None: STATUS is enough."""
    return Scope.DETAILS if kind.is_deadline else None


def alert_recipients(agency_id: str, subject_id: str, kind: NotificationKind, now: datetime,
                     *, consents: Sequence[ConsentRecord], role_of: Mapping[str, Role],
                     erased: bool = False) -> list[str]:
    """Who is told an alert about ``subject_id``'s case at ``agency_id``: the recipients
    ``match_recipients`` finds for a change (the subject and every grantee whose consent
    covers the agency with STATUS now; a revoked consent covers nothing), less the
    grantees whose consent lacks the scope the alert reveals (``alert_scope``): a deadline
    alert is nothing without its due date, so it is not sent masked, it is not sent."""
    pairs = match_recipients(agency_id, [subject_id], now,
                             consents_of={subject_id: consents}, role_of=role_of,
                             erased=[subject_id] if erased else [])
    needed = alert_scope(kind)
    told: list[str] = []
    for recipient, _ in pairs:
        if recipient != subject_id and needed is not None:
            principal = Principal(recipient, role_of.get(recipient, Role.REPRESENTATIVE))
            if not decide(principal, subject_id, agency_id, needed, now, consents,
                          ()).allowed:
                continue
        told.append(recipient)
    return told
