"""RFC 9162 Merkle trees: every public vector, and the fast tree against the reference."""

from __future__ import annotations

import base64
import hashlib
import json
import tracemalloc
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.ledger.errors import ProofError
from aggregator.ledger.merkle import (
    CompactRange,
    MerkleTree,
    empty_root,
    leaf_hash,
    node_hash,
    reference_consistency_proof,
    reference_inclusion_proof,
    reference_root,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parents[4].parent / "shared" / "testdata" / "merkle"
# RFC 6962's classic 8-leaf tree, behind every happy-path vector.
RFC_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
BIG = 300


def _b64(value: str | None) -> bytes:
    # The vectors spell "no hash" as null or ""; both decode to b"" so length checks see it.
    return base64.b64decode(value) if value else b""


def _proof(vector: dict[str, Any]) -> list[bytes]:
    return [_b64(item) for item in vector["proof"] or []]


def _vector_files(kind: str) -> list[Path]:
    # rglob: inclusion/additional has one more level of folders.
    return sorted((VECTORS / kind).rglob("*.json"))


def _vectors(kind: str) -> list[Any]:
    return [pytest.param(json.loads(path.read_text()), id=str(path.relative_to(VECTORS)))
            for path in _vector_files(kind)]


@cache
def _hashes(n: int) -> tuple[bytes, ...]:
    return tuple(leaf_hash(i.to_bytes(4, "big")) for i in range(n))


@cache
def _tree(n: int) -> MerkleTree:
    tree = MerkleTree()
    tree.extend(_hashes(n))
    return tree


def _flip(proof: list[bytes], item: int, bit: int) -> list[bytes]:
    flipped = bytearray(proof[item])
    flipped[bit // 8] ^= 1 << (bit % 8)
    return [*proof[:item], bytes(flipped), *proof[item + 1:]]


# -- public vectors ---------------------------------------------------------------------------

def test_every_vector_folder_is_there() -> None:
    inclusion = {p.relative_to(VECTORS / "inclusion").parts[0]
                 for p in _vector_files("inclusion")}
    consistency = {p.relative_to(VECTORS / "consistency").parts[0]
                   for p in _vector_files("consistency")}
    assert inclusion >= {"0", "1", "2", "3", "4", "additional", "single-entry"}, VECTORS
    assert consistency >= {"0", "1", "2", "3", "4", "additional"}, VECTORS
    assert len(_vector_files("inclusion")) > 60 and len(_vector_files("consistency")) > 60


@pytest.mark.parametrize("vector", _vectors("inclusion"))
def test_inclusion_vector(vector: dict[str, Any]) -> None:
    def check() -> None:
        verify_inclusion(_b64(vector["leafHash"]), vector["leafIdx"], vector["treeSize"],
                         _proof(vector), _b64(vector["root"]))

    if vector["wantErr"]:
        with pytest.raises(ProofError):
            check()
    else:
        check()


@pytest.mark.parametrize("vector", _vectors("consistency"))
def test_consistency_vector(vector: dict[str, Any]) -> None:
    def check() -> None:
        verify_consistency(vector["size1"], vector["size2"], _b64(vector["root1"]),
                           _b64(vector["root2"]), _proof(vector))

    if vector["wantErr"]:
        with pytest.raises(ProofError):
            check()
    else:
        check()


def test_the_rfc_tree_reproduces_every_happy_path() -> None:
    hashes = [leaf_hash(leaf) for leaf in RFC_LEAVES]
    tree = MerkleTree()
    tree.extend(hashes)
    for folder in "01234":
        vector = json.loads((VECTORS / "inclusion" / folder / "happy-path.json").read_text())
        index, size = vector["leafIdx"], vector["treeSize"]
        assert tree.leaf(index) == _b64(vector["leafHash"])
        assert tree.root(size) == reference_root(hashes[:size]) == _b64(vector["root"])
        assert tree.inclusion_proof(index, size) == _proof(vector)
        assert reference_inclusion_proof(hashes[:size], index) == _proof(vector)
        vector = json.loads((VECTORS / "consistency" / folder / "happy-path.json").read_text())
        size1, size2 = vector["size1"], vector["size2"]
        assert tree.root(size1) == _b64(vector["root1"])
        assert tree.root(size2) == _b64(vector["root2"])
        assert tree.consistency_proof(size1, size2) == _proof(vector)
        assert reference_consistency_proof(hashes[:size2], size1) == _proof(vector)


def test_hashing_follows_rfc_9162() -> None:
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert node_hash(b"L" * 32, b"R" * 32) == hashlib.sha256(b"\x01" + b"L" * 32 + b"R" * 32
                                                             ).digest()
    assert empty_root() == reference_root([]) == MerkleTree().root() == CompactRange().root() \
        == hashlib.sha256(b"").digest()


# -- the fast tree against the reference -----------------------------------------------------

def test_every_size_index_and_pair_matches_the_reference_up_to_64() -> None:
    hashes = _hashes(64)
    tree = _tree(64)
    for size in range(1, 65):
        root = tree.root(size)
        assert root == reference_root(hashes[:size])
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            assert proof == reference_inclusion_proof(hashes[:size], index)
            verify_inclusion(hashes[index], index, size, proof, root)
        for size1 in range(1, size + 1):
            proof = tree.consistency_proof(size1, size)
            assert proof == reference_consistency_proof(hashes[:size], size1)
            verify_consistency(size1, size, tree.root(size1), root, proof)


def test_roots_agree_with_the_reference_for_every_prefix() -> None:
    hashes = _hashes(BIG)
    tree = _tree(BIG)
    compact = CompactRange()
    assert compact.root() == tree.root(0)
    for size in range(1, BIG + 1):
        assert compact.append(hashes[size - 1]) == size - 1
        assert tree.root(size) == reference_root(hashes[:size]) == compact.root()
        assert compact.size == size


def test_a_copy_of_a_compact_range_grows_on_its_own() -> None:
    hashes = _hashes(40)
    compact = CompactRange()
    for digest in hashes[:23]:
        compact.append(digest)
    twin = compact.copy()
    for digest in hashes[23:]:
        twin.append(digest)
    assert compact.size == 23 and compact.root() == reference_root(hashes[:23])
    assert twin.size == 40 and twin.root() == reference_root(hashes)


@settings(max_examples=150, deadline=None)
@given(size=st.integers(1, BIG), data=st.data())
def test_inclusion_proofs_equal_the_reference_and_verify(size: int, data: st.DataObject
                                                         ) -> None:
    hashes = _hashes(size)
    tree = _tree(BIG)
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = tree.inclusion_proof(index, size)
    assert proof == reference_inclusion_proof(hashes, index)
    verify_inclusion(hashes[index], index, size, proof, tree.root(size))
    assert root_from_inclusion_proof(hashes[index], index, size, proof) == tree.root(size)


@settings(max_examples=150, deadline=None)
@given(size2=st.integers(1, BIG), data=st.data())
def test_consistency_proofs_equal_the_reference_and_verify(size2: int, data: st.DataObject
                                                           ) -> None:
    tree = _tree(BIG)
    size1 = data.draw(st.integers(1, size2), label="size1")
    proof = tree.consistency_proof(size1, size2)
    assert proof == reference_consistency_proof(_hashes(size2), size1)
    verify_consistency(size1, size2, tree.root(size1), tree.root(size2), proof)


def test_a_tree_grown_in_steps_answers_for_its_past_sizes() -> None:
    tree = MerkleTree()
    hashes = _hashes(100)
    for n, digest in enumerate(hashes):
        assert tree.append(digest) == n
        assert tree.size == n + 1
        assert tree.root() == _tree(100).root(n + 1)
    assert tree.consistency_proof(37) == _tree(100).consistency_proof(37, 100)
    assert [tree.leaf(i) for i in range(100)] == list(hashes)


def test_the_tree_stores_hashes_flat() -> None:
    """Complete-subtree hashes in byte arrays: about 64 bytes per leaf, not a Python object
    per node (which would cost over twice that)."""
    hashes = _hashes(1 << 15)
    tracemalloc.start()
    try:
        tree = MerkleTree()
        tree.extend(hashes)
        current, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert tree.size == 1 << 15
    assert current < 80 * (1 << 15), current


# -- verifiers refuse what they must ---------------------------------------------------------

@settings(max_examples=100, deadline=None)
@given(size=st.integers(2, 200), data=st.data())
def test_mutated_inclusion_proofs_are_refused(size: int, data: st.DataObject) -> None:
    hashes = _hashes(size)
    tree = _tree(BIG)
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = tree.inclusion_proof(index, size)
    root = tree.root(size)
    item = data.draw(st.integers(0, len(proof) - 1), label="item")
    bit = data.draw(st.integers(0, 255), label="bit")
    mutations = {
        "flipped bit": (index, size, _flip(proof, item, bit)),
        "dropped first": (index, size, proof[1:]),
        "dropped last": (index, size, proof[:-1]),
        "extra hash": (index, size, [*proof, root]),
        "extra hash first": (index, size, [root, *proof]),
        "duplicated": (index, size, [*proof[:item], proof[item], *proof[item:]]),
        "short hash": (index, size, [*proof[:item], proof[item][:31], *proof[item + 1:]]),
        "long hash": (index, size, [*proof[:item], proof[item] + b"\0", *proof[item + 1:]]),
        "index past the end": (size, size, proof),
        "negative index": (-1, size, proof),
    }
    other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index), label="other")
    mutations["wrong index"] = (other, size, proof)
    for name, (bad_index, bad_size, bad_proof) in mutations.items():
        with pytest.raises(ProofError):
            verify_inclusion(hashes[index], bad_index, bad_size, bad_proof, root)
            pytest.fail(f"{name} verified")
    # A wrong size claim fails whenever that size needs a proof of another length. (With
    # the same length it can pass — RFC 9162 paths do not bind the size; the signed root
    # does, since a checkpoint signs size and root together.)
    for bad_size in (size - 1, size + 1):
        if index < bad_size and len(reference_inclusion_proof(_hashes(bad_size), index)) \
                != len(proof):
            with pytest.raises(ProofError):
                verify_inclusion(hashes[index], index, bad_size, proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(hashes[(index + 1) % size], index, size, proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(hashes[index], index, size, proof, tree.root(size - 1))


@settings(max_examples=100, deadline=None)
@given(size2=st.integers(2, 200), data=st.data())
def test_mutated_consistency_proofs_are_refused(size2: int, data: st.DataObject) -> None:
    tree = _tree(BIG)
    size1 = data.draw(st.integers(1, size2 - 1), label="size1")
    root1, root2 = tree.root(size1), tree.root(size2)
    proof = tree.consistency_proof(size1, size2)
    item = data.draw(st.integers(0, len(proof) - 1), label="item")
    bit = data.draw(st.integers(0, 255), label="bit")
    mutations = {
        "flipped bit": (size1, size2, root1, root2, _flip(proof, item, bit)),
        "dropped first": (size1, size2, root1, root2, proof[1:]),
        "dropped last": (size1, size2, root1, root2, proof[:-1]),
        "extra hash": (size1, size2, root1, root2, [*proof, root1]),
        "extra hash first": (size1, size2, root1, root2, [root1, *proof]),
        "empty proof": (size1, size2, root1, root2, []),
        "short hash": (size1, size2, root1, root2, [*proof[:item], proof[item][:31],
                                                    *proof[item + 1:]]),
        "swapped roots": (size1, size2, root2, root1, proof),
        "wrong first root": (size1, size2, tree.root(size1 - 1), root2, proof),
        "wrong second root": (size1, size2, root1, tree.root(size2 - 1), proof),
        "from zero": (0, size2, empty_root(), root2, proof),
        "sizes swapped": (size2, size1, root2, root1, proof),
        "second size smaller": (size1, size1 - 1, root1, root2, proof),
        "equal sizes with a proof": (size2, size2, root2, root2, proof),
    }
    for name, (s1, s2, r1, r2, bad_proof) in mutations.items():
        with pytest.raises(ProofError):
            verify_consistency(s1, s2, r1, r2, bad_proof)
            pytest.fail(f"{name} verified")
    for bad1, bad2 in ((size1 - 1, size2), (size1 + 1, size2), (size1, size2 - 1),
                       (size1, size2 + 1)):
        if 0 < bad1 < bad2 <= BIG and \
                len(reference_consistency_proof(_hashes(bad2), bad1)) != len(proof):
            with pytest.raises(ProofError):
                verify_consistency(bad1, bad2, root1, root2, proof)


def test_consistency_edge_cases() -> None:
    root = _tree(5).root(5)
    verify_consistency(5, 5, root, root, [])
    with pytest.raises(ProofError, match="equal roots"):
        verify_consistency(5, 5, root, _tree(5).root(4), [])
    with pytest.raises(ProofError, match="non-empty tree, got size1 0"):
        verify_consistency(0, 0, empty_root(), empty_root(), [])
    with pytest.raises(ProofError, match="exceeds"):
        verify_consistency(6, 5, root, root, [])


def test_proof_errors_say_what_failed() -> None:
    tree = _tree(8)
    proof = tree.inclusion_proof(3, 8)
    with pytest.raises(ProofError, match=r"proof\[1\] must be 32 bytes, got 31"):
        verify_inclusion(tree.leaf(3), 3, 8, [proof[0], proof[1][:31], proof[2]], tree.root(8))
    with pytest.raises(ProofError, match="leaf hash must be 32 bytes, got 0"):
        verify_inclusion(b"", 3, 8, proof, tree.root(8))
    with pytest.raises(ProofError, match="index 8 is outside a tree of size 8"):
        verify_inclusion(tree.leaf(3), 8, 8, proof, tree.root(8))
    with pytest.raises(ProofError, match="more than"):
        verify_inclusion(tree.leaf(3), 3, 8, [*proof, proof[0]], tree.root(8))
    with pytest.raises(ProofError, match="fewer than"):
        verify_inclusion(tree.leaf(3), 3, 8, proof[:2], tree.root(8))
    with pytest.raises(ProofError, match="does not lead to the root"):
        verify_inclusion(tree.leaf(2), 3, 8, proof, tree.root(8))


def test_out_of_range_arguments_say_what_was_given_and_what_is_allowed() -> None:
    tree = _tree(5)
    with pytest.raises(ValueError, match=r"0\.\.4 for a tree of size 5, got 5"):
        tree.inclusion_proof(5)
    with pytest.raises(ValueError, match=r"0\.\.2 for a tree of size 3, got 3"):
        tree.inclusion_proof(3, 3)
    with pytest.raises(ValueError, match=r"tree size must be in 0\.\.5, got 6"):
        tree.root(6)
    with pytest.raises(ValueError, match=r"tree size must be in 0\.\.5, got -1"):
        tree.inclusion_proof(0, -1)
    with pytest.raises(ValueError, match=r"first size must be in 1\.\.5, got 0"):
        tree.consistency_proof(0)
    with pytest.raises(ValueError, match=r"first size must be in 1\.\.3, got 4"):
        tree.consistency_proof(4, 3)
    with pytest.raises(ValueError, match=r"leaf index must be in 0\.\.4, got 7"):
        tree.leaf(7)
    with pytest.raises(ValueError, match="too small"):
        MerkleTree().inclusion_proof(0)
    with pytest.raises(ValueError, match="32 bytes, got 5"):
        MerkleTree().append(b"short")
    with pytest.raises(ValueError, match="32 bytes, got 33"):
        CompactRange().append(bytes(33))
    with pytest.raises(ValueError, match=r"index must be in 0\.\.1, got 2"):
        reference_inclusion_proof(_hashes(2), 2)


def test_every_proof_up_to_the_big_size_verifies() -> None:
    """Every index and every pair of sizes up to BIG (the reference, which is slower, is
    compared exhaustively up to 64 and on samples above)."""
    hashes = _hashes(BIG)
    tree = _tree(BIG)
    roots = [tree.root(size) for size in range(BIG + 1)]
    for size in range(1, BIG + 1):
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            assert root_from_inclusion_proof(hashes[index], index, size, proof) == roots[size]
        for size1 in range(1, size):
            verify_consistency(size1, size, roots[size1], roots[size],
                               tree.consistency_proof(size1, size))
