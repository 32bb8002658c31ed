"""A bounded cache of FULL hash tiles, and tile readers that use it.

A full tile (256 hashes) never changes once written, so it may be kept; a partial tile grows
with every batch, so it is always read fresh. The cache holds at most ``capacity`` tiles
(8 KiB each), least recently used out first. An ``OrderedDict`` under a lock does it in a few
lines; functools.lru_cache cannot skip partial tiles or be filled by the writer.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from aggregator.ledger.tiles import TILE_BYTES, TILE_WIDTH, TileKey, TileReader, tile_width_at

__all__ = ["DEFAULT_CAPACITY", "TileCache"]

# 1,024 tiles: 8 MiB, the top of a tree of 268 million entries and the recent tiles below.
DEFAULT_CAPACITY = 1024


class TileCache:
    """Full tiles by (level, index), at most ``capacity`` of them."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError(f"a tile cache holds at least 1 tile, got {capacity}")
        self._capacity = capacity
        self._tiles: OrderedDict[TileKey, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._tiles)

    def get(self, key: TileKey) -> bytes | None:
        """The cached tile, or None."""
        with self._lock:
            data = self._tiles.get(key)
            if data is not None:
                self._tiles.move_to_end(key)
            return data

    def put(self, key: TileKey, data: bytes) -> None:
        """Keep ``data`` if it is a full tile (partial ones are ignored)."""
        if len(data) != TILE_BYTES:
            return
        with self._lock:
            self._tiles[key] = data
            self._tiles.move_to_end(key)
            while len(self._tiles) > self._capacity:
                self._tiles.popitem(last=False)

    def reader(self, read: TileReader, verified: int) -> TileReader:
        """``read`` with full tiles served from this cache; a tile read is kept only when the
        tree of ``verified`` leaves (checked against its entries) fills it."""
        def cached(level: int, index: int) -> bytes:
            data = self.get((level, index))
            if data is None:
                data = read(level, index)
                if tile_width_at(level, index, verified) == TILE_WIDTH:
                    self.put((level, index), data)
            return data
        return cached
