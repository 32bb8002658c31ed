"""Receipts on pages: the view of a real ledger's receipt, and static/receipt.js's check of
it run in Node (its WebCrypto has SHA-256 and Ed25519, as browsers do) — good receipts pass,
every tampered part fails, a browser without Ed25519 is told so."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.ledger.entries import Entry, EntryKind
from aggregator.ledger.ledger import Ledger
from aggregator.ledger.merkle import verify_inclusion
from aggregator.ledger.note import NoteSigner
from gateway.web.receipts import ReceiptView, receipt_view
from support.receipt_check import check_in_node


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = Ledger(tmp_path / "ledger.sqlite3",
                    NoteSigner("test.localhost/ledger", Ed25519PrivateKey.generate()))
    yield opened
    opened.close()


def _receipts(ledger: Ledger, count: int) -> list[ReceiptView]:
    appended = [ledger.append_sync(Entry(EntryKind.KEY, {"event": "ROTATED", "n": i}))
                for i in range(count)]
    return [receipt_view(ledger, a) for a in appended]


def _hashes(view: ReceiptView) -> list[str]:
    return view.proof.split(",") if view.proof else []


def _js(view: ReceiptView) -> dict[str, Any]:
    return {"leafIndex": view.leaf_index, "treeSize": view.tree_size,
            "leafHash": view.leaf_hash, "rootHash": view.root_hash,
            "proof": _hashes(view), "checkpoint": view.checkpoint, "key": view.key}


def _flip(value: str) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[0] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def test_the_view_is_the_apis_receipt_with_the_published_key(ledger: Ledger) -> None:
    """Index, size, hashes and proof agree with the ledger, and the proof holds in Python."""
    view = _receipts(ledger, 5)[2]
    assert (view.leaf_index, view.tree_size) == (2, 3)
    assert view.key == ledger.verifier_key()
    assert len(_hashes(view)) == 1  # leaf 2's sibling: the subtree of entries 0 and 1
    verify_inclusion(base64.b64decode(view.leaf_hash), 2, 3,  # raises if it fails
                     [base64.b64decode(p) for p in _hashes(view)], base64.b64decode(view.root_hash))
    assert view.checkpoint.splitlines()[1:3] == ["3", view.root_hash]


def test_real_receipts_verify_in_the_page_script(ledger: Ledger) -> None:
    """Every entry's receipt of a 7-entry ledger (odd sizes, left and right siblings)."""
    views = _receipts(ledger, 7)
    assert check_in_node(*(_js(v) for v in views)) == ["ok"] * 7


def test_every_tampered_part_fails(ledger: Ledger) -> None:
    """Leaf, proof, root, index, size, checkpoint text, signature, key: each changed alone
    turns the result to "bad"."""
    view = _receipts(ledger, 6)[4]
    good = _js(view)
    other_key = NoteSigner("test.localhost/ledger", Ed25519PrivateKey.generate())
    lines = view.checkpoint.split("\n")
    signature_line = next(line for line in lines if line.startswith("\u2014 "))
    _name, encoded = signature_line[2:].split(" ")
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 1
    forged_signature = view.checkpoint.replace(encoded, base64.b64encode(bytes(raw)).decode())
    tampered = [
        {**good, "leafHash": _flip(view.leaf_hash)},
        {**good, "proof": [_flip(_hashes(view)[0]), *_hashes(view)[1:]]},
        {**good, "proof": _hashes(view)[:-1]},
        {**good, "rootHash": _flip(view.root_hash)},
        {**good, "leafIndex": 3},
        {**good, "treeSize": 6},
        {**good, "checkpoint": view.checkpoint.replace("\n5\n", "\n6\n", 1)},
        {**good, "checkpoint": forged_signature},
        {**good, "key": other_key.verifier_key()},
        {**good, "key": "not a key"},
        {**good, "checkpoint": "garbage"},
    ]
    assert check_in_node(good, *tampered) == ["ok"] + ["bad"] * len(tampered)


def test_a_receipt_checked_against_a_signer_of_another_ledger_fails(tmp_path: Path) -> None:
    """A checkpoint signed by a different ledger's key (same origin name) is refused."""
    first = Ledger(tmp_path / "a.sqlite3", NoteSigner("same/origin", Ed25519PrivateKey.generate()))
    second = Ledger(tmp_path / "b.sqlite3",
                    NoteSigner("same/origin", Ed25519PrivateKey.generate()))
    try:
        view = _receipts(first, 2)[1]
        assert check_in_node(_js(replace(view, key=second.verifier_key()))) == ["bad"]
        assert check_in_node(_js(view)) == ["ok"]
    finally:
        first.close()
        second.close()


def test_a_browser_without_ed25519_is_told_so(ledger: Ledger) -> None:
    """No Ed25519 in WebCrypto: "unsupported", not a false "bad"."""
    view = _receipts(ledger, 1)[0]
    assert check_in_node(_js(view), no_ed25519=True) == ["unsupported"]
    assert asdict(view)["leaf_index"] == 0
