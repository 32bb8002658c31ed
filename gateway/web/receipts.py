"""Ledger receipts on pages: what ``templates/receipt.html`` shows and ``static/receipt.js``
checks in the browser (the leaf hash, the inclusion proof to the signed checkpoint's root,
and the key the checkpoint must be signed with)."""

from __future__ import annotations

from dataclasses import dataclass

from aggregator.ledger.ledger import Appended
from aggregator.ports import LedgerPort
from gateway.schema.consent import Receipt

__all__ = ["ReceiptView", "receipt_view"]


@dataclass(frozen=True, slots=True)
class ReceiptView:
    """A receipt as the macro renders it: the GraphQL receipt's fields and the ledger's
    published verifier key (the one ``GET /ledger/key`` serves)."""

    leaf_index: int
    tree_size: int
    root_hash: str
    leaf_hash: str
    proof: str  # base64 hashes, leaf to root, joined by commas (``data-proof``)
    checkpoint: str
    key: str

    @classmethod
    def of(cls, receipt: Receipt, key: str) -> ReceiptView:
        """A receipt the API gives (``gateway.schema.consent.Receipt``), with the verifier key
        its checkpoint must be signed with."""
        return cls(receipt.leaf_index, receipt.tree_size, receipt.root_hash, receipt.leaf_hash,
                   ",".join(receipt.inclusion_proof), receipt.checkpoint, key)


def receipt_view(ledger: LedgerPort, appended: Appended) -> ReceiptView:
    """The receipt of an acknowledged entry, as the API gives it, with the ledger's key."""
    return ReceiptView.of(Receipt.of(ledger, appended), ledger.verifier_key())
