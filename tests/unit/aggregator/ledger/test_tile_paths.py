"""tlog-tiles names and entry bundles: the spec's examples, round trips and clear refusals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregator.ledger.tile_paths import (
    MAX_PATH_LENGTH,
    entries_path,
    entry_bundle,
    parse_entry_bundle,
    parse_tile_path,
    tile_path,
)


def test_names_follow_the_spec_examples() -> None:
    """Index 1234067 is x001/x234/067; partial tiles carry .p/<W>; full ones do not."""
    assert tile_path(0, 1234067, 256) == "tile/0/x001/x234/067"
    assert tile_path(3, 1234067, 1) == "tile/3/x001/x234/067.p/1"
    assert tile_path(0, 1234, 7) == "tile/0/x001/234.p/7"
    assert tile_path(1, 0, 17) == "tile/1/000.p/17"
    assert tile_path(63, 999, 255) == "tile/63/999.p/255"
    assert tile_path(0, 1000, 256) == "tile/0/x001/000"
    assert entries_path(5, 256) == "tile/entries/005"
    assert entries_path(1234067, 112) == "tile/entries/x001/x234/067.p/112"


def test_parsing_the_spec_examples() -> None:
    """Parsing gives (level, index, width), level None for entry bundles."""
    assert parse_tile_path("tile/0/x001/x234/067") == (0, 1234067, 256)
    assert parse_tile_path("tile/2/000.p/1") == (2, 0, 1)
    assert parse_tile_path("tile/entries/x001/234.p/7") == (None, 1234, 7)
    assert parse_tile_path("tile/entries/999") == (None, 999, 256)


@given(st.integers(min_value=0, max_value=63), st.integers(min_value=0, max_value=2 ** 64),
       st.integers(min_value=1, max_value=256), st.booleans())
def test_names_round_trip(level: int, index: int, width: int, entries: bool) -> None:
    """Every name parses back to what made it, within the length limit."""
    path = entries_path(index, width) if entries else tile_path(level, index, width)
    assert len(path) <= MAX_PATH_LENGTH
    assert parse_tile_path(path) == (None if entries else level, index, width)


@pytest.mark.parametrize(("path", "message"), [
    ("tile/0/" + "x001/" * 20 + "001", "a tile path has at most 64 characters, got 110"),
    ("tile/0/00\u0665", "a tile path is ASCII only"),
    ("tiles/0/001", "a tile path looks like tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>], "
                    "got 'tiles/0/001'"),
    ("tile/0", "a tile path looks like"),
    ("tile/07/001", "the tile level must be a decimal number without leading zeros, got '07'"),
    ("tile/64/001", "the tile level must be in 0..63, got 64"),
    ("tile/-1/001", "the tile level must be a decimal number without leading zeros, got '-1'"),
    ("tile/data/001", "the tile level must be a decimal number without leading zeros, got "
                      "'data'"),
    ("tile/0/1", "tile index element 1 must be three digits (index 1234067 is x001/x234/067), "
                 "got '1'"),
    ("tile/0/0001", "tile index element 1 must be three digits"),
    ("tile/0/001/234", "tile index element 1 must be 'x' and three digits"),
    ("tile/0/x001/", "tile index element 2 must be three digits"),
    ("tile/0/x000/005", "a tile index has no leading x000 element"),
    ("tile/0/x001/x002/x003/x004/x005/x006/x007/008", "a tile index has 1 to 7 path elements, "
                                                      "got 8"),
    ("tile/0/001.p/256", "the partial tile's width must be in 1..255, got 256"),
    ("tile/0/001.p/0", "the partial tile's width must be in 1..255, got 0"),
    ("tile/0/001.p/07", "the partial tile's width must be a decimal number without leading "
                        "zeros, got '07'"),
    ("tile/0/001.p/", "the partial tile's width must be a decimal number"),
    ("tile/0/001.p", "tile index element 1 must be three digits"),
    ("tile/entries/x001.p/3/001", "tile index element 1 must be 'x' and three digits"),
])
def test_off_spec_paths_are_refused_with_what_is_wrong(path: str, message: str) -> None:
    """Each malformed name raises ValueError saying what is off and what is expected."""
    with pytest.raises(ValueError) as caught:
        parse_tile_path(path)
    assert str(caught.value).startswith(message)


def test_making_names_out_of_range_is_refused() -> None:
    """Levels past 63, widths outside 1..256 and negative indexes have no name."""
    with pytest.raises(ValueError, match=r"a tile's level is in 0\.\.63, got 64"):
        tile_path(64, 0, 256)
    with pytest.raises(ValueError, match=r"a tile's width is in 1\.\.256, got 0"):
        entries_path(0, 0)
    with pytest.raises(ValueError, match="a tile index is in 0"):
        tile_path(0, -1, 1)


@given(st.lists(st.binary(max_size=300), max_size=20))
def test_entry_bundles_round_trip(entries: list[bytes]) -> None:
    """A bundle is uint16 big-endian length-prefixed entries, and parses back."""
    bundle = entry_bundle(entries)
    assert len(bundle) == sum(2 + len(e) for e in entries)
    assert parse_entry_bundle(bundle) == entries


def test_entry_bundle_bytes() -> None:
    """The exact encoding, and refusals for oversize entries and truncated bundles."""
    assert entry_bundle([b"ab", b"", b"c" * 256]) == (b"\x00\x02ab\x00\x00\x01\x00"
                                                      + b"c" * 256)
    with pytest.raises(ValueError, match="entry 1 has 65536 bytes; an entry bundle holds "
                                         "entries of at most 65535 bytes"):
        entry_bundle([b"", b"x" * 65536])
    with pytest.raises(ValueError, match="ends inside a length prefix at byte 4"):
        parse_entry_bundle(b"\x00\x02ab\x00")
    with pytest.raises(ValueError, match="entry 0 of the bundle claims 3 bytes; only 2 remain"):
        parse_entry_bundle(b"\x00\x03ab")
