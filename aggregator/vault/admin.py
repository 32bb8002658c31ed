"""Key operations an operator runs: rotate, rewrap, shred — each recorded in the ledger.

Plain functions over the vault, the store and the ledger, so the CLI and tests call the same
thing. Shredding destroys a subject's data keys: what the aggregator keeps of theirs (linked
case numbers, consent purposes) stays on disk but can no longer be opened, in this process or
any other (the store's caches are invalidated through the database). Their account is marked
erased, and every consent they granted or were granted is revoked, so nobody reads under a
consent whose other party no longer exists.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aggregator.accounts import UnknownAccountError
from aggregator.consent.service import ConsentChange, ConsentService
from aggregator.ledger.entries import key_entry
from aggregator.ledger.ledger import Appended, Ledger
from aggregator.store import Store
from aggregator.vault import Vault

__all__ = ["BackgroundRewrap", "Rotated", "Shredded", "rewrap_all", "rotate", "shred_subject"]

log = logging.getLogger("caseline.aggregator")

REWRAP_BATCH = 200


# Why a consent was revoked by an erasure, in its ledger entry.
GRANTOR_ERASED = "SUBJECT_ERASED"
GRANTEE_ERASED = "GRANTEE_ERASED"


@dataclass(frozen=True, slots=True)
class Shredded:
    """A subject's keys were destroyed (``receipt`` is None when an earlier run already
    recorded that, and this one only finished its revocations)."""

    subject_id: str
    versions: int
    erased_at: datetime
    receipt: Appended | None
    revoked: tuple[ConsentChange, ...]


@dataclass(frozen=True, slots=True)
class Rotated:
    """New primary keys, by kind (``kek``, ``custodian``), and their ledger receipts."""

    keys: dict[str, str]
    receipts: tuple[Appended, ...]


def shred_subject(vault: Vault, store: Store, ledger: Ledger, consents: ConsentService,
                  subject_id: str, subject_pseudonym: str) -> Shredded:
    """Destroy ``subject_id``'s data keys, record it (under their pseudonym), mark their
    account erased and revoke every consent they granted or were granted.

    UnknownAccountError, with nothing changed or recorded, when there is no such account.
    Running it again on an erased account records nothing new but finishes revocations an
    interrupted run left.
    """
    account = store.account(subject_id)
    if account is None:
        raise UnknownAccountError(subject_id)
    # Keys first: from here on nothing can be sealed for them, so no consent of theirs can
    # appear behind the revocations below.
    versions = vault.subject_keys.shred(subject_id)
    receipt = None
    if account.erased_at is None:
        receipt = ledger.append_sync(key_entry("SHREDDED", subject=subject_pseudonym,
                                               count=versions))
    erased_at = store.mark_erased(subject_id, account.erased_at or datetime.now(UTC))
    revoked = [consents.revoke_for_erasure(record, GRANTOR_ERASED)
               for record in store.consents_granted_by(subject_id)]
    revoked += [consents.revoke_for_erasure(record, GRANTEE_ERASED)
                for record in store.consents_granted_to(subject_id)]
    store.changed()
    return Shredded(subject_id, versions, erased_at, receipt,
                    tuple(change for change in revoked if change is not None))


def rotate(vault: Vault, ledger: Ledger, *, custodian: bool = False) -> Rotated:
    """Add a new primary key-encryption key (and custodian key); old ones keep opening."""
    keys = {"kek": vault.kms.rotate()}
    if custodian:
        keys["custodian"] = vault.custodian.rotate()
    receipts = tuple(ledger.append_sync(key_entry("ROTATED", key_id=key_id))
                     for key_id in keys.values())
    return Rotated(keys, receipts)


def rewrap_all(vault: Vault, progress: Callable[[int], None] | None = None) -> int:
    """Move every subject key to the primary key-encryption key, batch by batch (each its
    own transaction, so an interrupted run resumes); returns how many moved."""
    moved = 0
    while True:
        done = vault.subject_keys.rewrap(REWRAP_BATCH)
        if not done:
            return moved
        moved += done
        if progress is not None:
            progress(done)


class BackgroundRewrap:
    """Finishes a rewrap in a background thread (after a rotation made elsewhere, or one
    interrupted), a batch at a time with pauses, so serving is not held up."""

    def __init__(self, vault: Vault, pause_s: float = 0.05) -> None:
        self._vault = vault
        self._pause_s = pause_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="caseline-rewrap", daemon=True)
        self.moved = 0

    def start(self) -> None:
        """Start rewrapping (returns at once)."""
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                done = self._vault.subject_keys.rewrap(REWRAP_BATCH)
                if not done:
                    break
                self.moved += done
                self._stop.wait(self._pause_s)
        except Exception:  # a background chore must not take the server down; it resumes
            log.exception("background rewrap stopped; `caseline keys rewrap` finishes it")
        if self.moved:
            log.info("rewrapped subject keys", extra={"count": self.moved})

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop after the current batch (it is its own transaction)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)
