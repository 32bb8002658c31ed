"""The ledger's C2SP tlog-tiles over HTTP (https://c2sp.org/tlog-tiles), beside
/ledger/checkpoint: ``/ledger/tile/<L>/<N>[.p/<W>]`` (hash tiles, public, so any auditor or
witness verifies with standard tlog tools) and ``/ledger/tile/entries/<N>[.p/<W>]`` (entry
bundles, auditors only, like /ledger/export: entries name pseudonyms).

Only the latest checkpoint's tree is served: a tile or width past it is 404, as the spec wants
no empty tiles and no tiles a client could not have learned about from a checkpoint.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from aggregator.ledger.tile_paths import TILE_WIDTH, parse_tile_path
from aggregator.ports import LedgerPort

__all__ = ["FULL_TILE_CACHE", "PARTIAL_TILE_CACHE", "tile_endpoint"]

# A full tile never changes; a partial one of a given width never does either, but the log
# may drop it once the full tile exists, so it is cached briefly. Entry bundles are served to
# auditors only: "private" keeps them out of shared caches.
FULL_TILE_CACHE = "max-age=31536000, immutable"
PARTIAL_TILE_CACHE = "max-age=60"

Auditor = Callable[[Request], Awaitable[Response | None]]


def tile_endpoint(ledger: LedgerPort, auditor: Auditor) -> Callable[[Request],
                                                                    Awaitable[Response]]:
    """The handler of ``/ledger/tile/{path:path}``; ``auditor`` returns the refusal to send
    (401 or 403) or None for an auditor."""

    async def tile(request: Request) -> Response:
        try:
            level, index, width = parse_tile_path("tile/" + request.path_params["path"])
        except ValueError as exc:
            return JSONResponse({"error": f"not a tlog-tiles path: {exc}"}, status_code=400)
        if level is None:
            refused = await auditor(request)
            if refused is not None:
                return refused
            data = await run_in_threadpool(ledger.entry_bundle, index, width)
            scope = "private"
        else:
            data = await run_in_threadpool(ledger.hash_tile, level, index, width)
            scope = "public"
        if data is None:
            return JSONResponse({"error": "no such tile in the tree of the latest checkpoint"},
                                status_code=404)
        cache = FULL_TILE_CACHE if width == TILE_WIDTH else PARTIAL_TILE_CACHE
        return Response(data, media_type="application/octet-stream",
                        headers={"Cache-Control": f"{scope}, {cache}"})

    return tile
