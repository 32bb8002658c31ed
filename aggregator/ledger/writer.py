"""The ledger: group-committed durable appends, an in-memory Merkle tree, signed checkpoints.

Every caller's entry waits in one queue; a single writer thread takes everything that is
waiting, gives each entry its index and the hash of the one before it, appends the lot and a
checkpoint signed over the new tree in one fsync'd transaction, and only then acknowledges
them. One fsync and one signature cover a whole batch, so durability does not cap throughput:
the busier the ledger, the bigger the batches.
"""

from __future__ import annotations

import asyncio
import base64
import fcntl
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from aggregator.ledger.encoding import canonical
from aggregator.ledger.merkle import MerkleTree, empty_root, leaf_hash
from aggregator.ledger.note import Checkpoint, NoteSigner, NoteVerifier
from aggregator.ledger.store import LedgerStore, StoredCheckpoint

__all__ = ["Appended", "Ledger", "LedgerBusyError", "LedgerClosedError", "LedgerCorruptError"]

log = logging.getLogger(__name__)

_MAX_BATCH = 4096
# An export carries a checkpoint at least this many entries apart (plus the final one).
EXPORT_CHECKPOINT_GAP = 1000


class LedgerCorruptError(RuntimeError):
    """The ledger file does not match its own hashes or its last signed checkpoint."""


class LedgerClosedError(RuntimeError):
    """Appends after close, or after a write failed (the ledger then fails closed)."""


@dataclass(frozen=True, slots=True)
class Appended:
    """An acknowledged (durable) entry: its index and the checkpoint that first covered it."""

    index: int
    at: str
    tree_size: int
    root: bytes
    checkpoint: str


@dataclass(slots=True)
class _Pending:
    fields: Mapping[str, Any]
    future: Future[Appended] | None = None  # synchronous callers
    waiter: asyncio.Future[Appended] | None = None  # callers on an event loop
    loop: asyncio.AbstractEventLoop | None = None


def _settle_waiters(outcomes: list[tuple[asyncio.Future[Appended], Appended | BaseException]]
                    ) -> None:
    for waiter, outcome in outcomes:
        if waiter.done():
            continue  # the caller gave up (cancelled); the entry is on disk regardless
        if isinstance(outcome, BaseException):
            waiter.set_exception(outcome)
        else:
            waiter.set_result(outcome)


def _agencies_column(fields: Mapping[str, Any]) -> str | None:
    agencies = fields.get("agencies")
    if agencies is None and fields.get("agency"):
        agencies = [fields["agency"]]
    # Surrounded by commas so a LIKE '%,id,%' filter matches whole ids only.
    return "," + ",".join(agencies) + "," if agencies else None


class LedgerBusyError(RuntimeError):
    """Another process has the ledger open for writing."""


def _take_lock(path: Path) -> IO[str]:
    lock_path = path.with_name(path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = lock_path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise LedgerBusyError(
            f"the ledger {path} is in use by another Caseline process (pid {holder}); stop "
            "it first (e.g. Ctrl-C the demo), then run this again") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


class Ledger:
    """The append-only, verifiable log of consent, link and access events."""

    def __init__(self, path: Path, signer: NoteSigner, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        # One writer per ledger file: the tree, the chain and the signed checkpoints are kept
        # in memory, so a second process appending would fork the log.
        self._lock_file = _take_lock(path)
        self.origin = signer.name
        self._signer = signer
        self._verifier = NoteVerifier.from_vkey(signer.verifier_key())
        self._clock = clock
        self._tree = MerkleTree()
        self._tree_lock = threading.Lock()
        self._last_hash = b""
        try:
            self.store = LedgerStore(path)
            try:
                self._rebuild()
            except BaseException:
                self.store.close()
                raise
        except BaseException:
            self._lock_file.close()
            raise
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._failed: BaseException | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="ledger-writer", daemon=True)
        self._thread.start()

    # -- start-up ------------------------------------------------------------------------

    def _rebuild(self) -> None:
        for index, leaf, stored in self.store.load_hashes():
            computed = leaf_hash(leaf)
            if index != self._tree.size or computed != stored:
                raise LedgerCorruptError(
                    f"ledger {self.store.path}: entry {index} does not match its stored hash "
                    "(or an entry is missing); run `caseline audit verify --file` on an export")
            self._tree.append(computed)
            self._last_hash = computed
        latest = self.store.latest_checkpoint()
        if latest is None:
            if self._tree.size:
                raise LedgerCorruptError(f"ledger {self.store.path} has entries but no checkpoint")
            # A signed head of the empty tree (as CT logs sign size 0), so that auditors can
            # pin it and exports of a new ledger verify.
            now = datetime.now(UTC)
            note = self._signer.sign(Checkpoint(self.origin, 0, empty_root(),
                                                int(now.timestamp()), ()))
            self._checkpoint: StoredCheckpoint | None = StoredCheckpoint(
                0, note, now.isoformat(timespec="microseconds"))
            self._size = 0
            return
        checkpoint = self._verifier.open(latest.note)
        if checkpoint.size != self._tree.size or checkpoint.root != self._tree.root():
            raise LedgerCorruptError(
                f"ledger {self.store.path} holds {self._tree.size} entries that do not match "
                f"its last signed checkpoint (size {checkpoint.size})")
        self._checkpoint = latest
        self._size = checkpoint.size

    # -- appending -----------------------------------------------------------------------

    def submit(self, fields: Mapping[str, Any]) -> Future[Appended]:
        """Queue an entry; the future resolves once it is durable (or fails)."""
        future: Future[Appended] = Future()
        if self._closed or self._failed is not None:
            future.set_exception(self._refusal())
            return future
        self._queue.put(_Pending(fields, future=future))
        return future

    def _refusal(self) -> LedgerClosedError:
        return LedgerClosedError("the ledger is not accepting entries"
                                 + (f" (a write failed: {self._failed})" if self._failed else ""))

    async def append(self, fields: Mapping[str, Any]) -> Appended:
        """Append and wait until the entry is durable."""
        if self._closed or self._failed is not None:
            raise self._refusal()
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Appended] = loop.create_future()
        self._queue.put(_Pending(fields, waiter=waiter, loop=loop))
        return await waiter

    def append_sync(self, fields: Mapping[str, Any]) -> Appended:
        """Append from synchronous code (CLI, tools) and wait until durable."""
        return self.submit(fields).result()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            while len(batch) < _MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # finish this batch, then stop
                    break
                batch.append(more)
            self._commit(batch)

    @staticmethod
    def _settle(outcomes: list[tuple[_Pending, Appended | BaseException]]) -> None:
        # One wake-up per event loop per batch, not one per entry: under load a batch holds
        # dozens of requests' entries.
        by_loop: dict[asyncio.AbstractEventLoop,
                      list[tuple[asyncio.Future[Appended], Appended | BaseException]]] = {}
        for pending, outcome in outcomes:
            if pending.future is not None:
                if isinstance(outcome, BaseException):
                    pending.future.set_exception(outcome)
                else:
                    pending.future.set_result(outcome)
            elif pending.waiter is not None and pending.loop is not None:
                by_loop.setdefault(pending.loop, []).append((pending.waiter, outcome))
        for loop, waiters in by_loop.items():
            if not loop.is_closed():
                loop.call_soon_threadsafe(_settle_waiters, waiters)

    def _commit(self, batch: list[_Pending]) -> None:
        if self._failed is not None:
            self._settle([(p, LedgerClosedError(f"ledger failed: {self._failed}"))
                          for p in batch])
            return
        now = self._clock()
        at = now.isoformat(timespec="microseconds")
        rows = []
        refused: list[tuple[_Pending, Appended | BaseException]] = []
        accepted: list[_Pending] = []
        hashes: list[bytes] = []
        index = self._size
        prev = self._last_hash
        for pending in batch:
            entry = dict(pending.fields)
            entry["i"] = index
            entry["prev"] = base64.b64encode(prev).decode() if prev else ""
            entry["at"] = at
            try:
                leaf = canonical(entry)
            except (TypeError, ValueError) as exc:
                refused.append((pending, exc))
                continue
            digest = leaf_hash(leaf)
            rows.append((index, leaf, digest, str(entry.get("kind", "")), at,
                         entry.get("subject"), entry.get("actor") or entry.get("grantee"),
                         _agencies_column(entry), entry.get("consent")))
            hashes.append(digest)
            accepted.append(pending)
            prev = digest
            index += 1
        if not accepted:
            self._settle(refused)
            return
        try:
            with self._tree_lock:
                for digest in hashes:
                    self._tree.append(digest)
                root = self._tree.root(index)
            note = self._signer.sign(Checkpoint(self.origin, index, root, int(now.timestamp()),
                                                ()))
            checkpoint = StoredCheckpoint(index, note, at)
            self.store.append_batch(rows, checkpoint)
        except BaseException as exc:
            # The tree in memory may now be ahead of the file: stop accepting entries rather
            # than sign anything that is not on disk.
            self._failed = exc
            log.exception("ledger write failed; the ledger stops accepting entries")
            failure = LedgerClosedError(f"ledger write failed: {exc}")
            self._settle([*refused, *((p, failure) for p in accepted)])
            return
        self._size = index
        self._last_hash = prev
        self._checkpoint = checkpoint
        first = index - len(accepted)
        self._settle([*refused, *((pending, Appended(first + offset, at, index, root, note))
                                  for offset, pending in enumerate(accepted))])

    # -- reading -------------------------------------------------------------------------

    @property
    def size(self) -> int:
        """Entries acknowledged so far."""
        return self._size

    def checkpoint(self) -> StoredCheckpoint | None:
        """The latest signed checkpoint."""
        return self._checkpoint

    def verifier_key(self) -> str:
        """The C2SP note verifier key for this ledger's checkpoints."""
        return self._signer.verifier_key()

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Proof that entry ``index`` is in the tree of ``size`` (default: latest)."""
        size = self._check_size(size)
        if not 0 <= index < size:
            raise ValueError(f"index must be in 0..{size - 1} for a tree of size {size}, "
                             f"got {index}")
        with self._tree_lock:
            return self._tree.inclusion_proof(index, size)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """Proof that the tree of ``size1`` is a prefix of the tree of ``size2``."""
        size2 = self._check_size(size2)
        if not 0 < size1 <= size2:
            raise ValueError(f"first size must be in 1..{size2}, got {size1}")
        with self._tree_lock:
            return self._tree.consistency_proof(size1, size2)

    def leaf_hash(self, index: int) -> bytes:
        """The RFC 9162 leaf hash of an acknowledged entry."""
        if not 0 <= index < self._size:
            raise ValueError(f"index must be in 0..{self._size - 1}, got {index}")
        with self._tree_lock:
            return self._tree.leaf(index)

    def root(self, size: int | None = None) -> bytes:
        """The tree root at ``size`` (default: latest)."""
        size = self._check_size(size)
        with self._tree_lock:
            return self._tree.root(size)

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self._size
        if not 0 <= size <= self._size:
            raise ValueError(f"tree size must be in 0..{self._size}, got {size}")
        return size

    def export(self) -> Iterator[bytes]:
        """The whole ledger as JSON Lines up to the latest checkpoint (format in
        ``aggregator.ledger.verify``)."""
        latest = self._checkpoint
        size = latest.size if latest else 0
        yield orjson.dumps({"type": "ledger", "origin": self.origin,
                            "key": self.verifier_key()}) + b"\n"
        if latest is not None and size == 0:
            yield orjson.dumps({"type": "checkpoint", "note": latest.note}) + b"\n"
            return
        checkpoints = self.store.checkpoints(EXPORT_CHECKPOINT_GAP, size)
        upcoming = next(checkpoints, None)
        for index, leaf in self.store.leaves(0, size):
            yield orjson.dumps({"type": "entry", "index": index,
                                "leaf": base64.b64encode(leaf).decode()}) + b"\n"
            while upcoming is not None and upcoming.size <= index + 1:
                yield orjson.dumps({"type": "checkpoint", "note": upcoming.note}) + b"\n"
                upcoming = next(checkpoints, None)

    def close(self, timeout_s: float = 10.0) -> None:
        """Finish queued appends, then stop the writer and close the file."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        deadline = time.monotonic() + timeout_s
        self._thread.join(max(0.0, deadline - time.monotonic()))
        self.store.close()
        self._lock_file.close()  # releases the lock
