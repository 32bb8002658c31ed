"""tlog-tiles math: tiles built by appends match the spec's definition, and roots and proofs
read from them match RFC 9162's reference at every size."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.ledger.errors import LedgerCorruptError
from aggregator.ledger.merkle import (
    MerkleTree,
    empty_root,
    reference_consistency_proof,
    reference_inclusion_proof,
    reference_root,
    verify_consistency,
    verify_inclusion,
)
from aggregator.ledger.tiles import (
    TILE_BYTES,
    TILE_WIDTH,
    TileKey,
    consistency_proof,
    inclusion_proof,
    leaf_hash_at,
    root_at,
    tile_width_at,
    tiles_after_append,
)

MAX = 1100  # past 4 full level-0 tiles and into a partial level-1 tile of width 4


def _leaf(i: int) -> bytes:
    return hashlib.sha256(i.to_bytes(8, "big")).digest()


@cache
def _leaves(n: int) -> tuple[bytes, ...]:
    return tuple(_leaf(i) for i in range(n))


class Store:
    """Tiles in a dict, as storage keeps them: one (the widest) version per (level, index)."""

    def __init__(self) -> None:
        self.tiles: dict[TileKey, bytes] = {}
        self.size = 0
        self.reads: list[TileKey] = []

    def read(self, level: int, index: int) -> bytes:
        self.reads.append((level, index))
        return self.tiles.get((level, index), b"")

    def append(self, hashes: Sequence[bytes]) -> dict[TileKey, bytes]:
        changed = tiles_after_append(self.size, hashes, self.read)
        self.tiles.update(changed)
        self.size += len(hashes)
        return changed


@cache
def _store(n: int) -> Store:
    store = Store()
    store.append(_leaves(n))
    return store


def _spec_tiles(leaves: Sequence[bytes]) -> dict[TileKey, bytes]:
    """Every tile of the tree, straight from the spec: hash i of tile n at level l is
    MTH(D[(n * 256 + i) * 256**l : (n * 256 + i + 1) * 256**l]), for the ranges that exist."""
    tiles: dict[TileKey, bytes] = {}
    level = 0
    while len(leaves) >> (8 * level):
        span = TILE_WIDTH ** level
        count = len(leaves) // span
        hashes = b"".join(reference_root(leaves[j * span:(j + 1) * span]) for j in range(count))
        for n in range(0, len(hashes), TILE_BYTES):
            tiles[(level, n // TILE_BYTES)] = hashes[n:n + TILE_BYTES]
        level += 1
    return tiles


def test_root_at_every_size_up_to_1100_leaves_matches_the_reference() -> None:
    """Appending one leaf at a time, the root read from the tiles at every size is RFC 9162's
    MTH, both from the tiles at that size and from the tiles of the larger final tree."""
    leaves = _leaves(MAX)
    tree = MerkleTree()
    store = Store()
    assert root_at(0, store.read) == empty_root()
    for leaf in leaves:
        store.append([leaf])
        tree.append(leaf)
        assert root_at(store.size, store.read) == tree.root()
    final = _store(MAX)
    assert store.tiles == final.tiles
    for size in range(MAX + 1):
        assert root_at(size, final.read) == reference_root(leaves[:size]), size


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=600), min_size=1, max_size=8))
def test_appends_in_uneven_batches_build_the_spec_tiles(batches: list[int]) -> None:
    """Whatever the batches, the stored tiles after each are exactly the spec's tiles of the
    tree so far, and each append returns only tiles that changed, in full."""
    store = Store()
    for batch in batches:
        leaves = _leaves(store.size + batch)
        before = dict(store.tiles)
        changed = store.append(leaves[store.size:])
        expected = _spec_tiles(leaves)
        assert store.tiles == expected
        assert all(before.get(key) != value for key, value in changed.items())
        assert {key for key, value in expected.items() if before.get(key) != value} \
            == set(changed)


def test_a_tree_of_70000_leaves_has_the_spec_example_tiles() -> None:
    """The spec's example: 273 full level-0 tiles, a partial one of width 112, one full
    level-1 tile, a partial one of width 17 and a partial level-2 tile of width 1."""
    store = Store()
    for start in range(0, 70_000, 7_000):
        store.append([_leaf(i) for i in range(start, start + 7_000)])
    widths = {key: len(value) // 32 for key, value in store.tiles.items()}
    assert widths == {**{(0, n): 256 for n in range(273)}, (0, 273): 112,
                      (1, 0): 256, (1, 1): 17, (2, 0): 1}
    assert all(tile_width_at(level, index, 70_000) == width
               for (level, index), width in widths.items())


def test_reads_touch_a_handful_of_tiles() -> None:
    """Roots and proofs at 70,000 leaves read at most two tiles per level (no whole tree)."""
    store = Store()
    store.append([_leaf(i) for i in range(70_000)])
    tree = MerkleTree()
    tree.extend(_leaf(i) for i in range(70_000))
    for call, expected in (
            (lambda: root_at(70_000, store.read), tree.root()),
            (lambda: inclusion_proof(12_345, 70_000, store.read),
             tree.inclusion_proof(12_345)),
            (lambda: consistency_proof(40_001, 69_999, store.read),
             tree.consistency_proof(40_001, 69_999))):
        store.reads.clear()
        assert call() == expected
        assert len(store.reads) == len(set(store.reads)) <= 6, store.reads


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_inclusion_proofs_match_the_reference_and_verify(data: st.DataObject) -> None:
    """PATH(index, D[size]) from tiles equals the reference and verifies against the root."""
    size = data.draw(st.integers(min_value=1, max_value=MAX), label="size")
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    leaves = _leaves(size)
    proof = inclusion_proof(index, size, _store(MAX).read)
    assert proof == reference_inclusion_proof(leaves, index)
    verify_inclusion(leaves[index], index, size, proof, reference_root(leaves))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_consistency_proofs_match_the_reference_and_verify(data: st.DataObject) -> None:
    """PROOF(size1, D[size2]) from tiles equals the reference and verifies between roots."""
    size2 = data.draw(st.integers(min_value=1, max_value=MAX), label="size2")
    size1 = data.draw(st.integers(min_value=1, max_value=size2), label="size1")
    leaves = _leaves(size2)
    proof = consistency_proof(size1, size2, _store(MAX).read)
    assert proof == reference_consistency_proof(leaves, size1)
    verify_consistency(size1, size2, reference_root(leaves[:size1]), reference_root(leaves),
                       proof)


def test_proofs_at_every_size_agree_with_the_fast_tree() -> None:
    """For every size up to 1,100, the proofs of the first, a middle and the last leaf, and
    from sizes 1, half and size - 1, equal MerkleTree's."""
    tree = MerkleTree()
    tree.extend(_leaves(MAX))
    read = _store(MAX).read
    for size in range(1, MAX + 1):
        for index in {0, size // 2, size - 1}:
            assert inclusion_proof(index, size, read) == tree.inclusion_proof(index, size)
        for size1 in {1, size // 2 or 1, max(size - 1, 1), size}:
            assert consistency_proof(size1, size, read) == tree.consistency_proof(size1, size)


def test_leaf_hash_at_reads_level_0() -> None:
    """Every leaf hash comes back from the level-0 tiles."""
    read = _store(MAX).read
    assert [leaf_hash_at(i, read) for i in range(MAX)] == list(_leaves(MAX))


def test_tile_width_at() -> None:
    """Widths follow floor(size / 256**level) mod 256, 0 where no tile exists."""
    assert tile_width_at(0, 0, 0) == 0
    assert tile_width_at(0, 0, 1) == 1
    assert tile_width_at(0, 0, 256) == 256
    assert tile_width_at(1, 0, 256) == 1
    assert tile_width_at(0, 1, 256) == 0
    assert tile_width_at(1, 0, 255) == 0
    assert tile_width_at(0, 3, 1100) == 256
    assert tile_width_at(0, 4, 1100) == 76
    assert tile_width_at(1, 0, 1100) == 4
    assert tile_width_at(2, 0, 1100) == 0
    with pytest.raises(ValueError, match="must be non-negative"):
        tile_width_at(0, -1, 10)


def test_tiles_behind_the_tree_are_reported_not_misread() -> None:
    """Asking for a size the tiles do not hold yet, or reading a tile with a torn length,
    raises LedgerCorruptError saying which tile."""
    store = _store(300)
    with pytest.raises(LedgerCorruptError,
                       match="tile 0/1 has 44 hashes; a tree of size 301 needs at least 45"):
        root_at(301, store.read)
    with pytest.raises(LedgerCorruptError, match="tile 0/1 has 10 hashes; a tree of size 300 "
                                                 "needs 44: the tiles are behind the tree"):
        tiles_after_append(300, [_leaf(0)], lambda level, index: store.tiles[(0, 1)][:320])
    with pytest.raises(LedgerCorruptError, match="has 33 bytes; a tile has a multiple of 32"):
        leaf_hash_at(0, lambda level, index: b"x" * 33)
    with pytest.raises(LedgerCorruptError, match="tile 0/0 has 0 hashes"):
        leaf_hash_at(0, lambda level, index: b"")


def test_bad_arguments_say_what_is_expected() -> None:
    """Out-of-range indexes and sizes, and wrong-length hashes, are ValueErrors."""
    read = _store(10).read
    with pytest.raises(ValueError, match=r"index must be in 0\.\.9 for a tree of size 10, "
                                         "got 10"):
        inclusion_proof(10, 10, read)
    with pytest.raises(ValueError, match="no inclusion proof in the empty tree"):
        inclusion_proof(0, 0, read)
    with pytest.raises(ValueError, match=r"first size must be in 1\.\.10, got 0"):
        consistency_proof(0, 10, read)
    with pytest.raises(ValueError, match=r"first size must be in 1\.\.10, got 11"):
        consistency_proof(11, 10, read)
    with pytest.raises(ValueError, match="tree size must be non-negative, got -1"):
        root_at(-1, read)
    with pytest.raises(ValueError, match="new leaf hash 1 must be 32 bytes, got 3"):
        tiles_after_append(10, [_leaf(1), b"abc"], read)
    assert tiles_after_append(10, [], read) == {}
