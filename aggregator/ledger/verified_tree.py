"""What this process knows is on disk and verified: the Merkle tree, its head, and catching
up with the entries other processes append to the same file.

Several processes may append to one file (the demo, and a CLI changing keys meanwhile).
Whatever another process committed is taken in only after checking each entry's hash and
chain link and the signed checkpoint over them; the tree never holds an unverified entry.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import orjson

from aggregator.ledger.errors import LedgerCorruptError, NoteError
from aggregator.ledger.merkle import HASH_SIZE, CompactRange, MerkleTree, empty_root, leaf_hash
from aggregator.ledger.note import NoteVerifier
from aggregator.ledger.storage import LedgerStore, LedgerView, StoredCheckpoint

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


def _digests(hashes: bytearray) -> Iterator[bytes]:
    return (bytes(hashes[at:at + HASH_SIZE]) for at in range(0, len(hashes), HASH_SIZE))


@dataclass(frozen=True, slots=True)
class Head:
    """What this process knows is on disk and verified: replaced whole, so a reader never
    sees a size from one batch with the checkpoint of another."""

    size: int
    last_hash: bytes
    checkpoint: StoredCheckpoint


class VerifiedTree:
    """The tree of every entry verified on disk, its head, and how it follows the file.

    ``sync_lock`` allows one catch-up or batch at a time, held across a whole write
    transaction, so that a reader never takes in this process's own rows as if another had
    written them. ``on_corrupt`` hears of a file that failed its checks (the ledger then stops
    accepting entries: nothing is signed over a bad file).
    """

    def __init__(self, store: LedgerStore, verifier: NoteVerifier,
                 on_corrupt: Callable[[LedgerCorruptError], None]) -> None:
        self._store = store
        self._verifier = verifier
        self._on_corrupt = on_corrupt
        # The frontier (the complete subtrees' hashes) lets a batch compute its root before it
        # is durable, without touching the tree that readers prove from.
        self._tree = MerkleTree()
        self._frontier = CompactRange()
        self._tree_lock = threading.Lock()  # the tree's arrays: the writer appends, readers prove
        self.sync_lock = threading.Lock()
        self.corrupt: LedgerCorruptError | None = None
        self._seen_version = 0

    @property
    def head(self) -> Head:
        """The latest verified head."""
        return self._head

    def load(self, empty: StoredCheckpoint) -> None:
        """Take in the whole file; ``empty`` is a signed head of the empty tree (as CT logs
        sign size 0), replaced by the file's own head if it has one."""
        self._head = Head(0, b"", empty)
        self._seen_version = self._store.data_version()
        with self._store.snapshot() as view:
            self.catch_up(view)
            stored = view.latest_checkpoint()
            if self._head.size == 0 and stored is not None:
                # No entries, yet a checkpoint: they were deleted unless it signs size 0.
                self._head = Head(0, b"", self._check_head(stored, 0, empty_root()))

    def _corrupt(self, message: str) -> LedgerCorruptError:
        error = LedgerCorruptError(f"ledger {self._store.path}: {message}")
        self.corrupt = error
        self._on_corrupt(error)
        return error

    def catch_up(self, view: LedgerView) -> None:
        """Take in the entries committed since our head (by other processes), checking each
        one's hash and chain link and the signed checkpoint over them. Under sync_lock."""
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
        frontier = self.extended(_digests(hashes))
        checkpoint = self._check_head(view.latest_checkpoint(), frontier.size, frontier.root())
        self.advance(_digests(hashes), frontier, Head(frontier.size, prev, checkpoint))

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

    def extended(self, hashes: Iterable[bytes]) -> CompactRange:
        """The frontier with ``hashes`` appended; the tree readers use is left as it is."""
        frontier = self._frontier.copy()
        for digest in hashes:
            frontier.append(digest)
        return frontier

    def advance(self, hashes: Iterable[bytes], frontier: CompactRange, head: Head) -> None:
        """Add entries now verified on disk: ``frontier`` and ``head`` include them."""
        with self._tree_lock:
            for digest in hashes:
                self._tree.append(digest)
        self._frontier = frontier
        self._head = head  # last: readers bound everything they do by the head's size

    def _follow(self) -> None:
        """Catch up if the file changed since we last looked. Under sync_lock."""
        if self.corrupt is not None:
            return  # nothing more is taken in from a file that failed its checks
        # Read before the snapshot: whatever is committed after this changes it again.
        version = self._store.data_version()
        if version == self._seen_version:
            return
        with self._store.snapshot() as view:
            self.catch_up(view)
        self._seen_version = version

    def refresh(self) -> None:
        """Before a read: take in other processes' entries if the file changed. Cheap probes
        first; the lock (which a batch holds through its fsync) only when there are entries
        to take in, not after each of this process's own commits."""
        version = self._store.data_version()
        if version == self._seen_version:
            return
        if self._store.end() <= self._head.size:
            # Everything committed up to ``version`` is in the head already. Racing readers
            # may store an older version here: the next read then only probes again.
            self._seen_version = version
            return
        with self.sync_lock:
            self._follow()
        if self.corrupt is not None:
            raise self.corrupt

    # -- proofs over the verified tree ----------------------------------------------------

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """Proof that entry ``index`` is in the tree of ``size`` (both already checked)."""
        with self._tree_lock:
            return self._tree.inclusion_proof(index, size)

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """Proof that the tree of ``size1`` is a prefix of the tree of ``size2``."""
        with self._tree_lock:
            return self._tree.consistency_proof(size1, size2)

    def leaf(self, index: int) -> bytes:
        """The leaf hash of entry ``index``."""
        with self._tree_lock:
            return self._tree.leaf(index)

    def root(self, size: int) -> bytes:
        """The root of the tree of ``size``."""
        with self._tree_lock:
            return self._tree.root(size)
