"""An auditor's tlog-tiles client, written apart from aggregator.ledger.tiles so that a test
checks the served tiles against the spec rather than against the code that made them.

It trusts only a pinned verifier key: it opens a signed checkpoint, fetches the tiles that
checkpoint implies (no partial tile wider than it says), recomputes roots and RFC 9162 proofs
by the RFC's own recursion, and leaves checking them to merkle.verify_*.
"""

from __future__ import annotations

import httpx

from aggregator.ledger.merkle import node_hash
from aggregator.ledger.note import Checkpoint, NoteVerifier

__all__ = ["TileClient", "bundle_entries", "tile_name"]

WIDTH = 256


def tile_name(level: int | str, index: int, width: int) -> str:
    """``tile/<L>/<N>[.p/<W>]`` straight from the spec's wording (level "entries" for
    bundles)."""
    elements = [f"{index % 1000:03d}"]
    index //= 1000
    while index > 0:
        elements.insert(0, f"x{index % 1000:03d}")
        index //= 1000
    suffix = "" if width == WIDTH else f".p/{width}"
    return f"tile/{level}/{'/'.join(elements)}{suffix}"


def bundle_entries(bundle: bytes) -> list[bytes]:
    """The entries of an entry bundle (uint16 big-endian length prefixes)."""
    entries, offset = [], 0
    while offset < len(bundle):
        length = int.from_bytes(bundle[offset:offset + 2], "big")
        entries.append(bundle[offset + 2:offset + 2 + length])
        offset += 2 + length
    if offset != len(bundle):
        raise ValueError("the entry bundle is cut short")
    return entries


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class TileClient:
    """Reads a log at ``prefix`` (e.g. http://host/ledger) over ``http``; tiles are fetched
    once each and counted in ``fetched``."""

    def __init__(self, http: httpx.AsyncClient, prefix: str, verifier_key: str) -> None:
        self._http = http
        self._prefix = prefix.rstrip("/")
        self._verifier = NoteVerifier.from_vkey(verifier_key)
        self._tiles: dict[str, bytes] = {}
        self.fetched: list[str] = []

    async def checkpoint(self) -> Checkpoint:
        """The log's latest checkpoint, its signature checked against the pinned key."""
        response = await self._http.get(f"{self._prefix}/checkpoint")
        response.raise_for_status()
        return self._verifier.open(response.text)

    async def get(self, name: str, token: str | None = None) -> httpx.Response:
        """One resource under the prefix, as it comes."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self._http.get(f"{self._prefix}/{name}", headers=headers)

    async def entries(self, bundle: int, size: int, token: str) -> list[bytes]:
        """The entries of bundle ``bundle`` as of a tree of ``size`` (an auditor's token)."""
        width = min(WIDTH, size - bundle * WIDTH)
        response = await self.get(tile_name("entries", bundle, width), token)
        response.raise_for_status()
        entries = bundle_entries(response.content)
        if len(entries) != width:
            raise ValueError(f"bundle {bundle} has {len(entries)} entries, not {width}")
        return entries

    async def _hash(self, level: int, position: int, size: int) -> bytes:
        # The tile's width is what the checkpoint's size implies: floor(size / 256**level)
        # hashes at this level, 256 per tile.
        index = position // WIDTH
        width = min(WIDTH, (size // WIDTH ** level) - index * WIDTH)
        name = tile_name(level, index, width)
        tile = self._tiles.get(name)
        if tile is None:
            response = await self.get(name)
            response.raise_for_status()
            if response.headers["content-type"] != "application/octet-stream":
                raise ValueError(f"{name} came as {response.headers['content-type']}")
            tile = response.content
            if len(tile) != 32 * width:
                raise ValueError(f"{name} has {len(tile)} bytes, not {32 * width}")
            self._tiles[name] = tile
            self.fetched.append(name)
        offset = (position % WIDTH) * 32
        return tile[offset:offset + 32]

    async def mth(self, start: int, end: int, size: int) -> bytes:
        """MTH(D[start:end]) of the tree of ``size``: a stored hash where the range is one,
        else the RFC's split."""
        n = end - start
        if n == 1:
            return await self._hash(0, start, size)
        level, span = 1, WIDTH
        while span < n:
            level, span = level + 1, span * WIDTH
        if span == n and start % n == 0:
            return await self._hash(level, start // n, size)
        k = _split(n)
        return node_hash(await self.mth(start, start + k, size),
                         await self.mth(start + k, end, size))

    async def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[size]) (RFC 9162 §2.1.3.1) from tiles."""
        async def path(m: int, start: int, end: int) -> list[bytes]:
            if end - start <= 1:
                return []
            k = _split(end - start)
            if m < k:
                return [*await path(m, start, start + k), await self.mth(start + k, end, size)]
            return [*await path(m - k, start + k, end), await self.mth(start, start + k, size)]
        return await path(index, 0, size)

    async def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """PROOF(size1, D[size2]) (RFC 9162 §2.1.4.1) from tiles."""
        async def subproof(m: int, start: int, end: int, whole: bool) -> list[bytes]:
            if m == end - start:
                return [] if whole else [await self.mth(start, end, size2)]
            k = _split(end - start)
            if m <= k:
                return [*await subproof(m, start, start + k, whole),
                        await self.mth(start + k, end, size2)]
            return [*await subproof(m - k, start + k, end, False),
                    await self.mth(start, start + k, size2)]
        return await subproof(size1, 0, size2, True)
