"""What this process knows is stored and verified: the head (size, last hash, signed
checkpoint), catching up with the entries other processes append, and proofs from the hash
tiles in storage.

The Merkle tree lives in storage as C2SP tlog-tiles (``tiles``); this process keeps only the
head, the tree's frontier (one hash per complete subtree, O(log n): a batch's root without
reading tiles) and a bounded cache of full tiles, so its memory does not grow with the
ledger.
Whatever another process committed is taken in only after checking each entry's hash and
chain link, that the stored tiles hold exactly those hashes, and that the latest checkpoint
is signed over the root the tiles give; the head never covers an unverified entry.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from aggregator.ledger import tiles
from aggregator.ledger.errors import LedgerCorruptError, NoteError
from aggregator.ledger.merkle import CompactRange, empty_root, leaf_hash
from aggregator.ledger.note import NoteVerifier
from aggregator.ledger.storage import LedgerStore, LedgerView, StoredCheckpoint
from aggregator.ledger.tile_cache import DEFAULT_CAPACITY, TileCache

__all__ = ["Head", "VerifiedTree", "prev_text"]


def prev_text(digest: bytes) -> str:
    """A leaf hash as the next entry's ``prev`` records it (empty before entry 0)."""
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
    return type(i) is int and i == index and entry.get("prev") == prev_text(prev)


@dataclass(frozen=True, slots=True)
class Head:
    """What this process knows is stored and verified: replaced whole, so a reader never
    sees a size from one batch with the checkpoint of another."""

    size: int
    last_hash: bytes
    checkpoint: StoredCheckpoint


class VerifiedTree:
    """The verified head, how it follows storage, and proofs from the stored tiles.

    ``sync_lock`` allows one catch-up or batch at a time, held across a whole write
    transaction, so that a reader never takes in this process's own rows as if another had
    written them. ``on_corrupt`` hears of storage that failed its checks (the ledger then
    stops accepting entries: nothing is signed over bad entries).
    """

    def __init__(self, store: LedgerStore, verifier: NoteVerifier,
                 on_corrupt: Callable[[LedgerCorruptError], None], *,
                 cached_tiles: int = DEFAULT_CAPACITY) -> None:
        self._store = store
        self._verifier = verifier
        self._on_corrupt = on_corrupt
        self.cache = TileCache(cached_tiles)
        self._frontier = CompactRange()
        # The partial tiles this process's last batches wrote (at most one per level), so
        # that the next batch need not read them back; dropped when others append.
        self._partials: dict[tiles.TileKey, bytes] = {}
        self.sync_lock = threading.Lock()
        self.corrupt: LedgerCorruptError | None = None

    @property
    def head(self) -> Head:
        """The latest verified head."""
        return self._head

    def load(self, empty: StoredCheckpoint) -> None:
        """Check everything stored, page by page; ``empty`` is a signed head of the empty
        tree (as CT logs sign size 0), replaced by the ledger's own head if it has one."""
        self._head = Head(0, b"", empty)
        with self._store.snapshot() as view:
            self.catch_up(view)
            stored = view.latest_checkpoint()
            if self._head.size == 0 and stored is not None:
                # No entries, yet a checkpoint: they were deleted unless it signs size 0.
                self._head = Head(0, b"", self._check_head(stored, 0, empty_root()))

    def _corrupt(self, message: str) -> LedgerCorruptError:
        error = LedgerCorruptError(f"ledger {self._store.name}: {message}")
        self.corrupt = error
        self._on_corrupt(error)
        return error

    def reader(self, view: LedgerView, size: int | None = None) -> tiles.TileReader:
        """Tiles through ``view``, full ones cached once verified (up to ``size``, default
        the head's), partial ones read fresh."""
        return self.cache.reader(view.tile, self._head.size if size is None else size)

    def batch_reader(self, view: LedgerView) -> tiles.TileReader:
        """For the next batch (under sync_lock, after catching up): ``reader`` with the
        partial tiles this process's last batches wrote served from memory (they are what
        is stored: nobody else has appended since)."""
        cached = self.reader(view)
        partials = self._partials
        return lambda level, index: partials.get((level, index)) or cached(level, index)

    def catch_up(self, view: LedgerView) -> None:
        """Take in the entries committed since our head (by other processes), checking each
        one's hash and chain link, the tiles over them and the signed checkpoint. Under
        sync_lock (or before anyone else can use the tree)."""
        head = self._head
        size, prev = head.size, head.last_hash
        frontier = self._frontier.copy()
        for page in view.hashes_from(size):
            self._partials = {}  # others wrote past them
            digests: list[bytes] = []
            for index, leaf, stored in page:
                digest = leaf_hash(leaf)
                if index != size + len(digests) or digest != stored:
                    raise self._corrupt(
                        f"entry {index} does not match its stored hash (or an entry is "
                        "missing); run `caseline audit verify --file` on an export")
                if not _continues_chain(leaf, index, prev):
                    raise self._corrupt(f"entry {index} does not record its own index and "
                                        f"the hash of entry {index - 1}: the chain is broken")
                digests.append(digest)
                frontier.append(digest)
                prev = digest
            self._check_tiles(view, size, digests)
            size += len(digests)
        if size == head.size:
            return  # the usual case, after every batch of our own: keep it cheap
        root = tiles.root_at(size, self.reader(view, size))
        if root != frontier.root():
            raise self._corrupt(f"its hash tiles give another root for size {size} than its "
                                "entries")
        checkpoint = self._check_head(view.latest_checkpoint(), size, root)
        self._frontier = frontier
        self._head = Head(size, prev, checkpoint)

    def _check_tiles(self, view: LedgerView, size: int, digests: list[bytes]) -> None:
        """The stored tiles hold what appending ``digests`` to the verified tree of ``size``
        gives (read fresh: what is checked is what is stored)."""
        try:
            expected = tiles.tiles_after_append(size, digests, view.tile)
        except LedgerCorruptError as exc:
            raise self._corrupt(f"its hash tiles do not cover entries {size} on: {exc}") from exc
        for (level, index), data in sorted(expected.items()):
            if view.tile(level, index)[:len(data)] != data:
                raise self._corrupt(f"its hash tile {level}/{index} does not match entries "
                                    f"{size}..{size + len(digests) - 1}")

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

    def extended(self, digests: list[bytes]) -> CompactRange:
        """The frontier with ``digests`` appended; the head's is left as it is."""
        frontier = self._frontier.copy()
        for digest in digests:
            frontier.append(digest)
        return frontier

    def advance(self, head: Head, frontier: CompactRange,
                changed: dict[tiles.TileKey, bytes]) -> None:
        """After this process's own commit: ``head`` and ``frontier`` include it, ``changed``
        are its tiles."""
        partials = {key: data for key, data in self._partials.items() if key not in changed}
        for key, data in changed.items():
            if len(data) == tiles.TILE_BYTES:
                self.cache.put(key, data)
            else:
                partials[key] = data
        self._partials = partials
        self._frontier = frontier
        self._head = head

    def follow(self) -> None:
        """Catch up if others appended since we last looked. Under sync_lock."""
        if self.corrupt is not None:
            return  # nothing more is taken in from storage that failed its checks
        if self._store.end() <= self._head.size:
            return
        with self._store.snapshot() as view:
            self.catch_up(view)

    def refresh(self) -> None:
        """Before a read: take in other processes' entries if there are any. A cheap probe
        first; the lock (which a batch holds through its commit) only when there are entries
        to take in, not after each of this process's own commits."""
        if self._store.end() <= self._head.size:
            return
        with self.sync_lock:
            self.follow()
        if self.corrupt is not None:
            raise self.corrupt

    # -- proofs from the stored tiles, within the verified head ---------------------------

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """Proof that entry ``index`` is in the tree of ``size`` (both already checked)."""
        with self._store.reading() as view:
            return tiles.inclusion_proof(index, size, self.reader(view))

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """Proof that the tree of ``size1`` is a prefix of the tree of ``size2``."""
        with self._store.reading() as view:
            return tiles.consistency_proof(size1, size2, self.reader(view))

    def leaf(self, index: int) -> bytes:
        """The leaf hash of entry ``index``."""
        with self._store.reading() as view:
            return tiles.leaf_hash_at(index, self.reader(view))

    def root(self, size: int) -> bytes:
        """The root of the tree of ``size``."""
        if size == 0:
            return empty_root()
        with self._store.reading() as view:
            return tiles.root_at(size, self.reader(view))

    def tile(self, level: int, index: int, width: int) -> bytes:
        """The first ``width`` hashes of tile ``(level, index)`` (within the head)."""
        with self._store.reading() as view:
            return self.reader(view)(level, index)[:width * 32]
