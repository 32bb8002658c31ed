"""The ledger: group-committed durable appends, an in-memory Merkle tree, signed checkpoints.

Every caller's entry waits in one queue; a single writer thread takes everything that is
waiting, gives each entry its index and the hash of the one before it, appends the lot and a
checkpoint signed over the new tree in one fsync'd transaction, and only then acknowledges
them. One fsync and one signature cover a whole batch, so durability does not cap throughput:
the busier the ledger, the bigger the batches.

Several processes may append to one file (the demo, and a CLI changing keys meanwhile). The
index and link of an entry are therefore decided only once the batch holds the file's write
lock, after taking in (and checking) what the others committed; reads take those in too.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from aggregator.ledger.encoding import canonical
from aggregator.ledger.merkle import HASH_SIZE, CompactRange, MerkleTree, empty_root, leaf_hash
from aggregator.ledger.note import Checkpoint, NoteError, NoteSigner, NoteVerifier
from aggregator.ledger.storage import LedgerStore, LedgerView, Row, StoredCheckpoint, WriteLockError

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
    """The ledger file is already open in this process."""


# Paths of the ledgers open in this process. Other processes may append to the same file, but
# within one process a second Ledger would be a second writer thread and tree for nothing:
# refusing it catches code that opened the ledger twice instead of sharing it.
_open_paths: set[str] = set()
_open_paths_lock = threading.Lock()


def _claim(path: Path) -> str:
    key = os.path.realpath(path)
    with _open_paths_lock:
        if key in _open_paths:
            raise LedgerBusyError(
                f"the ledger {path} is already open in this process (pid {os.getpid()}); "
                "share that Ledger instead of opening a second one")
        _open_paths.add(key)
    return key


def _release(key: str) -> None:
    with _open_paths_lock:
        _open_paths.discard(key)


def _prev_text(digest: bytes) -> str:
    return base64.b64encode(digest).decode() if digest else ""


def _continues_chain(leaf: bytes, index: int, prev: bytes) -> bool:
    """Whether ``leaf`` records its own index and the hash of the entry before it."""
    try:
        entry = orjson.loads(leaf)
    except orjson.JSONDecodeError:
        return False
    if not isinstance(entry, dict):
        return False
    i = entry.get("i")
    return type(i) is int and i == index and entry.get("prev") == _prev_text(prev)


def _digests(hashes: bytearray) -> Iterator[bytes]:
    return (bytes(hashes[at:at + HASH_SIZE]) for at in range(0, len(hashes), HASH_SIZE))


@dataclass(frozen=True, slots=True)
class _Head:
    """What this process knows is on disk and verified: replaced whole, so a reader never
    sees a size from one batch with the checkpoint of another."""

    size: int
    last_hash: bytes
    checkpoint: StoredCheckpoint


Outcome = tuple[_Pending, Appended | BaseException]


@dataclass(slots=True)
class _Prepared:
    """A batch composed on top of a head: its rows, and the entries refused for encoding."""

    first: int
    at: str
    rows: list[Row]
    hashes: list[bytes]
    accepted: list[_Pending]
    refused: list[Outcome]


@dataclass(frozen=True, slots=True)
class _Signed:
    """The tree with a batch added, not yet the tree readers use, and its checkpoint."""

    frontier: CompactRange
    root: bytes
    checkpoint: StoredCheckpoint


class Ledger:
    """The append-only, verifiable log of consent, link and access events.

    Several processes may append to one file. Each batch takes the file's write lock, first
    takes in (and checks) whatever the others committed since, then composes its entries on
    top; reads take in others' entries first whenever the file has changed.
    """

    def __init__(self, path: Path, signer: NoteSigner, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._claim = _claim(path)
        self.origin = signer.name
        self._signer = signer
        self._verifier = NoteVerifier.from_vkey(signer.verifier_key())
        self._clock = clock
        # The tree only ever holds entries verified on disk. The frontier (its complete
        # subtrees' hashes) lets a batch compute its root before it is durable, without
        # touching the tree that readers prove from.
        self._tree = MerkleTree()
        self._frontier = CompactRange()
        self._tree_lock = threading.Lock()  # the tree's arrays: the writer appends, readers prove
        # One catch-up or batch at a time, held across a whole write transaction, so that a
        # reader never takes in this process's own rows as if another had written them.
        self._sync_lock = threading.Lock()
        self._failed: BaseException | None = None
        self._closed = False
        try:
            self.store = LedgerStore(path)
            try:
                self._load()
            except BaseException:
                self.store.close()
                raise
        except BaseException:
            _release(self._claim)
            raise
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="ledger-writer", daemon=True)
        self._thread.start()

    # -- catching up with the file -------------------------------------------------------

    def _load(self) -> None:
        # A signed head of the empty tree (as CT logs sign size 0), so that auditors can pin
        # it and exports of a new ledger verify; replaced by the file's own head if it has one.
        now = datetime.now(UTC)
        note = self._signer.sign(Checkpoint(self.origin, 0, empty_root(),
                                            int(now.timestamp()), ()))
        self._head = _Head(0, b"", StoredCheckpoint(0, note, now.isoformat(
            timespec="microseconds")))
        self._seen_version = self.store.data_version()
        with self.store.snapshot() as view:
            self._catch_up(view)
            stored = view.latest_checkpoint()
            if self._head.size == 0 and stored is not None:
                # No entries, yet a checkpoint: they were deleted unless it signs size 0.
                self._head = _Head(0, b"", self._check_head(stored, 0, empty_root()))

    def _corrupt(self, message: str) -> LedgerCorruptError:
        error = LedgerCorruptError(f"ledger {self.store.path}: {message}")
        self._failed = error  # stop accepting entries: nothing is signed over a bad file
        return error

    def _catch_up(self, view: LedgerView) -> None:
        """Take in the entries committed since our head (by other processes), checking each
        one's hash and chain link and the signed checkpoint over them. Under _sync_lock."""
        head = self._head
        # 32 bytes per entry: at start-up this holds the whole file's hashes at once.
        hashes = bytearray()
        prev = head.last_hash
        expected = head.size
        for index, leaf, stored in view.hashes_from(head.size):
            digest = leaf_hash(leaf)
            if index != expected or digest != stored:
                raise self._corrupt(
                    f"entry {index} does not match its stored hash (or an entry is missing); "
                    "run `caseline audit verify --file` on an export")
            if not _continues_chain(leaf, index, prev):
                raise self._corrupt(f"entry {index} does not record its own index and the "
                                    f"hash of entry {index - 1}: the chain is broken")
            hashes += digest
            prev = digest
            expected += 1
        if not hashes:
            return  # the usual case, after every batch of our own: keep it cheap
        frontier = self._frontier.copy()
        for digest in _digests(hashes):
            frontier.append(digest)
        checkpoint = self._check_head(view.latest_checkpoint(), frontier.size, frontier.root())
        self._advance(_digests(hashes), frontier, _Head(frontier.size, prev, checkpoint))

    def _check_head(self, stored: StoredCheckpoint | None, size: int,
                    root: bytes) -> StoredCheckpoint:
        if stored is None:
            raise self._corrupt("it has entries but no checkpoint")
        try:
            signed = self._verifier.open(stored.note)
        except NoteError as exc:
            raise self._corrupt(f"its last checkpoint (size {stored.size}) does not verify "
                                f"with this ledger's key: {exc}") from exc
        if stored.size != size or signed.size != size or signed.root != root:
            raise self._corrupt(f"it holds {size} entries that do not match its last signed "
                                f"checkpoint (size {signed.size})")
        return stored

    def _advance(self, hashes: Iterable[bytes], frontier: CompactRange, head: _Head) -> None:
        with self._tree_lock:
            for digest in hashes:
                self._tree.append(digest)
        self._frontier = frontier
        self._head = head  # last: readers bound everything they do by the head's size

    def _follow(self) -> None:
        """Catch up if the file changed since we last looked. Under _sync_lock."""
        if isinstance(self._failed, LedgerCorruptError):
            return  # nothing more is taken in from a file that failed its checks
        # Read before the snapshot: whatever is committed after this changes it again.
        version = self.store.data_version()
        if version == self._seen_version:
            return
        with self.store.snapshot() as view:
            self._catch_up(view)
        self._seen_version = version

    def _refresh(self) -> None:
        """Before a read: take in other processes' entries if the file changed. Cheap probes
        first; the lock (which a batch holds through its fsync) only when there are entries
        to take in, not after each of this process's own commits."""
        if isinstance(self._failed, LedgerCorruptError):
            raise self._failed
        if self._closed:
            return  # the file is closed: what was known at close stands
        version = self.store.data_version()
        if version == self._seen_version:
            return
        if self.store.end() <= self._head.size:
            # Everything committed up to ``version`` is in the head already. Racing readers
            # may store an older version here: the next read then only probes again.
            self._seen_version = version
            return
        with self._sync_lock:
            self._follow()
        if isinstance(self._failed, LedgerCorruptError):
            raise self._failed

    # -- appending -----------------------------------------------------------------------

    def submit(self, fields: Mapping[str, Any]) -> Future[Appended]:
        """Queue an entry; the future resolves once it is durable (or fails)."""
        future: Future[Appended] = Future()
        if self._closed or self._failed is not None:
            future.set_exception(self._refusal())
            return future
        self._queue.put(_Pending(fields, future=future))
        return future

    @property
    def accepting(self) -> bool:
        """Whether appends are accepted: not closed, and no write or check has failed."""
        return not self._closed and self._failed is None

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
        with self._sync_lock:
            outcomes = self._write(batch)
        self._settle(outcomes)

    @staticmethod
    def _compose(batch: list[_Pending], head: _Head, at: str) -> _Prepared:
        prepared = _Prepared(head.size, at, [], [], [], [])
        index = head.size
        prev = head.last_hash
        for pending in batch:
            entry = dict(pending.fields)
            entry["i"] = index
            entry["prev"] = _prev_text(prev)
            entry["at"] = at
            try:
                leaf = canonical(entry)
            except (TypeError, ValueError) as exc:
                prepared.refused.append((pending, exc))
                continue
            digest = leaf_hash(leaf)
            prepared.rows.append((index, leaf, digest, str(entry.get("kind", "")), at,
                                  entry.get("subject"), entry.get("actor") or entry.get("grantee"),
                                  _agencies_column(entry), entry.get("consent")))
            prepared.hashes.append(digest)
            prepared.accepted.append(pending)
            prev = digest
            index += 1
        return prepared

    def _sign(self, prepared: _Prepared, now: datetime) -> _Signed:
        frontier = self._frontier.copy()
        for digest in prepared.hashes:
            frontier.append(digest)
        root = frontier.root()
        note = self._signer.sign(Checkpoint(self.origin, frontier.size, root,
                                            int(now.timestamp()), ()))
        return _Signed(frontier, root, StoredCheckpoint(frontier.size, note, prepared.at))

    def _write(self, batch: list[_Pending]) -> list[Outcome]:
        """Catch up, compose, sign and commit one batch in one write transaction; the
        outcome of each entry. Under _sync_lock."""
        prepared: _Prepared | None = None
        try:
            with self.store.write() as txn:
                self._catch_up(txn)
                # The clock is read holding the write lock, so ``at`` never goes backwards
                # from one process's batch to the next's.
                now = self._clock()
                prepared = self._compose(batch, self._head, now.isoformat(timespec="microseconds"))
                if not prepared.accepted:
                    return prepared.refused
                signed = self._sign(prepared, now)
                txn.insert(prepared.rows, signed.checkpoint)
        except WriteLockError as exc:
            # Another process held the file for longer than the busy timeout: nothing was
            # read or written, so only this batch fails.
            log.warning("ledger batch of %d failed: %s", len(batch), exc)
            return [(pending, exc) for pending in batch]
        except BaseException as exc:
            return self._write_failed(exc, batch, prepared)
        checkpoint = signed.checkpoint
        self._advance(prepared.hashes, signed.frontier,
                      _Head(checkpoint.size, prepared.hashes[-1], checkpoint))
        return [*prepared.refused, *(
            (pending, Appended(prepared.first + offset, prepared.at, checkpoint.size,
                               signed.root, checkpoint.note))
            for offset, pending in enumerate(prepared.accepted))]

    def _write_failed(self, exc: BaseException, batch: list[_Pending],
                      prepared: _Prepared | None) -> list[Outcome]:
        # Nothing of the batch is in memory (the tree grows only after a commit), but a write
        # that failed midway is a fault to look into, not to retry blindly: fail closed.
        log.exception("ledger write failed; the ledger stops accepting entries")
        if isinstance(exc, LedgerCorruptError):
            failure: BaseException = exc  # already recorded by _corrupt
        else:
            self._failed = exc
            failure = LedgerClosedError(f"ledger write failed: {exc}")
        if prepared is None:
            return [(pending, failure) for pending in batch]
        return [*prepared.refused, *((pending, failure) for pending in prepared.accepted)]

    # -- reading -------------------------------------------------------------------------

    @property
    def size(self) -> int:
        """Entries on disk and verified, by any process."""
        self._refresh()
        return self._head.size

    def checkpoint(self) -> StoredCheckpoint | None:
        """The latest signed checkpoint, by any process."""
        self._refresh()
        return self._head.checkpoint

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
        size = self.size
        if not 0 <= index < size:
            raise ValueError(f"index must be in 0..{size - 1}, got {index}")
        with self._tree_lock:
            return self._tree.leaf(index)

    def root(self, size: int | None = None) -> bytes:
        """The tree root at ``size`` (default: latest)."""
        size = self._check_size(size)
        with self._tree_lock:
            return self._tree.root(size)

    def _check_size(self, size: int | None) -> int:
        latest = self.size
        if size is None:
            return latest
        if not 0 <= size <= latest:
            raise ValueError(f"tree size must be in 0..{latest}, got {size}")
        return size

    def export(self) -> Iterator[bytes]:
        """The whole ledger as JSON Lines up to the latest checkpoint, as of this call
        (format in ``aggregator.ledger.verifier``)."""
        self._refresh()
        return self._export(self._head.checkpoint)

    def _export(self, latest: StoredCheckpoint) -> Iterator[bytes]:
        size = latest.size
        yield orjson.dumps({"type": "ledger", "origin": self.origin,
                            "key": self.verifier_key()}) + b"\n"
        if size == 0:
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
        _release(self._claim)
