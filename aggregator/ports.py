"""Ports the aggregator's service depends on: the gRPC client implements AdapterPort,
aggregator.ledger.ledger.Ledger implements LedgerPort, aggregator.store.Store implements
StorePort; tests replace them with the fakes in tests/support/fakes.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from typing import Protocol

from sqlalchemy.engine import Engine

from aggregator.consent.invitations import InvitationStorePort
from aggregator.consent.records import ConsentRecord
from aggregator.consent.vocabulary import Role
from aggregator.ledger.entries import Entry
from aggregator.ledger.ledger import Appended
from aggregator.ledger.storage import LedgerStore, StoredCheckpoint
from aggregator.model import Case, Link, LookupOutcome, SubjectCases
from aggregator.processing.model import AgencyStatistics
from aggregator.vault.opening import Release

__all__ = ["AdapterPort", "Clock", "LedgerPort", "StorePort"]

Clock = Callable[[], datetime]
"""Now, timezone-aware (``lambda: datetime.now(UTC)`` outside tests)."""


class AdapterPort(Protocol):
    """One agency's adapter as the aggregator sees it."""

    agency_id: str

    async def lookup(self, numbers: Sequence[str], timeout: float) -> list[LookupOutcome]:
        """Public status for up to 100 numbers, in request order."""
        ...

    async def subject_cases(self, consent_token: str, timeout: float,
                            release: Release) -> SubjectCases:
        """Cases and events released under a consent token, sealed fields opened within
        ``release``."""
        ...

    async def verify_ownership(self, number: str, access_code: str,
                               timeout: float) -> Case | None:
        """The case (with its canonical number) when the access code matches, else None."""
        ...

    async def processing_statistics(self, case_type: str, office: str | None,
                                    first_month: date, last_month: date,
                                    timeout: float) -> AgencyStatistics:
        """Aggregate figures of one case type over whole months (first days): one office's
        row, or (``office`` None) each office's then the agency-wide row. AgencyCallError
        INVALID_ARGUMENT for a case type the agency does not know."""
        ...

    async def close(self) -> None:
        """Release the connection."""
        ...


class LedgerPort(Protocol):
    """The ledger as the services append to it and the gateway publishes and proves from it."""

    @property
    def accepting(self) -> bool:
        """Whether appends are taken (False once closed or after a failed write)."""
        ...

    @property
    def size(self) -> int:
        """Entries in the log."""
        ...

    @property
    def origin(self) -> str:
        """The name checkpoints are signed under."""
        ...

    @property
    def store(self) -> LedgerStore:
        """The ledger's file, for queries over its entries."""
        ...

    async def append(self, entry: Entry) -> Appended:
        """Append one entry; returns once it is durable."""
        ...

    def append_sync(self, entry: Entry) -> Appended:
        """Append one entry from synchronous code; returns once it is durable."""
        ...

    def checkpoint(self) -> StoredCheckpoint | None:
        """The latest signed checkpoint (None while the log is empty)."""
        ...

    def verifier_key(self) -> str:
        """The public key checkpoints verify with (note verifier-key format)."""
        ...

    def export(self) -> Iterator[bytes]:
        """Every entry and checkpoints between them, as NDJSON lines."""
        ...

    def root(self, size: int | None = None) -> bytes:
        """The Merkle root at ``size`` (default: now)."""
        ...

    def leaf_hash(self, index: int) -> bytes:
        """The Merkle leaf hash of entry ``index``."""
        ...

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Proof that entry ``index`` is in the tree of ``size`` entries."""
        ...

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """Proof that the tree of ``size1`` entries is a prefix of that of ``size2``."""
        ...

    def hash_tile(self, level: int, index: int, width: int) -> bytes | None:
        """The C2SP tlog-tiles hash tile ``(level, index)``, its first ``width`` hashes (32
        bytes each), or None when the latest checkpoint's tree has fewer there."""
        ...

    def entry_bundle(self, index: int, width: int) -> bytes | None:
        """The tlog-tiles entry bundle ``index``: its first ``width`` entries, each prefixed by
        its uint16 length, or None when the latest checkpoint's tree has fewer there."""
        ...

    def close(self) -> None:
        """Flush what is queued and stop taking entries."""
        ...


class StorePort(Protocol):
    """What the service and the gateway read from the aggregator's store (the consent and
    link services need the whole aggregator.store.Store)."""

    engine: Engine

    @property
    def invitations(self) -> InvitationStorePort:
        """Invitation codes, by grantee and by code."""
        ...

    def ensure_account(self, subject_id: str, role: Role) -> bool:
        """Record the account (idempotent); True when it is new."""
        ...

    def erased_at(self, subject_id: str) -> datetime | None:
        """When the subject's data was erased, or None."""
        ...

    def language_of(self, subject_id: str) -> str | None:
        """The subject's stored language preference, or None."""
        ...

    def set_language(self, subject_id: str, language: str) -> None:
        """Store the subject's language preference."""
        ...

    def links_for(self, subject_id: str) -> tuple[Link, ...]:
        """The subject's linked cases."""
        ...

    def consents_granted_by(self, subject_id: str) -> tuple[ConsentRecord, ...]:
        """The current version of each consent the subject granted."""
        ...

    def actor_of(self, pseudonym: str) -> str | None:
        """The account behind a pseudonym the ledger recorded, when remembered."""
        ...

    def close(self) -> None:
        """Release the database connections."""
        ...
