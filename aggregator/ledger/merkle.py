"""RFC 9162 (Certificate Transparency v2) Merkle trees: hashes, proofs and their checks.

Two implementations of the same definitions: a simple recursive one straight from RFC 9162
§2.1 (the reference the tests compare against) and ``MerkleTree``, which keeps every complete
subtree's hash so that roots and proofs for any size cost O(log n).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from aggregator.ledger.errors import ProofError

__all__ = [
    "HASH_SIZE",
    "CompactRange",
    "MerkleTree",
    "empty_root",
    "leaf_hash",
    "node_hash",
    "reference_consistency_proof",
    "reference_inclusion_proof",
    "reference_root",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
_EMPTY = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def empty_root() -> bytes:
    """The root of the empty tree, SHA-256 of nothing."""
    return _EMPTY


def _span(low: int, high: int) -> str:
    return f"{low}..{high}" if low <= high else "nothing (the tree is too small)"


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


# -- reference (RFC 9162 §2.1, recursive over leaf hashes) ------------------------------------

def reference_root(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes."""
    n = len(leaves)
    if n == 0:
        return _EMPTY
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def reference_inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]) for n = len(leaves)."""
    def path(m: int, d: Sequence[bytes]) -> list[bytes]:
        n = len(d)
        if n <= 1:
            return []
        k = _split(n)
        if m < k:
            return [*path(m, d[:k]), reference_root(d[k:])]
        return [*path(m - k, d[k:]), reference_root(d[:k])]

    if not 0 <= index < len(leaves):
        raise ValueError(f"index must be in {_span(0, len(leaves) - 1)}, got {index}")
    return path(index, leaves)


def reference_consistency_proof(leaves: Sequence[bytes], size1: int) -> list[bytes]:
    """PROOF(size1, D[n]) for n = len(leaves)."""
    def subproof(m: int, d: Sequence[bytes], whole: bool) -> list[bytes]:
        n = len(d)
        if m == n:
            return [] if whole else [reference_root(d)]
        k = _split(n)
        if m <= k:
            return [*subproof(m, d[:k], whole), reference_root(d[k:])]
        return [*subproof(m - k, d[k:], False), reference_root(d[:k])]

    if not 0 < size1 <= len(leaves):
        raise ValueError(f"size1 must be in {_span(1, len(leaves))}, got {size1}")
    return subproof(size1, leaves, True)


# -- fast tree ------------------------------------------------------------------------------

class MerkleTree:
    """An append-only tree keeping each complete, aligned subtree's hash, level by level,
    in flat byte arrays (32 bytes per node: about 64 MB for a million leaves).

    Roots and proofs are available for every size up to the current one, as a log must
    serve them for the checkpoints it signed earlier.
    """

    def __init__(self) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self._size = 0

    @property
    def size(self) -> int:
        """Number of leaves."""
        return self._size

    def append(self, digest: bytes) -> int:
        """Add a leaf hash; returns its index."""
        if len(digest) != HASH_SIZE:
            raise ValueError(f"a leaf hash has {HASH_SIZE} bytes, got {len(digest)}")
        index = self._size
        self._levels[0] += digest
        self._size += 1
        level, position, current = 0, index, digest
        # Each odd position completes a pair: its parent joins the level above.
        while position & 1:
            left = self._node(level, position - 1)
            current = node_hash(left, current)
            level += 1
            position >>= 1
            if len(self._levels) <= level:
                self._levels.append(bytearray())
            self._levels[level] += current
        return index

    def extend(self, digests: Iterable[bytes]) -> None:
        """Append several leaf hashes."""
        for digest in digests:
            self.append(digest)

    def leaf(self, index: int) -> bytes:
        """The leaf hash at ``index``."""
        if not 0 <= index < self._size:
            raise ValueError(f"leaf index must be in {_span(0, self._size - 1)}, got {index}")
        return self._node(0, index)

    def _node(self, level: int, position: int) -> bytes:
        start = position * HASH_SIZE
        return bytes(self._levels[level][start:start + HASH_SIZE])

    def _subtree(self, start: int, end: int) -> bytes:
        # Ranges here start at a multiple of their largest power of two, so the left half is
        # a stored node; only ranges ending at the tree's size recurse, O(log n) deep, and
        # each root or proof asks for at most one of them: O(log n) hashing per call.
        n = end - start
        if n & (n - 1) == 0 and start % n == 0:
            return self._node(n.bit_length() - 1, start // n)
        k = _split(n)
        return node_hash(self._subtree(start, start + k), self._subtree(start + k, end))

    def _size_of(self, size: int | None) -> int:
        if size is None:
            return self._size
        if not 0 <= size <= self._size:
            raise ValueError(f"tree size must be in 0..{self._size}, got {size}")
        return size

    def root(self, size: int | None = None) -> bytes:
        """The root of the tree of the first ``size`` leaves (default: all)."""
        n = self._size_of(size)
        return self._subtree(0, n) if n else _EMPTY

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[size])."""
        n = self._size_of(size)
        if not 0 <= index < n:
            raise ValueError(f"index must be in {_span(0, n - 1)} for a tree of size {n}, "
                             f"got {index}")
        proof: list[bytes] = []
        start, end = 0, n
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                proof.append(self._subtree(start + k, end))
                end = start + k
            else:
                proof.append(self._subtree(start, start + k))
                start += k
        proof.reverse()
        return proof

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """PROOF(size1, D[size2])."""
        n = self._size_of(size2)
        if not 0 < size1 <= n:
            raise ValueError(f"first size must be in {_span(1, n)}, got {size1} (a consistency "
                             "proof starts from a non-empty tree)")
        proof: list[bytes] = []
        start, end, m, whole = 0, n, size1, True
        while m != end - start:
            k = _split(end - start)
            if m <= k:
                proof.append(self._subtree(start + k, end))
                end = start + k
            else:
                proof.append(self._subtree(start, start + k))
                start, m, whole = start + k, m - k, False
        if not whole:
            proof.append(self._subtree(start, end))
        proof.reverse()
        return proof


class CompactRange:
    """The root of a growing tree in O(log n) memory: one hash per complete subtree.

    For verifiers that stream a log and must not hold it: the hashes kept are those of the
    complete subtrees in the binary decomposition of the size, largest first.
    """

    def __init__(self) -> None:
        self._hashes: list[bytes] = []
        self._size = 0

    @property
    def size(self) -> int:
        """Leaves appended."""
        return self._size

    def copy(self) -> CompactRange:
        """An independent copy (hashes are immutable bytes: a shallow list copy suffices)."""
        twin = CompactRange()
        twin._hashes = list(self._hashes)
        twin._size = self._size
        return twin

    def append(self, digest: bytes) -> int:
        """Add a leaf hash; returns its index."""
        if len(digest) != HASH_SIZE:
            raise ValueError(f"a leaf hash has {HASH_SIZE} bytes, got {len(digest)}")
        index = self._size
        hashes = self._hashes
        # Each trailing one bit of the old size is a complete subtree the new leaf now pairs
        # with, smallest first.
        n = index
        while n & 1:
            digest = hashlib.sha256(b"\x01" + hashes.pop() + digest).digest()
            n >>= 1
        hashes.append(digest)
        self._size = index + 1
        return index

    def root(self) -> bytes:
        """The root of the tree of every leaf appended so far."""
        hashes = self._hashes
        if not hashes:
            return _EMPTY
        current = hashes[-1]
        for left in reversed(hashes[:-1]):
            current = node_hash(left, current)
        return current


# -- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) -------------------------------------------

def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} must be {HASH_SIZE} bytes, got {len(value)}")


def root_from_inclusion_proof(leaf: bytes, index: int, size: int,
                              proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from ``leaf`` (a leaf hash) at ``index`` in a tree of
    ``size``; ProofError if the proof cannot be one for that position (RFC 9162 §2.1.3.2)."""
    _check_hash(leaf, "leaf hash")
    for i, item in enumerate(proof):
        _check_hash(item, f"proof[{i}]")
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size} "
                         f"(allowed: {_span(0, size - 1)})")
    fn, sn, r = index, size - 1, leaf
    for item in proof:
        if sn == 0:
            raise ProofError(f"the proof has {len(proof)} hashes, more than a leaf at {index} "
                             f"of a tree of size {size} needs")
        if fn & 1 or fn == sn:
            r = node_hash(item, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, item)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"the proof has {len(proof)} hashes, fewer than a leaf at {index} of "
                         f"a tree of size {size} needs")
    return r


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes],
                     root: bytes) -> None:
    """Check that ``leaf`` (a leaf hash) is entry ``index`` of the tree ``root`` of ``size``;
    ProofError says what failed."""
    _check_hash(root, "root hash")
    if root_from_inclusion_proof(leaf, index, size, proof) != root:
        raise ProofError(f"the inclusion proof for leaf {index} does not lead to the root of "
                         f"the tree of size {size}")


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes,
                       proof: Sequence[bytes]) -> None:
    """Check that the tree ``root1`` of ``size1`` is a prefix of ``root2`` of ``size2``;
    ProofError says what failed (RFC 9162 §2.1.4.2)."""
    if size1 <= 0:
        # The empty tree is a prefix of every tree: a proof from it shows nothing, and
        # accepting one would let a caller believe it checked something.
        raise ProofError(f"a consistency proof must start from a non-empty tree, got size1 "
                         f"{size1}")
    if size1 > size2:
        raise ProofError(f"the first size {size1} exceeds the second {size2} (a log cannot "
                         "shrink)")
    if size1 == size2:
        # Nothing to prove: the claim is only that the two roots are the same value. The
        # transparency-dev vectors accept this for roots of any length, so lengths are not
        # checked here.
        if proof:
            raise ProofError(f"trees of equal size {size1} need an empty proof, got "
                             f"{len(proof)} hashes")
        if root1 != root2:
            raise ProofError(f"trees of equal size {size1} must have equal roots")
        return
    _check_hash(root1, "first root")
    _check_hash(root2, "second root")
    for i, item in enumerate(proof):
        _check_hash(item, f"proof[{i}]")
    if not proof:
        raise ProofError(f"the proof from size {size1} to {size2} is empty")
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for item in path[1:]:
        if sn == 0:
            raise ProofError(f"the proof has {len(proof)} hashes, more than sizes {size1} "
                             f"and {size2} need")
        if fn & 1 or fn == sn:
            fr = node_hash(item, fr)
            sr = node_hash(item, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, item)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"the proof has {len(proof)} hashes, fewer than sizes {size1} and "
                         f"{size2} need")
    if fr != root1:
        raise ProofError(f"the proof does not lead to the first root (size {size1})")
    if sr != root2:
        raise ProofError(f"the proof does not lead to the second root (size {size2})")
