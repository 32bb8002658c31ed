"""Receipts checked against a pinned key: a good one passes, and each kind of tampering or
malformation is refused saying which part is wrong."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.ledger.merkle import MerkleTree, leaf_hash
from aggregator.ledger.note import Checkpoint, NoteSigner
from aggregator.ledger.receipts import Receipt, ReceiptError, check_receipt, find_receipt

SIGNER = NoteSigner("test.example/ledger", Ed25519PrivateKey.generate())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _receipt(index: int = 3, size: int = 7) -> Receipt:
    tree = MerkleTree()
    for i in range(size):
        tree.append(leaf_hash(f"entry {i}".encode()))
    note = SIGNER.sign(Checkpoint(SIGNER.name, size, tree.root(), 1_800_000_000))
    return find_receipt({"data": {"grantConsent": {"receipt": {
        "leafIndex": index, "treeSize": size, "rootHash": _b64(tree.root()),
        "leafHash": _b64(tree.leaf(index)),
        "inclusionProof": [_b64(h) for h in tree.inclusion_proof(index, size)],
        "checkpoint": note}}}})


def test_a_good_receipt_gives_its_checkpoint() -> None:
    checkpoint = check_receipt(_receipt(), SIGNER.verifier_key())
    assert checkpoint.size == 7 and checkpoint.origin == SIGNER.name


def test_another_key_is_refused() -> None:
    other = NoteSigner(SIGNER.name, Ed25519PrivateKey.generate())
    with pytest.raises(ReceiptError, match="not signed by the pinned key"):
        check_receipt(_receipt(), other.verifier_key())


@pytest.mark.parametrize(("change", "says"), [
    ({"leaf_hash": b"\x00" * 32}, "does not lead to the root"),
    ({"leaf_index": 4}, "does not lead to the root"),
    ({"tree_size": 6}, "covers 7 entries, the receipt says 6"),
    ({"root_hash": b"\x01" * 32}, "root hash differs"),
    ({"proof": ()}, "fewer than"),
])
def test_tampering_is_named(change: dict[str, object], says: str) -> None:
    with pytest.raises(ReceiptError, match=says):
        check_receipt(replace(_receipt(), **change), SIGNER.verifier_key())  # type: ignore[arg-type]


@pytest.mark.parametrize(("document", "says"), [
    ([], "no receipt found"),
    ({"leafIndex": 1}, "lacks treeSize, rootHash, leafHash, inclusionProof, checkpoint"),
    ({"leafIndex": -1, "treeSize": 1, "rootHash": "", "leafHash": "", "inclusionProof": [],
      "checkpoint": ""}, "leafIndex must be a whole number"),
    ({"leafIndex": 0, "treeSize": 1, "rootHash": "%%", "leafHash": "", "inclusionProof": [],
      "checkpoint": ""}, "rootHash is not valid base64"),
    ({"leafIndex": 0, "treeSize": 1, "rootHash": "", "leafHash": "",
      "inclusionProof": [""] * 65, "checkpoint": ""}, "at most 64"),
])
def test_malformed_receipts_are_refused(document: object, says: str) -> None:
    with pytest.raises(ReceiptError, match=says):
        find_receipt(document)
