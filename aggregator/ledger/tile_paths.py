"""C2SP tlog-tiles resource names and entry bundles (https://c2sp.org/tlog-tiles).

Hash tiles are named ``tile/<L>/<N>[.p/<W>]`` and entry bundles ``tile/entries/<N>[.p/<W>]``:
``<L>`` is the level (0..63), ``<N>`` the tile's index in 3-digit path elements, all but the
last prefixed with ``x`` (1234067 is ``x001/x234/067``), and ``.p/<W>`` (1..255) marks a
partial tile of ``W`` hashes or entries. Parsing follows golang.org/x/mod/sumdb/tlog's
``ParseTilePath`` (BSD-3-Clause) but accepts only the canonical spelling, so every tile has
one name. Written by hand: no maintained Python library implements tlog-tiles.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "MAX_ENTRY_BYTES",
    "MAX_LEVEL",
    "MAX_PATH_LENGTH",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "entries_path",
    "entry_bundle",
    "parse_entry_bundle",
    "parse_tile_path",
    "tile_path",
]

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63
MAX_ENTRY_BYTES = 0xFFFF  # a bundle prefixes each entry with its length as a uint16

# Seven index elements reach 10**21 tiles, past any tree of 2**64 leaves; the longest name is
# "tile/entries/" + "x999/" * 6 + "999" + ".p/255" (51 characters).
_MAX_INDEX_ELEMENTS = 7
MAX_PATH_LENGTH = 64
_DIGITS = frozenset("0123456789")


def _encode_index(index: int) -> str:
    elements = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        elements.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(elements))


def _check(index: int, width: int) -> None:
    if not 0 <= index < 1000 ** _MAX_INDEX_ELEMENTS:
        raise ValueError(f"a tile index is in 0..{1000 ** _MAX_INDEX_ELEMENTS - 1}, "
                         f"got {index}")
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"a tile's width is in 1..{TILE_WIDTH}, got {width}")


def _suffix(width: int) -> str:
    return "" if width == TILE_WIDTH else f".p/{width}"


def tile_path(level: int, index: int, width: int) -> str:
    """The name of a hash tile, e.g. ``tile/0/x001/234.p/7``; a full tile (width 256) has no
    ``.p/`` suffix."""
    if not 0 <= level <= MAX_LEVEL:
        raise ValueError(f"a tile's level is in 0..{MAX_LEVEL}, got {level}")
    _check(index, width)
    return f"tile/{level}/{_encode_index(index)}{_suffix(width)}"


def entries_path(index: int, width: int) -> str:
    """The name of an entry bundle, e.g. ``tile/entries/x001/234.p/7``."""
    _check(index, width)
    return f"tile/entries/{_encode_index(index)}{_suffix(width)}"


def _decimal(text: str, what: str, low: int, high: int) -> int:
    if not text or not set(text) <= _DIGITS or (len(text) > 1 and text[0] == "0"):
        raise ValueError(f"the {what} must be a decimal number without leading zeros, "
                         f"got {text!r}")
    value = int(text)
    if not low <= value <= high:
        raise ValueError(f"the {what} must be in {low}..{high}, got {value}")
    return value


def _decode_index(elements: Sequence[str]) -> int:
    if not 1 <= len(elements) <= _MAX_INDEX_ELEMENTS:
        raise ValueError(f"a tile index has 1 to {_MAX_INDEX_ELEMENTS} path elements, got "
                         f"{len(elements)}")
    index = 0
    for position, element in enumerate(elements):
        last = position == len(elements) - 1
        digits = element if last else element[1:]
        if (not last and not element.startswith("x")) or len(digits) != 3 \
                or not set(digits) <= _DIGITS:
            shape = "three digits" if last else "'x' and three digits"
            raise ValueError(f"tile index element {position + 1} must be {shape} (index "
                             f"1234067 is x001/x234/067), got {element!r}")
        index = index * 1000 + int(digits)
    if len(elements) > 1 and elements[0] == "x000":
        raise ValueError("a tile index has no leading x000 element (index 5 is 005, not "
                         "x000/005)")
    return index


def parse_tile_path(path: str) -> tuple[int | None, int, int]:
    """(level, index, width) of ``tile/<L>/<N>[.p/<W>]``, level None for
    ``tile/entries/<N>[.p/<W>]``; width 256 for a full tile. ValueError says what is off."""
    if len(path) > MAX_PATH_LENGTH:
        raise ValueError(f"a tile path has at most {MAX_PATH_LENGTH} characters, got "
                         f"{len(path)}")
    if not path.isascii():
        raise ValueError("a tile path is ASCII only")
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise ValueError(f"a tile path looks like tile/<L>/<N>[.p/<W>] or "
                         f"tile/entries/<N>[.p/<W>], got {path!r}")
    level = None if parts[1] == "entries" else _decimal(parts[1], "tile level", 0, MAX_LEVEL)
    elements = parts[2:]
    width = TILE_WIDTH
    if len(elements) >= 2 and elements[-2].endswith(".p"):
        width = _decimal(elements[-1], "partial tile's width", 1, TILE_WIDTH - 1)
        elements = [*elements[:-2], elements[-2].removesuffix(".p")]
    return level, _decode_index(elements), width


def entry_bundle(entries: Sequence[bytes]) -> bytes:
    """Entries as a tlog-tiles entry bundle: each prefixed by its length, a big-endian
    uint16."""
    parts: list[bytes] = []
    for position, entry in enumerate(entries):
        if len(entry) > MAX_ENTRY_BYTES:
            raise ValueError(f"entry {position} has {len(entry)} bytes; an entry bundle holds "
                             f"entries of at most {MAX_ENTRY_BYTES} bytes")
        parts.append(len(entry).to_bytes(2, "big"))
        parts.append(entry)
    return b"".join(parts)


def parse_entry_bundle(bundle: bytes) -> list[bytes]:
    """The entries of an entry bundle; ValueError if it is cut short."""
    entries: list[bytes] = []
    offset = 0
    while offset < len(bundle):
        if offset + 2 > len(bundle):
            raise ValueError(f"the entry bundle ends inside a length prefix at byte {offset}")
        length = int.from_bytes(bundle[offset:offset + 2], "big")
        offset += 2
        if offset + length > len(bundle):
            raise ValueError(f"entry {len(entries)} of the bundle claims {length} bytes; only "
                             f"{len(bundle) - offset} remain")
        entries.append(bundle[offset:offset + length])
        offset += length
    return entries
