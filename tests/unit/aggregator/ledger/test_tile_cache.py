"""The tile cache keeps only full tiles the verified tree fills, at most its capacity."""

from __future__ import annotations

import pytest

from aggregator.ledger.tile_cache import TileCache
from aggregator.ledger.tiles import TILE_BYTES


def test_only_full_tiles_are_kept_least_recently_used_out_first() -> None:
    cache = TileCache(2)
    cache.put((0, 9), b"\x01" * 32)  # partial: grows with the next batch
    assert cache.get((0, 9)) is None
    for index in range(3):
        cache.put((0, index), bytes([index]) * TILE_BYTES)
    assert len(cache) == 2 and cache.get((0, 0)) is None
    assert cache.get((0, 1)) is not None  # now the most recent
    cache.put((0, 3), b"\x03" * TILE_BYTES)
    assert cache.get((0, 2)) is None and cache.get((0, 1)) is not None


def test_a_reader_caches_full_tiles_within_the_verified_tree_only() -> None:
    """A tile full in storage but past the verified size is read again next time."""
    stored = {(0, 0): b"\x00" * TILE_BYTES, (0, 1): b"\x01" * TILE_BYTES}
    reads: list[tuple[int, int]] = []

    def read(level: int, index: int) -> bytes:
        reads.append((level, index))
        return stored[(level, index)]

    cache = TileCache(8)
    reader = cache.reader(read, verified=300)  # fills tile 0, not tile 1
    for _ in range(2):
        assert reader(0, 0) == stored[(0, 0)] and reader(0, 1) == stored[(0, 1)]
    assert reads == [(0, 0), (0, 1), (0, 1)]


def test_a_cache_holds_at_least_one_tile() -> None:
    with pytest.raises(ValueError, match="at least 1 tile, got 0"):
        TileCache(0)
