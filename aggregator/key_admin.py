"""Key operations an operator runs: rotate, rewrap, shred — each recorded in the ledger.

Plain functions over the vault, the store and the ledger, so the CLI and tests call the same
thing. Shredding destroys a subject's data keys: what the aggregator keeps of theirs (linked
case numbers, consent purposes) stays on disk but can no longer be opened, in this process or
any other (the store's caches are invalidated through the database).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from aggregator.ledger.entries import key_entry
from aggregator.ledger.writer import Appended, Ledger
from aggregator.store import Store
from aggregator.vault import Vault

__all__ = ["BackgroundRewrap", "Rotated", "Shredded", "rewrap_all", "rotate", "shred_subject"]

log = logging.getLogger("caseline.aggregator")

REWRAP_BATCH = 200


@dataclass(frozen=True, slots=True)
class Shredded:
    """A subject's keys were destroyed."""

    subject_id: str
    versions: int
    receipt: Appended


@dataclass(frozen=True, slots=True)
class Rotated:
    """New primary keys, by kind (``kek``, ``custodian``), and their ledger receipts."""

    keys: dict[str, str]
    receipts: tuple[Appended, ...]


def shred_subject(vault: Vault, store: Store, ledger: Ledger, subject_id: str,
                  subject_pseudonym: str) -> Shredded:
    """Destroy ``subject_id``'s data keys and record it (under their pseudonym)."""
    versions = vault.subject_keys.shred(subject_id)
    store.changed()
    receipt = ledger.append_sync(key_entry("SHREDDED", subject=subject_pseudonym,
                                           count=versions))
    return Shredded(subject_id, versions, receipt)


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
