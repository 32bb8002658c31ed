"""Adapter lookup latency at 10k vs 5M cases (the store's indexes must make size irrelevant).

Seeds two immigration stores (cached under bench/results/), serves each with a real adapter,
and times single-number LookupCases for numbers spread across the whole store.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import sys
import time
from datetime import date
from pathlib import Path

import grpc
from _harness import RESULTS, percentiles, time_async

from adapters.reference.catalog import profile
from adapters.reference.demo_store import DemoStore
from adapters.reference.seed import seed_store
from adapters.sdk import AdapterServer, build_servicer
from aggregator.consent.tokens import ConsentTokenIssuer
from aggregator.vault.key_files import load_or_create_ed25519
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc

TODAY = date(2026, 11, 1)


def ensure_store(agency: str, cases: int) -> tuple[Path, float | None]:
    """The cached store with ``cases`` generated cases; seeding seconds if seeded now."""
    path = RESULTS / f"{agency}-{cases}.sqlite3"
    if path.exists():
        return path, None
    started = time.perf_counter()
    seed_store(path, agency, cases=cases, seed=11, today=TODAY, progress=True)
    return path, time.perf_counter() - started


def sample_numbers(path: Path, k: int) -> list[str]:
    """``k`` case numbers spread over the store (by rowid-free random offsets)."""
    with sqlite3.connect(path) as db:
        total = db.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
        rng = random.Random(5)
        return [db.execute("SELECT number FROM cases LIMIT 1 OFFSET ?",
                           (rng.randrange(total),)).fetchone()[0] for _ in range(k)]


async def lookup_latency(agency: str, path: Path, jwks: Path, n: int) -> dict[str, float]:
    """Sequential LookupCases latency for single random numbers."""
    numbers = sample_numbers(path, 200)
    server = AdapterServer(build_servicer(profile(agency), DemoStore(path), jwks))
    port = await server.start()
    rng = random.Random(9)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.AgencyAdapterStub(channel)

            async def one() -> object:
                request = pb.LookupCasesRequest(case_numbers=[rng.choice(numbers)])
                return await stub.LookupCases(request)

            samples = await time_async(one, n, warmup=200)
    finally:
        await server.stop(0)
    return percentiles(samples)


async def main() -> None:
    """Run the benchmark and print JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--agency", default="immigration")
    parser.add_argument("--large", type=int, default=5_000_000)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    issuer = ConsentTokenIssuer(load_or_create_ed25519(RESULTS / "consent.pem"))
    issuer.write_jwks(RESULTS / "jwks.json")
    small, small_seed_s = ensure_store(args.agency, 10_000)
    large, large_seed_s = ensure_store(args.agency, args.large)
    small_p = await lookup_latency(args.agency, small, RESULTS / "jwks.json", 3000)
    large_p = await lookup_latency(args.agency, large, RESULTS / "jwks.json", 3000)
    print(json.dumps({
        "benchmark": "adapter_scale", "agency": args.agency,
        "small_cases": 10_000, "large_cases": args.large,
        "seeding_seconds": {"small": small_seed_s, "large": large_seed_s},
        "large_store_bytes": large.stat().st_size,
        "lookup_small": small_p, "lookup_large": large_p,
        "ratio_p50": round(large_p["p50_ms"] / small_p["p50_ms"], 2)}, indent=2))


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
