"""What goes into the ledger: consent events, link events, access decisions and key events.

Entries hold keyed pseudonyms, keyed case references and codes — never names, case numbers
or free text (a bare hash of a case number could be brute-forced; a keyed one cannot without
the aggregator's key). The ledger adds ``i``, ``prev`` and ``at`` when it appends.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Iterable
from typing import Any

from aggregator.consent.records import ConsentRecord, artefact
from aggregator.ledger.encoding import canonical

__all__ = [
    "ACCESS",
    "CONSENT",
    "KEY",
    "LINK",
    "access_code_reference",
    "access_entry",
    "case_reference",
    "consent_entry",
    "key_entry",
    "keyed_digest",
    "link_entry",
]

CONSENT = "consent"
LINK = "link"
ACCESS = "access"
KEY = "key"


def keyed_digest(key: bytes, label: str, value: bytes) -> str:
    """A keyed digest (HMAC-SHA-256, domain-separated by ``label``) as hex."""
    return hmac.new(key, label.encode() + b"\x00" + value, hashlib.sha256).hexdigest()[:32]


def case_reference(key: bytes, agency_id: str, case_number: str) -> str:
    """A case number as the ledger may hold it: keyed, so it cannot be guessed back."""
    return "case_" + keyed_digest(key, "case", f"{agency_id}\x00{case_number}".encode())


def access_code_reference(key: bytes, agency_id: str, case_number: str,
                          access_code: str) -> str:
    """An access code as the store may keep it: keyed, and blind to what agencies ignore
    (case, spaces, dashes), so the same code typed differently is the same code — never
    mistaken for a newer one the agency issued."""
    canonical = "".join(ch for ch in unicodedata.normalize("NFKC", access_code).upper()
                        if ch.isalnum())
    return "code_" + keyed_digest(
        key, "access-code", f"{agency_id}\x00{case_number}\x00{canonical}".encode())


def consent_entry(key: bytes, record: ConsentRecord, event: str, subject: str,
                  grantee: str) -> dict[str, Any]:
    """A consent version was signed (GRANTED, PAUSED, RESUMED or REVOKED)."""
    return {
        "kind": CONSENT, "event": event, "consent": record.id, "version": record.version,
        "subject": subject, "grantee": grantee, "agencies": sorted(record.agencies),
        "scopes": sorted(record.scopes), "purpose": record.purpose_code,
        "valid_from": record.valid_from.isoformat(), "valid_until": record.valid_until.isoformat(),
        # Binds the entry to the exact signed artefact without revealing what it says.
        "artefact": keyed_digest(key, "consent-artefact", canonical(artefact(record))),
    }


def link_entry(key: bytes, event: str, subject: str, agency_id: str,
               case_number: str, *, actor: str | None = None,
               reason: str = "") -> dict[str, Any]:
    """A link event (LINKED, UNLINKED, LINK_REFUSED, LINK_REPLACED) in ``subject``'s record.

    ``subject`` is whose access log the event belongs in: the holder of the case when
    someone else (``actor``) tried to link it or took it over with a newer access code;
    ``actor`` defaults to the subject. ``reason``: the refusal's code, or why a link was
    replaced."""
    entry = {"kind": LINK, "event": event, "subject": subject, "actor": actor or subject,
             "agency": agency_id, "case": case_reference(key, agency_id, case_number)}
    if reason:
        entry["reason"] = reason
    return entry


def access_entry(*, subject: str, actor: str, decision: str, agencies: Iterable[str],
                 scopes: Iterable[str], consent_id: str | None, purpose: str,
                 reason: str = "", opened: Iterable[str] = (),
                 consents: Iterable[tuple[str, str]] = ()) -> dict[str, Any]:
    """A read of a subject's data was allowed or denied (one entry per request and subject).

    ``consent_id`` is the consent the STATUS scope relied on; ``consents`` are (scope,
    consent id) for every scope released. A read relying on several consents names each per
    scope in the entry; without that field every scope relied on ``consent`` (so the common
    entry, and every entry written before the field existed, stays as it was: encoding it
    for every read cost the ledger a fifth of its appends per second).
    """
    entry: dict[str, Any] = {
        "kind": ACCESS, "decision": decision, "subject": subject, "actor": actor,
        "agencies": sorted(agencies), "scopes": sorted(scopes), "consent": consent_id,
        "purpose": purpose,
    }
    relied = sorted(set(consents))
    if len({consent for _, consent in relied}) > 1:
        entry["consents"] = [{"scope": scope, "consent": consent} for scope, consent in relied]
    if reason:
        entry["reason"] = reason
    opened = sorted(opened)
    if opened:
        entry["opened"] = opened
    return entry


def key_entry(event: str, *, key_id: str | None = None, subject: str | None = None,
              count: int | None = None) -> dict[str, Any]:
    """A key event: ROTATED (a new primary key-encryption or custodian key, by id) or
    SHREDDED (a subject's data keys destroyed; ``count`` versions)."""
    entry: dict[str, Any] = {"kind": KEY, "event": event}
    if key_id is not None:
        entry["key"] = key_id
    if subject is not None:
        entry["subject"] = subject
    if count is not None:
        entry["count"] = count
    return entry
