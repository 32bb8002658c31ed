"""Memory of a process appending to the ledger: RSS growth per 100,000 entries.

The ledger keeps its Merkle tree in storage as tlog-tiles, holding only its head, an
O(log n) frontier and a bounded cache of full tiles (``--cached-tiles``, 8 KiB each: it
fills by 256 entries per tile); once the cache is full, a process appending and proving
should not grow with the ledger. Appends come 2,048 at a time (large group commits, so the
run is quick); after each step the bench also asks a root, an inclusion proof and a
consistency proof, as a gateway serving auditors would. Prints JSON.

    .venv/bin/python bench/ledger_memory.py                      # SQLite, 500,000 entries
    .venv/bin/python bench/ledger_memory.py --engine postgresql  # a throwaway schema in
                                                                 # CASELINE_TEST_POSTGRES
Target: once the tile cache is full, growth per 100,000 entries <= 1 MiB.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from _harness import ROOT  # noqa: F401 - puts tests/ on the path for support.databases
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.ledger.entries import Entry, EntryKind
from aggregator.ledger.ledger import Ledger
from aggregator.ledger.note import NoteSigner
from aggregator.ledger.tile_cache import DEFAULT_CAPACITY
from aggregator.ledger.tiles import TILE_WIDTH
from support.databases import fresh_database_url

STEP = 100_000
CHUNK = 2048


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _entry(n: int) -> Entry:
    subject, actor = f"psn_{n % 1000:04d}", f"psn_{n % 97:04d}"
    return Entry(EntryKind.ACCESS, {
        "decision": "ALLOW", "subject": subject, "actor": actor, "agencies": ["labor"],
        "scopes": ["STATUS"], "consent": "self", "purpose": "SELF_ACCESS", "n": n},
        subject=subject, actor=actor, agencies=("labor",), consent="self")


def _append(ledger: Ledger, start: int, count: int) -> None:
    for first in range(start, start + count, CHUNK):
        futures = [ledger.submit(_entry(n)) for n in range(first, min(first + CHUNK,
                                                                      start + count))]
        for future in futures:
            future.result()


def _prove(ledger: Ledger) -> None:
    size = ledger.size
    ledger.root(size // 2)
    ledger.inclusion_proof(size // 3, size)
    ledger.consistency_proof(size // 5, size)


def run(location: Path | str, entries: int, cached_tiles: int) -> dict[str, object]:
    """Append ``entries`` and measure RSS after each step of 100,000."""
    ledger = Ledger(location, NoteSigner("bench.localhost/ledger",
                                         Ed25519PrivateKey.generate()),
                    cached_tiles=cached_tiles)
    try:
        steps = []
        before = _rss_mib()
        started = time.perf_counter()
        for start in range(0, entries, STEP):
            _append(ledger, start, min(STEP, entries - start))
            _prove(ledger)
            after = _rss_mib()
            steps.append({"entries": ledger.size, "rss_mib": round(after, 1),
                          "growth_mib": round(after - before, 1)})
            before = after
        seconds = time.perf_counter() - started
    finally:
        ledger.close()
    full_at = cached_tiles * TILE_WIDTH
    later = [float(str(s["growth_mib"])) for s in steps
             if int(str(s["entries"])) - STEP >= full_at]
    return {"entries": entries, "seconds": round(seconds, 1),
            "appends_per_s": round(entries / seconds), "steps": steps,
            "tile_cache": {"tiles": cached_tiles, "mib": cached_tiles * 8 / 1024,
                           "full_after_entries": full_at},
            "growth_per_100k_once_cache_full_mib": (round(sum(later) / len(later), 2)
                                                    if later else None),
            "target_growth_per_100k_mib": 1.0}


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--entries", type=int, default=500_000)
    parser.add_argument("--cached-tiles", type=int, default=DEFAULT_CAPACITY)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, \
            fresh_database_url(args.engine, Path(tmp)) as where:
        result = run(where, args.entries, args.cached_tiles)
    print(json.dumps({"benchmark": "ledger_memory", "engine": args.engine, **result},
                     indent=2))


if __name__ == "__main__":
    main()
