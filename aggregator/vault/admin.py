"""Key operations an operator runs: rotate, rewrap, shred, destroy KEKs after a shred — each
recorded in the ledger.

Plain functions over the vault, the store and the ledger, so the CLI and tests call the same
thing. Shredding destroys a subject's data keys: what the aggregator keeps of theirs (linked
case numbers, consent purposes) stays on disk but can no longer be opened, in this process or
any other (the store's caches are invalidated through the database). Their account is marked
erased, and every consent they granted or were granted is revoked, so nobody reads under a
consent whose other party no longer exists. Since deleted keys outlive the delete (dead
tuples, WAL, backups), a shred is followed by :func:`advance_destructions`: rotate, rewrap,
and destroy the old key-encryption keys once their grace period ended
(``aggregator.vault.kek_destruction``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from aggregator.accounts import UnknownAccountError
from aggregator.consent.service import ConsentChange, ConsentService
from aggregator.ledger.entries import Entry, key_entry
from aggregator.ledger.ledger import Appended, Ledger
from aggregator.store import Store
from aggregator.vault import Vault
from aggregator.vault.kek_destruction import plan
from aggregator.vault.subject_keys import keys_per_kek

__all__ = ["BackgroundRewrap", "Destructions", "KeyRecorder", "Rotated", "Shredded",
           "advance_destructions", "rewrap_all", "rotate", "shred_subject"]

log = logging.getLogger("caseline.aggregator")

REWRAP_BATCH = 200


class KeyRecorder(Protocol):
    """Where key events go: the ledger (all these operations need of it)."""

    def append_sync(self, entry: Entry) -> Appended:
        """Append one entry; returns once it is durable."""
        ...


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


@dataclass(frozen=True, slots=True)
class Destructions:
    """What :func:`advance_destructions` did: the rotation (if one was needed), how many
    subject keys it rewrapped, the KEKs it destroyed (with their ledger receipts) and the
    KEKs still waiting, with why."""

    rotated: Rotated | None
    moved: int
    destroyed: tuple[tuple[str, Appended], ...]
    waiting: tuple[tuple[str, str], ...]


def shred_subject(vault: Vault, store: Store, ledger: Ledger, consents: ConsentService,
                  subject_id: str, subject_pseudonym: str, *,
                  grace: timedelta | None = None) -> Shredded:
    """Destroy ``subject_id``'s data keys, record it (under their pseudonym), mark their
    account erased and revoke every consent they granted or were granted. The KEKs that
    wrapped their keys are scheduled for destruction after ``grace`` (default: the vault's);
    :func:`advance_destructions` carries that out.

    UnknownAccountError, with nothing changed or recorded, when there is no such account.
    Running it again on an erased account records nothing new but finishes revocations an
    interrupted run left.
    """
    account = store.account(subject_id)
    if account is None:
        raise UnknownAccountError(subject_id)
    # Keys first: from here on nothing can be sealed for them, so no consent of theirs can
    # appear behind the revocations below.
    versions = vault.subject_keys.shred(subject_id, grace=grace)
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


def rotate(vault: Vault, ledger: KeyRecorder, *, custodian: bool = False) -> Rotated:
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


def advance_destructions(vault: Vault, ledger: KeyRecorder, *, now: datetime | None = None,
                         progress: Callable[[int], None] | None = None) -> Destructions:
    """Carry scheduled KEK destructions as far as they go at ``now``: rotate away from a KEK
    scheduled for destruction, rewrap every subject key under the primary (which also moves
    what late writers wrapped under an old KEK), then destroy each KEK whose grace period
    ended and that no subject key is wrapped under any more. Each rotation and destruction
    is a ledger entry; one process at a time rotates or destroys (the schedule's lock).
    Safe to run again at any point: an interrupted run is finished by the next."""
    schedule = vault.subject_keys.destructions
    if not schedule.pending():
        return Destructions(None, 0, (), ())
    now = now or datetime.now(UTC)
    rotated = None
    with schedule.exclusive():
        if plan(schedule.pending(), now=now, primary=vault.kms.primary_id(),
                references={}).rotate:
            rotated = rotate(vault, ledger)
    moved = rewrap_all(vault, progress)
    destroyed: list[tuple[str, Appended]] = []
    with schedule.exclusive():
        pending = schedule.pending()
        known = {*vault.kms.key_ids(), *vault.kms.destroyed_ids()}
        steps = plan(pending, now=now, primary=vault.kms.primary_id(),
                     references=keys_per_kek(vault.subject_keys.engine),
                     unknown={d.kek_id for d in pending} - known)
        for kek_id in steps.destroy:
            # Destroyed, then recorded, then marked: a crash in between repeats the entry
            # (the destruction itself is idempotent) rather than leave it unrecorded.
            vault.kms.destroy(kek_id)
            destroyed.append((kek_id, ledger.append_sync(key_entry("DESTROYED",
                                                                   key_id=kek_id))))
            schedule.mark_destroyed(kek_id, now)
    if destroyed:
        log.info("destroyed key-encryption keys", extra={"count": len(destroyed)})
    return Destructions(rotated, moved, tuple(destroyed), steps.waiting)


class _Stopped(Exception):
    """The background rewrap was asked to stop between two batches."""


class BackgroundRewrap:
    """Finishes a rewrap in a background thread (after a rotation made elsewhere, or one
    interrupted), a batch at a time with pauses, so serving is not held up. Given the ledger,
    it also carries scheduled KEK destructions out (:func:`advance_destructions`), looking
    every ``check_every_s`` seconds until stopped: a shred made by another process (the CLI)
    is completed here once its grace period ended."""

    def __init__(self, vault: Vault, pause_s: float = 0.05, *,
                 ledger: KeyRecorder | None = None,
                 check_every_s: float = 300.0) -> None:
        self._vault = vault
        self._pause_s = pause_s
        self._ledger = ledger
        self._check_every_s = check_every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="caseline-rewrap", daemon=True)
        self.moved = 0
        self.destroyed: list[str] = []

    def needed(self) -> bool:
        """Whether there is anything for it to do now or later (a rewrap pending, or, with
        the ledger, destructions to watch for)."""
        return self._ledger is not None or self._vault.subject_keys.pending_rewrap() > 0

    def _paced(self, count: int) -> None:
        self.moved += count
        if self._stop.wait(self._pause_s):
            raise _Stopped

    def start(self) -> None:
        """Start rewrapping (returns at once)."""
        self._thread.start()

    def _run(self) -> None:
        try:
            rewrap_all(self._vault, self._paced)
        except _Stopped:
            return
        except Exception:  # a background chore must not take the server down; it resumes
            log.exception("background rewrap stopped; `caseline keys rewrap` finishes it")
        if self.moved:
            log.info("rewrapped subject keys", extra={"count": self.moved})
        while self._ledger is not None and not self._stop.is_set():
            try:
                done = advance_destructions(self._vault, self._ledger, progress=self._paced)
                self.destroyed.extend(kek_id for kek_id, _ in done.destroyed)
            except _Stopped:
                return
            except Exception:
                log.exception("destroying key-encryption keys failed; retried later, or run "
                              "`caseline keys rewrap`")
            self._stop.wait(self._check_every_s)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop after the current batch (it is its own transaction)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)
