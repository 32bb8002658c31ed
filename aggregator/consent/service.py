"""Granting, pausing, resuming and revoking consents: each change a new signed version, each
recorded in the ledger before it is acknowledged."""

from __future__ import annotations

import base64
import re
import secrets
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.accounts import SubjectErasedError
from aggregator.consent.records import (
    ConsentError,
    ConsentRecord,
    artefact,
    effective_state,
    next_version,
)
from aggregator.consent.vocabulary import ConsentState, Purpose
from aggregator.ledger.encoding import canonical
from aggregator.ledger.entries import Entry, consent_entry
from aggregator.ledger.ledger import Appended
from aggregator.ports import LedgerPort
from aggregator.store import Store
from aggregator.vault.errors import ShreddedError
from caseline.v1.lib.scopes import Scope

__all__ = ["MAX_SHARED_NAME", "ConsentChange", "ConsentService", "GrantRequest",
           "UnknownGranteeError"]

MAX_VALIDITY = timedelta(days=2 * 366)
MAX_PURPOSE_TEXT = 500
# A person's name as they would write it on a form; room for long compound names.
MAX_SHARED_NAME = 100
_ACCOUNT_ID = re.compile(r"[A-Za-z0-9._@+-]{1,64}")
# Zero-width (non-)joiners are part of how some scripts write names; every other format or
# control character (bidirectional overrides included) could make a name read as another.
_JOINERS = frozenset("\u200c\u200d")
# By value: a purpose named in the free text, or a code from a caller that is not typed.
_PURPOSES = {p.value: p for p in Purpose}
_EVENTS = {ConsentState.ACTIVE: "RESUMED", ConsentState.PAUSED: "PAUSED",
           ConsentState.REVOKED: "REVOKED"}


class UnknownGranteeError(ConsentError):
    """The grantee names no account (or one whose data was erased: the same answer, so
    erasures cannot be probed)."""

    def __init__(self, grantee: str) -> None:
        super().__init__(f"grantee: no account {grantee!r}; check the spelling with the "
                         "person you mean (they must have signed in to Caseline once)",
                         "UNKNOWN_GRANTEE")
        self.grantee = grantee


@dataclass(frozen=True, slots=True)
class GrantRequest:
    """What a subject asks for when granting."""

    grantee_id: str
    agencies: Sequence[str]
    scopes: Sequence[Scope]
    purpose: str
    valid_until: datetime
    valid_from: datetime | None = None
    purpose_code: Purpose | None = None
    shared_name: str | None = None  # the name the grantee may know the subject by


@dataclass(frozen=True, slots=True)
class ConsentChange:
    """The new version and the ledger entry that records it."""

    record: ConsentRecord
    appended: Appended


class ConsentService:
    """The subject's consent operations; pseudonymises everything the ledger sees."""

    def __init__(self, store: Store, ledger: LedgerPort, signing_key: Ed25519PrivateKey,
                 pseudonym: Callable[[str], str], ledger_key: bytes,
                 known_agencies: Sequence[str],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._ledger = ledger
        self._key = signing_key
        self._pseudonym = pseudonym
        self._ledger_key = ledger_key
        self._agencies = tuple(known_agencies)
        self._clock = clock

    def validate(self, subject_id: str, request: GrantRequest, now: datetime) -> ConsentRecord:
        """The unsigned first version, or ConsentError naming the field that is wrong."""
        grantee = request.grantee_id.strip()
        if not _ACCOUNT_ID.fullmatch(grantee):
            raise ConsentError("grantee: expected an account id of 1 to 64 letters, digits "
                               "or . _ @ + -", "INVALID_GRANTEE")
        if grantee == subject_id:
            raise ConsentError("grantee: you already see your own cases; name someone else",
                               "INVALID_GRANTEE")
        account = self._store.account(grantee)
        if account is None or account.erased_at is not None:
            raise UnknownGranteeError(grantee)
        agencies = tuple(dict.fromkeys(a.strip() for a in request.agencies))
        unknown = [a for a in agencies if a not in self._agencies]
        if not agencies or unknown:
            raise ConsentError(f"agencies: expected one or more of {', '.join(self._agencies)}"
                               + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
                               "INVALID_AGENCY")
        scopes = tuple(s for s in Scope if s in set(request.scopes))
        if not scopes or len(scopes) != len(set(request.scopes)):
            raise ConsentError(f"scopes: expected one or more of {', '.join(Scope)}",
                               "INVALID_SCOPE")
        purpose = request.purpose.strip()
        if not purpose or len(purpose) > MAX_PURPOSE_TEXT:
            raise ConsentError(f"purpose: say in 1 to {MAX_PURPOSE_TEXT} characters what the "
                               "access is for", "INVALID_PURPOSE")
        code = request.purpose_code
        if code is None:
            code = _PURPOSES.get(purpose.upper(), Purpose.OTHER)
            if code != Purpose.OTHER:
                purpose = code.description
        if code not in _PURPOSES:
            raise ConsentError(f"purposeCode: expected one of {', '.join(Purpose)}",
                               "INVALID_PURPOSE")
        valid_from = _aware(request.valid_from or now, "validFrom")
        valid_until = _aware(request.valid_until, "validUntil")
        if valid_until <= max(now, valid_from):
            raise ConsentError("validUntil: must be later than now and than validFrom",
                               "INVALID_VALIDITY")
        if valid_until - valid_from > MAX_VALIDITY:
            raise ConsentError("validUntil: a consent lasts at most two years; grant a new "
                               "one later", "INVALID_VALIDITY")
        return ConsentRecord(
            id="cns_" + secrets.token_hex(12), version=1, subject_id=subject_id,
            grantee_id=grantee, agencies=agencies, scopes=scopes, purpose_code=Purpose(code),
            purpose_text=purpose, valid_from=valid_from, valid_until=valid_until,
            state=ConsentState.ACTIVE, created_at=now, shared_name=shared_name(request.shared_name))

    async def grant(self, subject_id: str, request: GrantRequest) -> ConsentChange:
        """Sign, record and store a new consent."""
        self._check_not_erased(subject_id)
        record = self.validate(subject_id, request, self._clock())
        return await self._commit(record, "GRANTED")

    async def change(self, subject_id: str, consent_id: str,
                     state: ConsentState) -> ConsentChange:
        """Pause, resume (ACTIVE) or revoke one of the subject's consents."""
        self._check_not_erased(subject_id)
        current = self._store.consent(consent_id)
        if current is None or current.subject_id != subject_id:
            # Same answer for "not yours" and "does not exist": ids are not probeable.
            raise ConsentError(f"no consent {consent_id} granted by you", "NOT_FOUND")
        record = next_version(current, state, self._clock())
        return await self._commit(record, _EVENTS[state])

    def granted_by(self, subject_id: str) -> tuple[ConsentRecord, ...]:
        """The subject's consents, current versions, newest first."""
        self._check_not_erased(subject_id)
        return self._store.consents_granted_by(subject_id)

    def now(self) -> datetime:
        """The time consent states are decided at (the service's clock)."""
        return self._clock()

    def granted_to(self, grantee_id: str) -> tuple[ConsentRecord, ...]:
        """Consents granted to a grantee, current versions, newest first."""
        return self._store.consents_granted_to(grantee_id)

    def revoke_for_erasure(self, record: ConsentRecord, reason: str) -> ConsentChange | None:
        """Revoke ``record`` because an account it names was erased (``reason`` goes into the
        ledger entry); None when it had already ended (revoked or expired). Synchronous: the
        operator's command line calls it."""
        if effective_state(record, self._clock()) not in (ConsentState.ACTIVE,
                                                          ConsentState.PAUSED):
            return None
        signed = self._sign(next_version(record, ConsentState.REVOKED, self._clock()))
        appended = self._ledger.append_sync(self._entry(signed, "REVOKED", reason))
        self._store_version(signed)
        return ConsentChange(signed, appended)

    def _check_not_erased(self, subject_id: str) -> None:
        erased_at = self._store.erased_at(subject_id)
        if erased_at is not None:
            raise SubjectErasedError(subject_id, erased_at)

    def _sign(self, record: ConsentRecord) -> ConsentRecord:
        signature = base64.b64encode(self._key.sign(canonical(artefact(record)))).decode()
        return replace(record, signature=signature)

    def _entry(self, record: ConsentRecord, event: str, reason: str = "") -> Entry:
        return consent_entry(self._ledger_key, record, event,
                             self._pseudonym(record.subject_id),
                             self._pseudonym(record.grantee_id), reason=reason)

    def _store_version(self, record: ConsentRecord) -> None:
        try:
            self._store.add_consent_version(record)
        except ShreddedError as exc:  # erased between the check and the write
            erased_at = self._store.erased_at(record.subject_id) or self._clock()
            raise SubjectErasedError(record.subject_id, erased_at) from exc
        except ValueError as exc:
            raise ConsentError(f"consent {record.id} was changed at the same time by another "
                               "request; read it again and retry", "CONFLICT") from exc

    async def _commit(self, record: ConsentRecord, event: str) -> ConsentChange:
        record = self._sign(record)
        # Ledger first: a consent that exists without its ledger entry would be unauditable;
        # an entry whose store write then fails is harmless (it names a version never used).
        appended = await self._ledger.append(self._entry(record, event))
        self._store_version(record)
        return ConsentChange(record, appended)


def shared_name(value: str | None) -> str | None:
    """The name to share, trimmed (None when none or blank), or ConsentError
    ``INVALID_SHARED_NAME`` for one too long or with control characters."""
    if value is None or not value.strip():
        return None
    name = " ".join(value.split())  # line breaks and runs of spaces: one space
    if len(name) > MAX_SHARED_NAME:
        raise ConsentError(f"sharedName: at most {MAX_SHARED_NAME} characters, got {len(name)}",
                           "INVALID_SHARED_NAME")
    if any(unicodedata.category(char).startswith("C") and char not in _JOINERS
           for char in name):
        raise ConsentError("sharedName: only letters, digits, spaces and punctuation",
                           "INVALID_SHARED_NAME")
    return name


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise ConsentError(f"{name}: give a time zone (ISO 8601, e.g. 2027-01-31T00:00:00Z)",
                           "INVALID_VALIDITY")
    return value.astimezone(UTC)
