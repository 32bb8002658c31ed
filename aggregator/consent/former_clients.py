"""Who a grantee's former clients are, and why: plain functions over consent versions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from aggregator.consent.records import ConsentRecord, effective_state
from aggregator.consent.vocabulary import ConsentState

__all__ = ["FormerClientRecord", "consents_from", "current_clients", "ended_at", "former_clients",
           "newest_shared_name"]


@dataclass(frozen=True, slots=True)
class FormerClientRecord:
    """A subject none of whose consents to a grantee is active, by the one that ended last."""

    subject_id: str
    shared_name: str | None
    state: ConsentState  # PAUSED, REVOKED or EXPIRED
    since: datetime


def ended_at(record: ConsentRecord, now: datetime) -> datetime:
    """When a consent that is not active stopped being so: its end for an expired one (even
    if paused before), otherwise when the version that paused or revoked it was signed."""
    expired = effective_state(record, now) == ConsentState.EXPIRED
    return record.valid_until if expired else record.created_at


def newest_shared_name(records: Sequence[ConsentRecord]) -> str | None:
    """The name of the newest consent that shares one (``records`` newest first)."""
    return next((r.shared_name for r in records if r.shared_name), None)


def current_clients(records: Iterable[ConsentRecord], now: datetime
                    ) -> dict[str, list[ConsentRecord]]:
    """Subjects among ``records`` (a grantee's consents, current versions) with an active
    consent now, each with those active consents in the order given."""
    by_subject: dict[str, list[ConsentRecord]] = {}
    for record in records:
        if effective_state(record, now) == ConsentState.ACTIVE:
            by_subject.setdefault(record.subject_id, []).append(record)
    return by_subject


def consents_from(records: Iterable[ConsentRecord], subject_id: str) -> list[ConsentRecord]:
    """Those of ``records`` (a grantee's consents) that ``subject_id`` granted, in any
    state."""
    return [r for r in records if r.subject_id == subject_id]


def former_clients(records: Iterable[ConsentRecord], now: datetime
                   ) -> list[FormerClientRecord]:
    """Subjects among ``records`` (a grantee's consents, current versions) with no active
    consent, each told by the consent that ended last; most recently ended first."""
    by_subject: dict[str, list[ConsentRecord]] = {}
    for record in records:
        by_subject.setdefault(record.subject_id, []).append(record)
    former: list[FormerClientRecord] = []
    for subject_id, consents in by_subject.items():
        if any(effective_state(r, now) == ConsentState.ACTIVE for r in consents):
            continue
        last = max(consents, key=lambda r: (ended_at(r, now), r.created_at))
        newest_first = sorted(consents, key=lambda r: r.created_at, reverse=True)
        former.append(FormerClientRecord(
            subject_id, last.shared_name or newest_shared_name(newest_first),
            effective_state(last, now), ended_at(last, now)))
    return sorted(former, key=lambda f: (f.since, f.subject_id), reverse=True)
