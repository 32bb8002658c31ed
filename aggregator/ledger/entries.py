"""What goes into the ledger: consent events, link events, access decisions and key events.

An ``Entry`` is its kind, its fields and the columns auditors filter on (subject, actor,
agencies, consent), each said explicitly by the builder that knows what the entry means.
Entries hold keyed pseudonyms, keyed case references and codes — never names, case numbers
or free text (a bare hash of a case number could be brute-forced; a keyed one cannot without
the aggregator's key). The ledger adds ``i``, ``prev`` and ``at`` when it appends.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, cast

from aggregator.consent.records import ConsentRecord, artefact
from aggregator.ledger.encoding import canonical

__all__ = [
    "LEDGER_KEYS",
    "Entry",
    "EntryKind",
    "access_code_reference",
    "access_entry",
    "case_reference",
    "consent_entry",
    "key_entry",
    "keyed_digest",
    "link_entry",
]


class EntryKind(StrEnum):
    """What an entry records; its value is the leaf's ``kind`` and the ``kind`` column."""

    CONSENT = "consent"
    LINK = "link"
    ACCESS = "access"
    KEY = "key"


# The keys the ledger writes into every leaf itself.
LEDGER_KEYS = frozenset({"kind", "i", "prev", "at"})


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry to append: its ``kind``, the ``fields`` its leaf holds beside the ledger's
    own keys, and the columns auditors filter on (a builder fills them from its fields).

    The entry has no index: the writer gives it one under the file's write lock, and the
    caller reads it from the ``Appended`` receipt.
    """

    kind: EntryKind
    fields: Mapping[str, object]
    subject: str | None = None
    actor: str | None = None
    agencies: tuple[str, ...] = ()
    consent: str | None = None
    def __post_init__(self) -> None:
        if not LEDGER_KEYS.isdisjoint(self.fields):
            taken = LEDGER_KEYS.intersection(self.fields)
            raise ValueError(f"entry fields may not hold the ledger's own keys: "
                             f"{', '.join(sorted(taken))}")
        if type(self.kind) is not EntryKind:  # built once per read: skip the enum call
            object.__setattr__(self, "kind", EntryKind(self.kind))
        # A read-only copy: an entry is a value, and what is encoded is what was built.
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))

    def leaf_object(self, index: int, prev: str, at: str) -> dict[str, Any]:
        """The object whose canonical encoding is this entry's leaf at ``index``."""
        # The proxy's copy() copies the dict beneath it: several times faster than dict().
        leaf: dict[str, Any] = cast("MappingProxyType[str, Any]", self.fields).copy()
        leaf["kind"] = self.kind.value
        leaf["i"] = index
        leaf["prev"] = prev
        leaf["at"] = at
        return leaf

    def agencies_column(self) -> str | None:
        """The agencies as stored, surrounded by commas so a LIKE '%,id,%' filter matches
        whole ids only; None without agencies."""
        return "," + ",".join(self.agencies) + "," if self.agencies else None


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
                  grantee: str, *, reason: str = "") -> Entry:
    """A consent version was signed (GRANTED, PAUSED, RESUMED or REVOKED); ``reason``: why
    it was revoked, when not by the subject (an account erased)."""
    agencies = sorted(record.agencies)
    fields: dict[str, object] = {
        "event": event, "consent": record.id, "version": record.version,
        "subject": subject, "grantee": grantee, "agencies": agencies,
        "scopes": sorted(record.scopes), "purpose": record.purpose_code,
        "valid_from": record.valid_from.isoformat(), "valid_until": record.valid_until.isoformat(),
        # Binds the entry to the exact signed artefact without revealing what it says.
        "artefact": keyed_digest(key, "consent-artefact", canonical(artefact(record))),
    }
    if reason:
        fields["reason"] = reason
    # The grantee is the consent's other party: auditors find it under "actor".
    return Entry(EntryKind.CONSENT, fields, subject=subject, actor=grantee,
                 agencies=tuple(agencies), consent=record.id)


def link_entry(key: bytes, event: str, subject: str, agency_id: str,
               case_number: str, *, actor: str | None = None,
               reason: str = "") -> Entry:
    """A link event (LINKED, UNLINKED, LINK_REFUSED, LINK_REPLACED) in ``subject``'s record.

    ``subject`` is whose access log the event belongs in: the holder of the case when
    someone else (``actor``) tried to link it or took it over with a newer access code;
    ``actor`` defaults to the subject. ``reason``: the refusal's code, or why a link was
    replaced."""
    actor = actor or subject
    fields: dict[str, object] = {
        "event": event, "subject": subject, "actor": actor, "agency": agency_id,
        "case": case_reference(key, agency_id, case_number)}
    if reason:
        fields["reason"] = reason
    return Entry(EntryKind.LINK, fields, subject=subject, actor=actor or None,
                 agencies=(agency_id,) if agency_id else ())


def access_entry(*, subject: str, actor: str, decision: str, agencies: Iterable[str],
                 scopes: Iterable[str], consent_id: str | None, purpose: str,
                 reason: str = "", opened: Iterable[str] = (),
                 consents: Iterable[tuple[str, str]] = ()) -> Entry:
    """A read of a subject's data was allowed or denied (one entry per request and subject).

    ``consent_id`` is the consent the STATUS scope relied on; ``consents`` are (scope,
    consent id) for every scope released. A read relying on several consents names each per
    scope in the entry; without that field every scope relied on ``consent`` (so the common
    entry, and every entry written before the field existed, stays as it was: encoding it
    for every read cost the ledger a fifth of its appends per second).
    """
    agencies = sorted(agencies)
    fields: dict[str, object] = {
        "decision": decision, "subject": subject, "actor": actor, "agencies": agencies,
        "scopes": sorted(scopes), "consent": consent_id, "purpose": purpose,
    }
    relied = sorted(set(consents))
    if len({consent for _, consent in relied}) > 1:
        fields["consents"] = [{"scope": scope, "consent": consent} for scope, consent in relied]
    if reason:
        fields["reason"] = reason
    opened = sorted(opened)
    if opened:
        fields["opened"] = opened
    return Entry(EntryKind.ACCESS, fields, subject=subject, actor=actor or None,
                 agencies=tuple(agencies), consent=consent_id)


def key_entry(event: str, *, key_id: str | None = None, subject: str | None = None,
              count: int | None = None) -> Entry:
    """A key event: ROTATED (a new primary key-encryption or custodian key, by id) or
    SHREDDED (a subject's data keys destroyed; ``count`` versions)."""
    fields: dict[str, object] = {"event": event}
    if key_id is not None:
        fields["key"] = key_id
    if subject is not None:
        fields["subject"] = subject
    if count is not None:
        fields["count"] = count
    return Entry(EntryKind.KEY, fields, subject=subject)
