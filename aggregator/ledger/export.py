"""Writing a ledger export: JSON Lines up to a signed checkpoint, as an auditor verifies it
offline (format in ``aggregator.ledger.verifier``)."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import orjson

from aggregator.ledger.storage import LedgerStore, StoredCheckpoint

__all__ = ["EXPORT_CHECKPOINT_GAP", "export_lines"]

# An export carries a checkpoint at least this many entries apart (plus the final one).
EXPORT_CHECKPOINT_GAP = 1000


def export_lines(store: LedgerStore, origin: str, verifier_key: str,
                 latest: StoredCheckpoint) -> Iterator[bytes]:
    """The ledger's lines up to ``latest``: the header, every entry, and checkpoints at
    least ``EXPORT_CHECKPOINT_GAP`` entries apart ending with ``latest``."""
    size = latest.size
    yield orjson.dumps({"type": "ledger", "origin": origin, "key": verifier_key}) + b"\n"
    if size == 0:
        yield orjson.dumps({"type": "checkpoint", "note": latest.note}) + b"\n"
        return
    checkpoints = store.checkpoints(EXPORT_CHECKPOINT_GAP, size)
    upcoming = next(checkpoints, None)
    for index, leaf in store.leaves(0, size):
        yield orjson.dumps({"type": "entry", "index": index,
                            "leaf": base64.b64encode(leaf).decode()}) + b"\n"
        while upcoming is not None and upcoming.size <= index + 1:
            yield orjson.dumps({"type": "checkpoint", "note": upcoming.note}) + b"\n"
            upcoming = next(checkpoints, None)
