"""Export lines: a header, every entry, and each checkpoint right after the entry that
completes the tree it signs."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

from aggregator.ledger.export import EXPORT_CHECKPOINT_GAP, export_lines
from aggregator.ledger.storage import LedgerStore, StoredCheckpoint


class _Store:
    """The two reads an export makes, over fixed leaves and checkpoints."""

    def __init__(self, leaves: list[bytes], checkpoints: list[StoredCheckpoint]) -> None:
        self._leaves = leaves
        self._checkpoints = checkpoints
        self.asked: tuple[int, int] | None = None

    def checkpoints(self, min_gap: int, up_to: int) -> Iterator[StoredCheckpoint]:
        self.asked = (min_gap, up_to)
        return iter(self._checkpoints)

    def leaves(self, start: int, stop: int) -> Iterator[tuple[int, bytes]]:
        return iter(list(enumerate(self._leaves))[start:stop])


def _lines(store: _Store, latest: StoredCheckpoint) -> list[dict[str, object]]:
    fake: LedgerStore = store  # type: ignore[assignment]
    return [json.loads(line) for line in export_lines(fake, "o.example/log", "vkey", latest)]


def test_an_empty_ledger_exports_its_header_and_its_signed_empty_tree() -> None:
    """Two lines: nothing else to show, and the size-0 checkpoint to pin."""
    latest = StoredCheckpoint(0, "note 0", "2026-11-23T00:00:00+00:00")
    assert _lines(_Store([], []), latest) == [
        {"type": "ledger", "origin": "o.example/log", "key": "vkey"},
        {"type": "checkpoint", "note": "note 0"}]


def test_checkpoints_follow_the_entry_that_completes_their_tree() -> None:
    """Entries in order, each checkpoint right after entry size-1; the store is asked for
    checkpoints the export gap apart up to the latest."""
    leaves = [f"leaf {n}".encode() for n in range(5)]
    two, five = (StoredCheckpoint(n, f"note {n}", "t") for n in (2, 5))
    store = _Store(leaves, [two, five])
    lines = _lines(store, five)
    assert store.asked == (EXPORT_CHECKPOINT_GAP, 5)
    entry = [{"type": "entry", "index": n, "leaf": base64.b64encode(leaf).decode()}
             for n, leaf in enumerate(leaves)]
    assert lines[1:] == [entry[0], entry[1], {"type": "checkpoint", "note": "note 2"},
                         entry[2], entry[3], entry[4], {"type": "checkpoint", "note": "note 5"}]
