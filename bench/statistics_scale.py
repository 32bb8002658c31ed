"""GetProcessingStatistics at 10k vs 5M cases (issue 18: target <= 2x).

Seeds two stores of one agency (cached under bench/results/, or --store-dir; the same files as
bench/adapter_scale.py, so either benchmark reuses the other's seeding), serves each with a
real adapter on a loopback port, and times the RPC for three requests: the default period
agency-wide, one office, and 36 months. Each is timed computing every call (cache off: a
read of the summary tables and the figures) and as served (answers cached until the case
type's summary changes). Never run in CI: seeding 5,000,000 cases takes a quarter of an hour.

    .venv/bin/python bench/statistics_scale.py                      # 10k vs 5M
    .venv/bin/python bench/statistics_scale.py --large 200000       # a quick look
    .venv/bin/python bench/statistics_scale.py --rebuild            # also time a rebuild
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import grpc
from _harness import RESULTS, percentiles, time_async

from adapters.reference.catalog import profile
from adapters.reference.demo_store import DemoStore, reference_classifier
from adapters.reference.seed import seed_store
from adapters.reference.statistics_summary import build_summary
from adapters.sdk import AdapterServer, AdapterServicer, ConsentTokenVerifier, MappingTable
from adapters.sdk.sealing import CaseSealer, CustodianKeys
from aggregator.consent.tokens import ConsentTokenIssuer
from aggregator.vault.key_files import load_or_create_ed25519
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
from caseline.v1 import vocabulary_pb2

# As bench/adapter_scale.py: the same seed and day give the same cached files.
TODAY = date(2026, 11, 1)
SEED = 11
CALLS = 40


def ensure_store(directory: Path, agency: str, cases: int) -> tuple[Path, float | None]:
    """The cached store with ``cases`` generated cases; seeding seconds if seeded now."""
    path = directory / f"{agency}-{cases}.sqlite3"
    if path.exists():
        return path, None
    started = time.perf_counter()
    seed_store(path, agency, cases=cases, seed=SEED, today=TODAY, progress=True)
    return path, time.perf_counter() - started


def _servicer(agency: str, store: DemoStore, jwks: Path, cache: int) -> AdapterServicer:
    agency_profile = profile(agency)
    # The clock is the seeding day: the default period is the six months before it.
    now = datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC)
    return AdapterServicer(agency_profile, store, MappingTable.load(agency_profile.mapping_path),
                           ConsentTokenVerifier(agency, jwks), CaseSealer(agency,
                                                                          CustodianKeys(jwks)),
                           clock=lambda: now, statistics_cache=cache)


def _requests(path: Path, case_type: str) -> dict[str, pb.GetProcessingStatisticsRequest]:
    with sqlite3.connect(path) as db:
        office = db.execute("SELECT office FROM stat_done WHERE case_type = ? ORDER BY n DESC"
                            " LIMIT 1", (case_type,)).fetchone()[0]
    return {
        "default_agency_wide": pb.GetProcessingStatisticsRequest(case_type=case_type),
        "one_office": pb.GetProcessingStatisticsRequest(case_type=case_type, office=office),
        "36_months": pb.GetProcessingStatisticsRequest(
            case_type=case_type, first_month="2023-11", last_month="2026-10"),
    }


async def measure(agency: str, case_type: str, path: Path, jwks: Path) -> dict[str, object]:
    """Open time, latencies uncached and cached per request, and the default figures."""
    started = time.perf_counter()
    store = DemoStore(path)
    opened_s = time.perf_counter() - started
    result: dict[str, object] = {"open_s": round(opened_s, 3), "cases": store.count_cases()}
    for label, cache in (("uncached", 0), ("cached", 512)):
        server = AdapterServer(_servicer(agency, store, jwks, cache))
        port = await server.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = pb_grpc.AgencyAdapterStub(channel)
                for name, request in _requests(path, case_type).items():
                    async def one(request: pb.GetProcessingStatisticsRequest = request,
                                  stub: pb_grpc.AgencyAdapterStub = stub
                                  ) -> pb.GetProcessingStatisticsResponse:
                        return await stub.GetProcessingStatistics(request, timeout=60)

                    first = time.perf_counter()
                    answer = await one()
                    first_s = time.perf_counter() - first
                    samples = await time_async(one, CALLS, warmup=2)
                    result[f"{label}:{name}"] = {"first_ms": round(first_s * 1000, 2),
                                                 **percentiles(samples)}
                    if label == "uncached" and name == "default_agency_wide":
                        agency_row = answer.offices[-1]
                        p = agency_row.period
                        result["figures"] = {
                            "period": f"{answer.first_month}..{answer.last_month}",
                            "offices": len(answer.offices) - 1, "completed": p.completed,
                            "median_days": p.median_days, "p80_days": p.p80_days,
                            "within_target_share": round(p.within_target_share, 3),
                            "withheld_cells": p.withheld_cells,
                            "pending": {vocabulary_pb2.Milestone.Name(x.milestone): x.count
                                        for x in agency_row.pending}}
        finally:
            await server.stop(0)
    return result


def time_rebuild(agency: str, path: Path) -> float:
    """Seconds to rebuild the summary in bulk (what an older store costs once on open)."""
    classifier = reference_classifier(agency)
    assert classifier is not None
    conn = sqlite3.connect(path)
    started = time.perf_counter()
    build_summary(conn, classifier)
    conn.close()
    return round(time.perf_counter() - started, 2)


async def main() -> None:
    """Run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agency", default="immigration")
    parser.add_argument("--case-type", default="I-765")
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=5_000_000)
    parser.add_argument("--store-dir", type=Path, default=RESULTS,
                        help="where seeded stores are cached (default bench/results)")
    parser.add_argument("--rebuild", action="store_true",
                        help="also time rebuilding each store's summary in bulk")
    args = parser.parse_args()
    args.store_dir.mkdir(parents=True, exist_ok=True)
    issuer = ConsentTokenIssuer(load_or_create_ed25519(args.store_dir / "consent.pem"))
    issuer.write_jwks(args.store_dir / "jwks.json")
    jwks = args.store_dir / "jwks.json"
    report: dict[str, object] = {"benchmark": "statistics_scale", "agency": args.agency,
                                 "case_type": args.case_type}
    sizes = {}
    for size in (args.small, args.large):
        path, seeded_s = ensure_store(args.store_dir, args.agency, size)
        sizes[size] = await measure(args.agency, args.case_type, path, jwks)
        sizes[size]["seeding_s"] = None if seeded_s is None else round(seeded_s, 1)
        sizes[size]["store_bytes"] = path.stat().st_size
        if args.rebuild:
            sizes[size]["summary_rebuild_s"] = time_rebuild(args.agency, path)
    report["small"], report["large"] = sizes[args.small], sizes[args.large]
    ratios = {}
    for key, value in sizes[args.large].items():
        if ":" in key and isinstance(value, dict):
            small = sizes[args.small][key]
            assert isinstance(small, dict)
            ratios[key] = round(value["p50_ms"] / small["p50_ms"], 2)
    report["ratio_p50_large_over_small"] = ratios
    report["target"] = "<= 2x"
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
