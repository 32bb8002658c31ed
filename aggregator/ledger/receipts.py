"""Checking a ledger receipt (what a consent or link change returns: the entry's leaf hash
and index, the inclusion proof and the signed checkpoint it leads to) against a pinned
verifier key, with the same note and Merkle functions ``caseline audit verify`` uses.

A receipt that passes proves: the checkpoint was signed by the key, it names the receipt's
tree size and root, and the leaf is at its index in that tree."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aggregator.ledger.errors import LedgerError
from aggregator.ledger.merkle import verify_inclusion
from aggregator.ledger.note import Checkpoint, NoteVerifier

__all__ = ["MAX_PROOF_HASHES", "Receipt", "ReceiptError", "check_receipt", "find_receipt"]

# A proof has one hash per level of the tree: 64 covers any ledger there can be.
MAX_PROOF_HASHES = 64
# How deep in a pasted document a receipt is looked for (a GraphQL answer nests it in
# data -> grantConsent -> receipt).
_MAX_DEPTH = 6
_KEYS = ("leafIndex", "treeSize", "rootHash", "leafHash", "inclusionProof", "checkpoint")


class ReceiptError(ValueError):
    """The receipt is malformed or does not verify; the message says which part and why."""


@dataclass(frozen=True, slots=True)
class Receipt:
    """A receipt's parts, decoded."""

    leaf_index: int
    tree_size: int
    root_hash: bytes
    leaf_hash: bytes
    proof: tuple[bytes, ...]
    checkpoint: str


def _find(value: Any, depth: int) -> Mapping[str, Any] | None:
    if not isinstance(value, Mapping) or depth > _MAX_DEPTH:
        return None
    if "leafIndex" in value:
        return value
    for child in value.values():
        found = _find(child, depth + 1)
        if found is not None:
            return found
    return None


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise ReceiptError(f"{what} must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ReceiptError(f"{what} is not valid base64") from exc


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ReceiptError(f"{what} must be a whole number, 0 or more")
    return value


def find_receipt(document: Any) -> Receipt:
    """The receipt in a decoded JSON ``document``: the receipt object itself, or any object
    holding one (a consent, a GraphQL answer); ReceiptError names what is missing."""
    found = _find(document, 0)
    if found is None:
        raise ReceiptError("no receipt found: expected an object with " + ", ".join(_KEYS))
    missing = [k for k in _KEYS if k not in found]
    if missing:
        raise ReceiptError("the receipt lacks " + ", ".join(missing))
    proof = found["inclusionProof"]
    if not isinstance(proof, list) or len(proof) > MAX_PROOF_HASHES:
        raise ReceiptError(f"inclusionProof must be a list of at most {MAX_PROOF_HASHES} "
                           "base64 hashes")
    if not isinstance(found["checkpoint"], str):
        raise ReceiptError("checkpoint must be the signed note, as text")
    return Receipt(
        leaf_index=_count(found["leafIndex"], "leafIndex"),
        tree_size=_count(found["treeSize"], "treeSize"),
        root_hash=_b64(found["rootHash"], "rootHash"),
        leaf_hash=_b64(found["leafHash"], "leafHash"),
        proof=tuple(_b64(h, f"inclusionProof[{i}]") for i, h in enumerate(proof)),
        checkpoint=found["checkpoint"])


def check_receipt(receipt: Receipt, verifier_key: str) -> Checkpoint:
    """The checkpoint ``receipt`` leads to, once its signature verifies under
    ``verifier_key`` (a C2SP verifier key), it names the receipt's size and root, and the
    inclusion proof leads from the leaf to that root; ReceiptError otherwise."""
    try:
        checkpoint = NoteVerifier.from_vkey(verifier_key).open(receipt.checkpoint)
    except LedgerError as exc:
        raise ReceiptError(f"the checkpoint is not signed by the pinned key: {exc}") from exc
    if checkpoint.size != receipt.tree_size:
        raise ReceiptError(f"the checkpoint covers {checkpoint.size} entries, the receipt "
                           f"says {receipt.tree_size}")
    if checkpoint.root != receipt.root_hash:
        raise ReceiptError("the checkpoint's root hash differs from the receipt's")
    try:
        verify_inclusion(receipt.leaf_hash, receipt.leaf_index, receipt.tree_size,
                         receipt.proof, receipt.root_hash)
    except LedgerError as exc:
        raise ReceiptError(str(exc)) from exc
    return checkpoint
