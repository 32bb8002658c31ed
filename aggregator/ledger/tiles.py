"""The ledger's Merkle tree as C2SP tlog-tiles (https://c2sp.org/tlog-tiles): pure tile math.

A tile holds up to 256 consecutive hashes of one level of the tree: level 0 tiles hold the
RFC 9162 leaf hashes, and each hash of a level ``L`` tile is the root of a complete subtree of
``256**L`` leaves (the root of a *full* tile of level ``L - 1``). A tree of any size is kept as
its full tiles plus at most one partial tile per level; every hash the tree ever needs is in
there or within a tile (at most 128 hashes apart), so roots and proofs read O(log n) tiles and
nothing holds the whole tree.

Everything here works over plain data: a ``TileReader`` gives the stored bytes of a tile
(``b""`` when none is stored), and ``tiles_after_append`` says which tiles an append changes;
storing them is the caller's business. A tile read may hold more hashes than the tree size
asked for (tiles only grow, and a hash once written never changes), never fewer.

The algorithm follows golang.org/x/mod/sumdb/tlog (tile.go: ``tileForIndex``, ``tileHash``,
``NewTiles``; tlog.go: ``TreeHash``, ``ProveRecord``, ``ProveTree``; BSD-3-Clause, Copyright
2019 The Go Authors), recast over tiles rather than stored-hash indexes. Written by hand
because no maintained Python library implements tlog-tiles. Paths and entry bundles live in
``tile_paths`` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aggregator.ledger.errors import LedgerCorruptError
from aggregator.ledger.merkle import HASH_SIZE, empty_root, node_hash
from aggregator.ledger.tile_paths import (
    MAX_LEVEL,
    TILE_HEIGHT,
    TILE_WIDTH,
    entries_path,
    entry_bundle,
    parse_tile_path,
    tile_path,
)

__all__ = [
    "MAX_LEVEL",
    "TILE_BYTES",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "TileKey",
    "TileReader",
    "consistency_proof",
    "entries_path",
    "entry_bundle",
    "inclusion_proof",
    "leaf_hash_at",
    "parse_tile_path",
    "root_at",
    "tile_path",
    "tile_width_at",
    "tiles_after_append",
]

TILE_BYTES = TILE_WIDTH * HASH_SIZE

TileKey = tuple[int, int]
"""(level, index) of a tile."""

TileReader = Callable[[int, int], bytes]
"""(level, index) -> the stored tile bytes: 32 bytes per hash, full (8,192 bytes) or the
prefix that exists; ``b""`` for a tile not stored."""


def tile_width_at(level: int, index: int, size: int) -> int:
    """How many hashes tile ``(level, index)`` holds in the tree of ``size`` leaves: 256 for a
    full tile, 1..255 for a partial one, 0 when the tile does not exist at that size."""
    if level < 0 or index < 0 or size < 0:
        raise ValueError(f"level, index and size must be non-negative, got level {level}, "
                         f"index {index}, size {size}")
    hashes_at_level = size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, hashes_at_level - index * TILE_WIDTH))


def _check_hash(digest: bytes, what: str) -> None:
    if len(digest) != HASH_SIZE:
        raise ValueError(f"{what} must be {HASH_SIZE} bytes, got {len(digest)}")


def _checked_tile(data: bytes, level: int, index: int) -> bytes:
    if len(data) % HASH_SIZE or len(data) > TILE_BYTES:
        raise LedgerCorruptError(
            f"the stored tile {level}/{index} has {len(data)} bytes; a tile has a multiple of "
            f"{HASH_SIZE} bytes, at most {TILE_BYTES}")
    return data


def _tile_root(data: bytes) -> bytes:
    """The root of the complete subtree whose 2**k leaves are the hashes in ``data``."""
    level = [data[i:i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def tiles_after_append(size: int, new_hashes: Sequence[bytes],
                       read: TileReader) -> dict[TileKey, bytes]:
    """The tiles (full new bytes) that change when leaf hashes ``new_hashes`` are appended
    to a tree of ``size`` leaves whose tiles ``read`` returns.

    Reads only the partial tile of each level that grows (at most one per level); a tile that
    becomes full is returned full (256 hashes) and its root joins the level above. ``size``
    must be the size the stored tiles are at: hashes a stored tile holds past it (another
    writer's) are replaced, so a writer catches up before composing on top.
    """
    if size < 0:
        raise ValueError(f"tree size must be non-negative, got {size}")
    for position, digest in enumerate(new_hashes):
        _check_hash(digest, f"new leaf hash {position}")
    changed: dict[TileKey, bytes] = {}
    added = list(new_hashes)
    level = 0
    while added:
        before = size >> (TILE_HEIGHT * level)  # hashes this level held before the append
        first, width = divmod(before, TILE_WIDTH)
        prefix = b""
        if width:
            stored = _checked_tile(read(level, first), level, first)
            if len(stored) < width * HASH_SIZE:
                raise LedgerCorruptError(
                    f"the stored tile {level}/{first} has {len(stored) // HASH_SIZE} hashes; a "
                    f"tree of size {size} needs {width}: the tiles are behind the tree")
            prefix = stored[:width * HASH_SIZE]
        data = prefix + b"".join(added)
        completed: list[bytes] = []
        for offset in range(0, len(data), TILE_BYTES):
            tile = data[offset:offset + TILE_BYTES]
            changed[(level, first + offset // TILE_BYTES)] = tile
            if len(tile) == TILE_BYTES:
                # Only the first tile existed before, and it was partial: every full one
                # here is newly full, so its root is a new hash of the level above.
                completed.append(_tile_root(tile))
        added = completed
        level += 1
    return changed


class _TreeReader:
    """The hashes of complete subtrees, read from tiles; each tile is read at most once and
    each node hashed at most once per reader (one reader per call: partial tiles change)."""

    def __init__(self, read: TileReader, size: int) -> None:
        self._read = read
        self._size = size
        self._tiles: dict[TileKey, bytes] = {}
        self._nodes: dict[tuple[int, int], bytes] = {}

    def _tile(self, level: int, index: int) -> bytes:
        data = self._tiles.get((level, index))
        if data is None:
            data = _checked_tile(self._read(level, index), level, index)
            self._tiles[(level, index)] = data
        return data

    def node(self, height: int, position: int) -> bytes:
        """MTH of the complete subtree of 2**height leaves starting at leaf
        position * 2**height (which the tree of the reader's size must contain)."""
        key = (height, position)
        cached = self._nodes.get(key)
        if cached is not None:
            return cached
        level, within = divmod(height, TILE_HEIGHT)
        if within:
            # Not a stored level: hash the two halves, down to the tile's own hashes.
            value = node_hash(self.node(height - 1, 2 * position),
                              self.node(height - 1, 2 * position + 1))
        else:
            index, offset = divmod(position, TILE_WIDTH)
            data = self._tile(level, index)
            value = data[offset * HASH_SIZE:(offset + 1) * HASH_SIZE]
            if len(value) != HASH_SIZE:
                raise LedgerCorruptError(
                    f"the stored tile {level}/{index} has {len(data) // HASH_SIZE} hashes; a "
                    f"tree of size {self._size} needs at least {offset + 1}: the tiles are "
                    "behind the tree")
        self._nodes[key] = value
        return value

    def subtree(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for a range that is a complete aligned subtree or ends at the
        tree's size (only those recurse, O(log n) deep), as MerkleTree._subtree does."""
        n = end - start
        if n & (n - 1) == 0 and start % n == 0:
            height = n.bit_length() - 1
            return self.node(height, start >> height)
        k = _split(n)
        return node_hash(self.subtree(start, start + k), self.subtree(start + k, end))


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_size(size: int) -> None:
    if size < 0:
        raise ValueError(f"tree size must be non-negative, got {size}")


def root_at(size: int, read: TileReader) -> bytes:
    """The RFC 9162 root of the tree of the first ``size`` leaves."""
    _check_size(size)
    if size == 0:
        return empty_root()
    return _TreeReader(read, size).subtree(0, size)


def leaf_hash_at(index: int, read: TileReader) -> bytes:
    """The leaf hash at ``index`` (LedgerCorruptError when the tiles do not hold it)."""
    if index < 0:
        raise ValueError(f"leaf index must be non-negative, got {index}")
    return _TreeReader(read, index + 1).node(0, index)


def inclusion_proof(index: int, size: int, read: TileReader) -> list[bytes]:
    """PATH(index, D[size]) (RFC 9162 §2.1.3.1), leaf first."""
    _check_size(size)
    if not 0 <= index < size:
        raise ValueError(f"index must be in 0..{size - 1} for a tree of size {size}, "
                         f"got {index}" if size else
                         f"no inclusion proof in the empty tree (index {index})")
    tree = _TreeReader(read, size)
    proof: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            proof.append(tree.subtree(start + k, end))
            end = start + k
        else:
            proof.append(tree.subtree(start, start + k))
            start += k
    proof.reverse()
    return proof


def consistency_proof(size1: int, size2: int, read: TileReader) -> list[bytes]:
    """PROOF(size1, D[size2]) (RFC 9162 §2.1.4.1)."""
    _check_size(size2)
    if not 0 < size1 <= size2:
        raise ValueError(f"first size must be in 1..{size2}, got {size1} (a consistency proof "
                         "starts from a non-empty tree no larger than the second)")
    tree = _TreeReader(read, size2)
    proof: list[bytes] = []
    start, end, m, whole = 0, size2, size1, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            proof.append(tree.subtree(start + k, end))
            end = start + k
        else:
            proof.append(tree.subtree(start, start + k))
            start, m, whole = start + k, m - k, False
    if not whole:
        proof.append(tree.subtree(start, end))
    proof.reverse()
    return proof
