"""The ledger: durable group-committed appends, verified against storage, signed checkpoints.

Entries are committed in batches by one writer thread (``batching``): each batch gives every
entry its index and the hash of the one before it, appends the lot and a checkpoint signed
over the new tree, with the hash tiles it changes, in one durable transaction, and only then
acknowledges them. One commit and one signature cover a whole batch, so durability does not
cap throughput: the busier the ledger, the bigger the batches.

Storage is a SQLite file of its own or PostgreSQL (``storage``); several processes may
append to one ledger (gateway replicas, a CLI changing keys meanwhile). The index and link
of an entry are therefore decided only once the batch holds the ledger's write turn
(``sequencer``), after taking in (and checking) what the others committed
(``verified_tree``); reads take those in too.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from aggregator.ledger.batching import GroupCommit
from aggregator.ledger.encoding import canonical
from aggregator.ledger.entries import Entry
from aggregator.ledger.errors import (
    LedgerBusyError,
    LedgerClosedError,
    LedgerCorruptError,
    WriteLockError,
)
from aggregator.ledger.export import export_lines
from aggregator.ledger.merkle import HASH_SIZE, CompactRange, empty_root, leaf_hash
from aggregator.ledger.note import Checkpoint, NoteSigner, NoteVerifier
from aggregator.ledger.storage import LedgerStore, LedgerWrite, Row, StoredCheckpoint
from aggregator.ledger.tile_cache import DEFAULT_CAPACITY
from aggregator.ledger.tiles import (
    TILE_WIDTH,
    TileKey,
    entry_bundle,
    tile_width_at,
    tiles_after_append,
)
from aggregator.ledger.verified_tree import Head, VerifiedTree, prev_text

__all__ = ["Appended", "Ledger"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Appended:
    """An acknowledged (durable) entry: its index and the checkpoint that first covered it."""

    index: int
    at: str
    tree_size: int
    root: bytes
    checkpoint: str


_Outcome = Appended | BaseException

# The ledgers open in this process (a file's real path, or a database URL whose options
# carry its schema). Other processes may append to the same ledger, but within one process a
# second Ledger would be a second writer thread for nothing: refusing it catches code that
# opened the ledger twice instead of sharing it.
_open_paths: set[str] = set()
_open_paths_lock = threading.Lock()


def _where(location: Path | str) -> str:
    if isinstance(location, Path):
        return os.path.realpath(location)
    url = make_url(location)
    if url.get_backend_name() == "sqlite" and url.database:
        return os.path.realpath(url.database)
    return url.render_as_string(hide_password=True)


def _claim(location: Path | str) -> str:
    key = _where(location)
    with _open_paths_lock:
        if key in _open_paths:
            raise LedgerBusyError(
                f"the ledger {key} is already open in this process (pid {os.getpid()}); "
                "share that Ledger instead of opening a second one")
        _open_paths.add(key)
    return key


def _release(key: str) -> None:
    with _open_paths_lock:
        _open_paths.discard(key)


@dataclass(slots=True)
class _Prepared:
    """A batch composed on top of a head: its rows, and the entries refused for encoding
    (positions in the batch)."""

    first: int
    at: str
    rows: list[Row]
    hashes: list[bytes]
    accepted: list[int]
    refused: dict[int, BaseException]


@dataclass(frozen=True, slots=True)
class _Signed:
    """A batch's tiles and root, not yet what readers use, and its checkpoint."""

    changed: dict[TileKey, bytes]
    frontier: CompactRange
    root: bytes
    checkpoint: StoredCheckpoint


class Ledger:
    """The append-only, verifiable log of consent, link and access events.

    ``location``: a SQLite file's path, or a database URL (``sqlite:///…`` or PostgreSQL).
    Several processes may append to one ledger. Each batch takes the write turn, first
    takes in (and checks) whatever the others committed since, then composes its entries on
    top; reads take in others' entries first whenever there are any. ``cached_tiles``
    bounds the full hash tiles kept in memory (8 KiB each).
    """

    def __init__(self, location: Path | str, signer: NoteSigner, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 cached_tiles: int = DEFAULT_CAPACITY) -> None:
        self._claim = _claim(location)
        self.origin = signer.name
        self._signer = signer
        self._clock = clock
        self._failed: BaseException | None = None
        self._closed = False
        try:
            self.store = LedgerStore.open(location)
            try:
                self._tree = VerifiedTree(self.store,
                                          NoteVerifier.from_vkey(signer.verifier_key()),
                                          on_corrupt=self._fail, cached_tiles=cached_tiles)
                self._tree.load(self._signed_empty_tree())
            except BaseException:
                self.store.close()
                raise
        except BaseException:
            _release(self._claim)
            raise
        self._writer: GroupCommit[Entry, Appended] = GroupCommit(self._commit,
                                                                  name="ledger-writer")

    def _signed_empty_tree(self) -> StoredCheckpoint:
        # A signed head of the empty tree (as CT logs sign size 0), so that auditors can pin
        # it and exports of a new ledger verify.
        now = datetime.now(UTC)
        note = self._signer.sign(Checkpoint(self.origin, 0, empty_root(),
                                            int(now.timestamp()), ()))
        return StoredCheckpoint(0, note, now.isoformat(timespec="microseconds"))

    def _fail(self, error: BaseException) -> None:
        self._failed = error  # stop accepting entries

    def _refresh(self) -> None:
        """Before a read: take in other processes' entries if there are any."""
        if self._tree.corrupt is not None:
            raise self._tree.corrupt
        if self._closed:
            return  # storage is closed: what was known at close stands
        self._tree.refresh()

    # -- appending -----------------------------------------------------------------------

    def submit(self, entry: Entry) -> Future[Appended]:
        """Queue an entry; the future resolves once it is durable (or fails)."""
        if self._closed or self._failed is not None:
            future: Future[Appended] = Future()
            future.set_exception(self._refusal())
            return future
        return self._writer.submit(entry)

    @property
    def accepting(self) -> bool:
        """Whether appends are accepted: not closed, and no write or check has failed."""
        return not self._closed and self._failed is None

    def _refusal(self) -> LedgerClosedError:
        return LedgerClosedError("the ledger is not accepting entries"
                                 + (f" (a write failed: {self._failed})" if self._failed else ""))

    async def append(self, entry: Entry) -> Appended:
        """Append and wait until the entry is durable."""
        if self._closed or self._failed is not None:
            raise self._refusal()
        return await self._writer.submit_async(entry)

    def append_sync(self, entry: Entry) -> Appended:
        """Append from synchronous code (CLI, tools) and wait until durable."""
        return self.submit(entry).result()

    def _commit(self, batch: Sequence[Entry]) -> list[_Outcome]:
        """The writer thread's work: one outcome per entry, in the batch's order."""
        if self._failed is not None:
            failure = LedgerClosedError(f"ledger failed: {self._failed}")
            return [failure for _ in batch]
        with self._tree.sync_lock:
            return self._write(batch)

    @staticmethod
    def _compose(batch: Sequence[Entry], head: Head, at: str) -> _Prepared:
        prepared = _Prepared(head.size, at, [], [], [], {})
        index = head.size
        prev = head.last_hash
        for position, entry in enumerate(batch):
            try:
                leaf = canonical(entry.leaf_object(index, prev_text(prev), at))
            except (TypeError, ValueError) as exc:
                prepared.refused[position] = exc
                continue
            digest = leaf_hash(leaf)
            prepared.rows.append((index, leaf, digest, entry.kind.value, at, entry.subject,
                                  entry.actor, entry.agencies_column(), entry.consent))
            prepared.hashes.append(digest)
            prepared.accepted.append(position)
            prev = digest
            index += 1
        return prepared

    def _sign(self, txn: LedgerWrite, prepared: _Prepared, now: datetime) -> _Signed:
        changed = tiles_after_append(prepared.first, prepared.hashes,
                                     self._tree.batch_reader(txn))
        frontier = self._tree.extended(prepared.hashes)
        root = frontier.root()
        note = self._signer.sign(Checkpoint(self.origin, frontier.size, root,
                                            int(now.timestamp()), ()))
        return _Signed(changed, frontier, root, StoredCheckpoint(frontier.size, note,
                                                                 prepared.at))

    def _write(self, batch: Sequence[Entry]) -> list[_Outcome]:
        """Catch up, compose, sign and commit one batch in one write transaction; the
        outcome of each entry. Under the tree's sync_lock."""
        prepared: _Prepared | None = None
        try:
            if self.store.dialect != "sqlite":
                # Others' entries are checked before taking the write turn, so that the
                # turn (which every replica waits for) covers only what others added
                # meanwhile; SQLite's writers share a machine, and the probe would cost
                # more than it saves.
                try:
                    self._tree.follow()
                except OperationalError as exc:  # the server is away: only this batch fails
                    raise WriteLockError(f"could not read the ledger's database: {exc.orig}"
                                         ) from exc
            with self.store.write() as txn:
                self._tree.catch_up(txn)
                # The clock is read holding the write lock, so ``at`` never goes backwards
                # from one process's batch to the next's.
                now = self._clock()
                prepared = self._compose(batch, self._tree.head,
                                         now.isoformat(timespec="microseconds"))
                if not prepared.accepted:
                    return [prepared.refused[p] for p in range(len(batch))]
                signed = self._sign(txn, prepared, now)
                txn.insert(prepared.rows, signed.changed, signed.checkpoint)
        except WriteLockError as exc:
            # Another process held the write turn too long, or PostgreSQL's connection failed
            # mid-batch: nothing of it is acknowledged (a commit that did land is taken in,
            # checked, by the next batch), so only this batch fails.
            log.warning("ledger batch of %d failed: %s", len(batch), exc)
            return [exc for _ in batch]
        except BaseException as exc:
            return self._write_failed(exc, batch, prepared)
        checkpoint = signed.checkpoint
        self._tree.advance(Head(checkpoint.size, prepared.hashes[-1], checkpoint),
                           signed.frontier, signed.changed)
        appended = {position: Appended(prepared.first + offset, prepared.at, checkpoint.size,
                                       signed.root, checkpoint.note)
                    for offset, position in enumerate(prepared.accepted)}
        return [appended[p] if p in appended else prepared.refused[p]
                for p in range(len(batch))]

    def _write_failed(self, exc: BaseException, batch: Sequence[Entry],
                      prepared: _Prepared | None) -> list[_Outcome]:
        # Nothing of the batch is in memory (the head moves only after a commit), but a write
        # that failed midway is a fault to look into, not to retry blindly: fail closed.
        log.exception("ledger write failed; the ledger stops accepting entries")
        if isinstance(exc, LedgerCorruptError):
            failure: BaseException = exc  # already recorded when the tree found it
        else:
            self._failed = exc
            failure = LedgerClosedError(f"ledger write failed: {exc}")
        refused = prepared.refused if prepared is not None else {}
        return [refused.get(position, failure) for position in range(len(batch))]

    # -- reading -------------------------------------------------------------------------

    @property
    def size(self) -> int:
        """Entries on disk and verified, by any process."""
        self._refresh()
        return self._tree.head.size

    def checkpoint(self) -> StoredCheckpoint | None:
        """The latest signed checkpoint, by any process."""
        self._refresh()
        return self._tree.head.checkpoint

    def verifier_key(self) -> str:
        """The C2SP note verifier key for this ledger's checkpoints."""
        return self._signer.verifier_key()

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Proof that entry ``index`` is in the tree of ``size`` (default: latest)."""
        size = self._check_size(size)
        if not 0 <= index < size:
            raise ValueError(f"index must be in 0..{size - 1} for a tree of size {size}, "
                             f"got {index}")
        return self._tree.inclusion_proof(index, size)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """Proof that the tree of ``size1`` is a prefix of the tree of ``size2``."""
        size2 = self._check_size(size2)
        if not 0 < size1 <= size2:
            raise ValueError(f"first size must be in 1..{size2}, got {size1}")
        return self._tree.consistency_proof(size1, size2)

    def leaf_hash(self, index: int) -> bytes:
        """The RFC 9162 leaf hash of an acknowledged entry."""
        size = self.size
        if not 0 <= index < size:
            raise ValueError(f"index must be in 0..{size - 1}, got {index}")
        return self._tree.leaf(index)

    def root(self, size: int | None = None) -> bytes:
        """The tree root at ``size`` (default: latest)."""
        return self._tree.root(self._check_size(size))

    # -- tlog-tiles, bounded by the latest checkpoint ------------------------------------

    def _tile_fits(self, level: int, index: int, width: int) -> bool:
        return 1 <= width <= tile_width_at(level, index, self.size)

    def hash_tile(self, level: int, index: int, width: int) -> bytes | None:
        """The first ``width`` hashes of tile ``(level, index)``, or None past the latest
        checkpoint's tree."""
        if not self._tile_fits(level, index, width):
            return None
        data = self._tree.tile(level, index, width)
        if len(data) != width * HASH_SIZE:
            raise LedgerCorruptError(f"ledger {self.store.name}: its hash tile {level}/{index} "
                                     f"holds fewer than the {width} hashes its tree has")
        return data

    def entry_bundle(self, index: int, width: int) -> bytes | None:
        """The first ``width`` entries of bundle ``index``, or None past the latest
        checkpoint's tree."""
        if not self._tile_fits(0, index, width):
            return None
        start = index * TILE_WIDTH
        return entry_bundle([leaf for _, leaf in self.store.leaves(start, start + width)])

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
        return export_lines(self.store, self.origin, self.verifier_key(),
                            self._tree.head.checkpoint)

    def close(self, timeout_s: float = 10.0) -> None:
        """Finish queued appends, then stop the writer and close the file."""
        if self._closed:
            return
        self._closed = True
        self._writer.close(timeout_s)
        self.store.close()
        _release(self._claim)
