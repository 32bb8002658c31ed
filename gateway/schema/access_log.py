"""A subject's access log: the ledger's reads of their data and events of their links, as
the subject reads them. Entries written before a field existed still read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import orjson
import strawberry

from aggregator.consent.records import ConsentRecord
from aggregator.ledger.entries import EntryKind
from aggregator.ledger.storage import EntryFilter, LedgerStore, StoredEntry
from aggregator.service import CaselineService
from gateway.schema.consent import AccessLogEntry, ScopeConsent
from gateway.schema.enums import AccessDecision, AccessKind, ConsentScope

__all__ = ["access_log", "log_entry", "subject_access_log"]

# Link events (the ledger's names) as the log shows them, with what was decided.
_LINK_EVENTS: dict[str, tuple[AccessKind, AccessDecision]] = {
    "LINKED": (AccessKind.LINK, AccessDecision.ALLOW),
    "UNLINKED": (AccessKind.UNLINK, AccessDecision.ALLOW),
    "LINK_REFUSED": (AccessKind.LINK_ATTEMPT, AccessDecision.DENY),
    "LINK_REPLACED": (AccessKind.LINK_REPLACED, AccessDecision.ALLOW),
}


def _rows(store: LedgerStore, subject: str, *, include_own: bool, limit: int,
          before: int | None) -> list[StoredEntry]:
    found: list[StoredEntry] = []
    for kind in (EntryKind.ACCESS, EntryKind.LINK):
        found += store.find(EntryFilter(subject=subject, kind=kind,
                                        not_actor=None if include_own else subject,
                                        before_index=before, newest_first=True, limit=limit))
    found.sort(key=lambda row: row.index, reverse=True)
    return found


def access_log(store: LedgerStore, subject: str, name: Callable[[str], str],
               consents: Mapping[str, ConsentRecord], *, include_own: bool,
               limit: int, before: int | None = None) -> list[AccessLogEntry]:
    """``subject``'s (a pseudonym) log, newest first, at most ``limit`` entries (those
    before ledger index ``before`` when given: the next page); ``name`` turns an actor's
    pseudonym into what the subject is shown."""
    log: list[AccessLogEntry] = []
    for row in _rows(store, subject, include_own=include_own, limit=limit, before=before):
        entry = orjson.loads(row.leaf)
        if row.actor is None and row.kind == EntryKind.LINK and not include_own:
            continue  # a link event from before they named an actor: the subject's own
        log.append(log_entry(row.index, entry, name, consents))
        if len(log) == limit:
            break
    return log


def subject_access_log(service: CaselineService, subject_id: str, *, include_own: bool,
                       limit: int, before: int | None = None) -> list[AccessLogEntry]:
    """The access log of account ``subject_id`` as they read it (``viewer.accessLog`` and
    the pages): actors named by account, grantees by the consents they were given."""
    own = service.pseudonym(subject_id)
    consents = {r.id: r for r in service.consents.granted_by(subject_id)}
    names = {service.pseudonym(r.grantee_id): r.grantee_id for r in consents.values()}
    names[own] = subject_id

    def name(actor: str) -> str:
        if actor not in names:
            names[actor] = service.store.actor_of(actor) or f"unknown ({actor})"
        return names[actor]

    return access_log(service.ledger.store, own, name, consents, include_own=include_own,
                      limit=limit, before=before)


def _consents(entry: Mapping[str, Any]) -> list[ScopeConsent]:
    if entry.get("decision") != "ALLOW":
        return []
    relied = entry.get("consents")
    if relied is None:  # every scope under one consent (and entries from before the field)
        consent = entry.get("consent")
        relied = [{"scope": s, "consent": consent} for s in entry.get("scopes", [])] \
            if consent else []
    return [ScopeConsent(scope=ConsentScope(r["scope"]), consent_id=strawberry.ID(r["consent"]))
            for r in relied]


def log_entry(index: int, entry: Mapping[str, Any], name: Callable[[str], str],
              consents: Mapping[str, ConsentRecord]) -> AccessLogEntry:
    """One ledger entry (decoded) as an access-log entry."""
    at = datetime.fromisoformat(entry["at"])
    if entry.get("kind") == EntryKind.LINK:
        kind, decision = _LINK_EVENTS.get(entry.get("event", ""),
                                          (AccessKind.LINK_ATTEMPT, AccessDecision.DENY))
        reason = entry.get("reason") or ("WRONG_ACCESS_CODE"
                                         if kind is AccessKind.LINK_ATTEMPT else None)
        return AccessLogEntry(
            kind=kind, at=at, actor=name(entry.get("actor") or entry["subject"]), purpose="",
            purpose_text=None, agencies=[strawberry.ID(entry["agency"])], scopes=[],
            consent_id=None, consents=[], decision=decision, reason=reason, leaf_index=index)
    consent = consents.get(entry.get("consent") or "")
    return AccessLogEntry(
        kind=AccessKind.READ, at=at, actor=name(entry["actor"]),
        purpose=entry.get("purpose") or "",
        purpose_text=consent.purpose_text if consent else None,
        agencies=[strawberry.ID(a) for a in entry.get("agencies", [])],
        scopes=[ConsentScope(s) for s in entry.get("scopes", [])],
        consent_id=strawberry.ID(entry["consent"]) if entry.get("consent") else None,
        consents=_consents(entry), decision=AccessDecision(entry["decision"]),
        reason=entry.get("reason"), leaf_index=index)
