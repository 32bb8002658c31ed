"""RFC 9162 Merkle trees: every public vector, and the fast tree against the reference."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregator.ledger.merkle import (
    CompactRange,
    MerkleTree,
    ProofError,
    leaf_hash,
    reference_consistency_proof,
    reference_inclusion_proof,
    reference_root,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).parents[3].parent / "shared" / "testdata" / "merkle"
# RFC 6962's classic 8-leaf tree, behind every vector.
RFC_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _vectors(kind: str) -> list[Any]:
    files = sorted((VECTORS / kind).glob("*/*.json"))
    assert len(files) > 50, f"no {kind} vectors under {VECTORS}"
    return [pytest.param(json.loads(f.read_text()), id=str(f.relative_to(VECTORS)))
            for f in files]


def _tree(n: int) -> tuple[MerkleTree, list[bytes]]:
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    tree = MerkleTree()
    tree.extend(hashes)
    return tree, hashes


@pytest.mark.parametrize("vector", _vectors("inclusion"))
def test_inclusion_vectors(vector: dict[str, Any]) -> None:
    def check() -> None:
        verify_inclusion(_b64(vector["leafHash"]), vector["leafIdx"], vector["treeSize"],
                         [_b64(p) for p in vector["proof"] or []], _b64(vector["root"]))

    if vector["wantErr"]:
        with pytest.raises(ProofError):
            check()
    else:
        check()


@pytest.mark.parametrize("vector", _vectors("consistency"))
def test_consistency_vectors(vector: dict[str, Any]) -> None:
    def check() -> None:
        verify_consistency(vector["size1"], vector["size2"], _b64(vector["root1"]),
                           _b64(vector["root2"]), [_b64(p) for p in vector["proof"] or []])

    if vector["wantErr"]:
        with pytest.raises(ProofError):
            check()
    else:
        check()


def test_the_rfc_tree_gives_the_vectors_happy_paths() -> None:
    tree = MerkleTree()
    tree.extend(leaf_hash(leaf) for leaf in RFC_LEAVES)
    checked = 0
    for path in (VECTORS / "inclusion").glob("*/happy-path.json"):
        vector = json.loads(path.read_text())
        if vector["treeSize"] <= 8 and _b64(vector["leafHash"]) == tree.leaf(vector["leafIdx"]):
            assert tree.root(vector["treeSize"]) == _b64(vector["root"])
            assert tree.inclusion_proof(vector["leafIdx"], vector["treeSize"]) == [
                _b64(p) for p in vector["proof"] or []]
            checked += 1
    for path in (VECTORS / "consistency").glob("*/happy-path.json"):
        vector = json.loads(path.read_text())
        if vector["size2"] <= 8 and tree.root(vector["size2"]) == _b64(vector["root2"]):
            assert tree.root(vector["size1"]) == _b64(vector["root1"])
            if vector["size1"] < vector["size2"]:
                assert tree.consistency_proof(vector["size1"], vector["size2"]) == [
                    _b64(p) for p in vector["proof"] or []]
            checked += 1
    assert checked >= 6


@given(st.integers(1, 300), st.data())
def test_fast_proofs_equal_the_reference_and_verify(n: int, data: st.DataObject) -> None:
    tree, hashes = _tree(n)
    size = data.draw(st.integers(1, n))
    index = data.draw(st.integers(0, size - 1))
    first = data.draw(st.integers(1, size))
    root = tree.root(size)
    assert root == reference_root(hashes[:size])
    proof = tree.inclusion_proof(index, size)
    assert proof == reference_inclusion_proof(hashes[:size], index)
    verify_inclusion(hashes[index], index, size, proof, root)
    consistency = tree.consistency_proof(first, size)
    assert consistency == reference_consistency_proof(hashes[:size], first)
    verify_consistency(first, size, tree.root(first), root, consistency)


def test_every_size_and_pair_up_to_64() -> None:
    tree, hashes = _tree(64)
    for size in range(1, 65):
        root = tree.root(size)
        for index in range(size):
            verify_inclusion(hashes[index], index, size, tree.inclusion_proof(index, size), root)
        for first in range(1, size + 1):
            verify_consistency(first, size, tree.root(first), root,
                               tree.consistency_proof(first, size))


@given(st.integers(2, 200), st.data())
def test_mutated_proofs_are_refused(n: int, data: st.DataObject) -> None:
    tree, hashes = _tree(n)
    index = data.draw(st.integers(0, n - 1))
    proof = tree.inclusion_proof(index, n)
    root = tree.root(n)
    # (A different size claim alone is not a mutation: the signed root binds the size.)
    mutations = [(index, n, proof[:-1]), (index, n, [*proof, root]),
                 ((index + 1) % n, n, proof)]
    if proof:
        flip = data.draw(st.integers(0, len(proof) - 1))
        bad = bytearray(proof[flip])
        bad[data.draw(st.integers(0, 31))] ^= 1 << data.draw(st.integers(0, 7))
        mutations.append((index, n, [*proof[:flip], bytes(bad), *proof[flip + 1:]]))
    for mutated_index, size, mutated in mutations:
        if (mutated_index, size, mutated) == (index, n, proof):
            continue
        with pytest.raises(ProofError):
            verify_inclusion(hashes[index], mutated_index, size, mutated, root)
    first = data.draw(st.integers(1, n - 1))
    consistency = tree.consistency_proof(first, n)
    with pytest.raises(ProofError):
        verify_consistency(first, n, tree.root(first), root, consistency[:-1])
    with pytest.raises(ProofError):
        verify_consistency(first, n, hashes[0] if tree.root(first) != hashes[0] else root,
                           root, consistency)


@given(st.integers(0, 500))
def test_compact_range_root_equals_the_tree_root(n: int) -> None:
    tree, hashes = _tree(n)
    compact = CompactRange()
    for digest in hashes:
        compact.append(digest)
    assert compact.size == n and compact.root() == tree.root() == reference_root(hashes)


def test_out_of_range_arguments_say_what_is_allowed() -> None:
    tree, _ = _tree(5)
    with pytest.raises(ValueError, match=r"0\.\.4 for a tree of size 5, got 5"):
        tree.inclusion_proof(5)
    with pytest.raises(ValueError, match=r"tree size must be in 0\.\.5, got 6"):
        tree.root(6)
    with pytest.raises(ValueError, match=r"first size must be in 1\.\.5, got 0"):
        tree.consistency_proof(0)
    with pytest.raises(ValueError, match="32 bytes"):
        tree.append(b"short")
