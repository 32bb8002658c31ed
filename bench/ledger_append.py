"""Durable ledger appends per second (fsync'd group commit), as the gateway makes them.

Concurrent writers each await their entry being on disk before appending the next, as a
request does before its data leaves; a single writer shows the cost of one commit.
``--engine postgresql`` appends to a throwaway schema in CASELINE_TEST_POSTGRES (each batch
taking the sequencer's advisory lock). Prints JSON. Target: >= 5,000 durable appends/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

from _harness import ROOT  # noqa: F401 - puts tests/ on the path for support.databases
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.ledger.entries import Entry, EntryKind
from aggregator.ledger.ledger import Ledger
from aggregator.ledger.note import NoteSigner
from support.databases import fresh_database_url

DURABILITY = {"sqlite": "SQLite WAL, synchronous=FULL (fsync per commit)",
              "postgresql": "PostgreSQL commit (synchronous_commit as the server sets it), "
                            "advisory lock per batch"}


def _entry(n: int) -> Entry:
    subject, actor = f"psn_{n % 1000:04d}", f"psn_{n % 97:04d}"
    agencies = ("courts", "immigration", "labor")
    return Entry(EntryKind.ACCESS, {
        "decision": "ALLOW", "subject": subject, "actor": actor, "agencies": list(agencies),
        "scopes": ["DETAILS", "IDENTITY", "STATUS"], "consent": "self",
        "purpose": "SELF_ACCESS"}, subject=subject, actor=actor, agencies=agencies,
        consent="self")


async def _run(ledger: Ledger, writers: int, per_writer: int) -> float:
    async def writer(w: int) -> None:
        for i in range(per_writer):
            await ledger.append(_entry(w * per_writer + i))

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(writers)))
    return time.perf_counter() - started


async def main() -> None:
    """Run and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--writers", type=int, default=64)
    parser.add_argument("--engine", choices=sorted(DURABILITY), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, \
            fresh_database_url(args.engine, Path(tmp)) as where:
        ledger = Ledger(where,
                        NoteSigner("bench.localhost/ledger", Ed25519PrivateKey.generate()))
        try:
            single_n = 2_000
            single_s = await _run(ledger, 1, single_n)
            per_writer = max(1, args.entries // args.writers)
            concurrent_s = await _run(ledger, args.writers, per_writer)
            total = args.writers * per_writer
            checkpoints = sum(1 for _ in ledger.store.checkpoints(1, ledger.size))
        finally:
            ledger.close()
    print(json.dumps({
        "benchmark": "ledger_append", "engine": args.engine,
        "durability": DURABILITY[args.engine],
        "one_writer": {"appends": single_n, "seconds": round(single_s, 2),
                       "appends_per_s": round(single_n / single_s)},
        "concurrent": {"writers": args.writers, "appends": total,
                       "seconds": round(concurrent_s, 2),
                       "appends_per_s": round(total / concurrent_s)},
        "commits": checkpoints, "mean_batch": round((single_n + total) / checkpoints, 1),
        "target_appends_per_s": 5000,
    }, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
