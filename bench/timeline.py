"""Timeline through the gateway vs the slowest single adapter call, and throughput.

A bench subject is linked to cases at all three agencies. In one run we measure:
- each adapter's ListSubjectCases latency, called directly over gRPC (sequential);
- the gateway's timeline latency (sequential, one keep-alive connection);
- throughput and latency under load with wrk (if installed).
Prints JSON; the ratio timeline_p50 / slowest_adapter_p50 is the fan-out overhead.

``--compare-sealing`` (or ``--compare-access-logging``, ``--compare-tls``) first alternates
demo runs without and with that feature (two each) and reports what it costs in throughput
and latency. Production has no switch for access logging, sealing or mutual TLS: those runs
are served by gateways the bench composes itself (bench/variants.py) and, for sealing and
TLS, by adapters it composes itself over the demo's data (bench/variant_adapters.py:
unsealed, or plaintext to loopback); the side with the safeguard is served the same way
(the ``baseline`` gateway and adapters).
``--workers N`` runs N gateway processes (`caseline demo --workers N`); the default is one per
CPU core, as a deployment would run it. ``--workers 1`` shows what one process manages.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from _harness import RESULTS, adapter_channel, percentiles, start_demo, time_async
from variant_adapters import RunningAdapters, start_variant_adapters
from variants import start_gateway

from aggregator.bootstrap import consent_key, open_state
from aggregator.consent.tokens import ConsentTokenIssuer
from aggregator.state import StatePaths
from aggregator.vault import Keyring
from aggregator.vault.key_files import load_or_create_ed25519
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
from deploy.demo.state import DemoState
from gateway.auth import DevIssuer

SUBJECT = "bench"
QUERY = ("query { viewer { timeline { events { at agency { id name } caseNumber category "
         "milestone title description agencyCode agencyText actionRequired dueDate } "
         "unavailable { agency { id } code message } } } }")
ADAPTER_PORT = re.compile(r"(immigration|labor|courts) 127\.0\.0\.1:(\d+)")


# One case per program at labor, the court case, and one USCIS case: 20 events, the size of
# timeline the issue's baseline figures were measured with.
BENCH_CASES = {"courts": ["A201555123"], "immigration": ["IOE0990000012"],
               "labor": ["G-100-24218-604417", "P-100-23263-318274", "I-200-26126-471205"]}


def link_bench_subject(state_dir: Path) -> dict[str, list[str]]:
    """Link the bench subject to cases at all three agencies."""
    store, _ = open_state(StatePaths(state_dir))
    for link in store.links_for(SUBJECT):  # from an earlier run with other cases
        store.remove_link(SUBJECT, link.agency_id, link.case_number)
    for agency_id, numbers in BENCH_CASES.items():
        for number in numbers:
            # A case is linked to one subject: in this bench-only state directory the bench
            # subject takes the personas' cases over.
            for holder in store.holders(agency_id, number):
                if holder.subject_id != SUBJECT:
                    store.remove_link(holder.subject_id, agency_id, number)
            store.add_link(SUBJECT, agency_id, number)
            if [h.subject_id for h in store.holders(agency_id, number)] != [SUBJECT]:
                raise RuntimeError(f"could not link {agency_id} {number} to the bench subject")
    store.close()
    return BENCH_CASES


async def adapter_latencies(state_dir: Path, ports: dict[str, int],
                            cases: dict[str, list[str]], n: int) -> dict[str, dict[str, float]]:
    """Direct ListSubjectCases latency per agency, with tokens from the real issuer."""
    issuer = ConsentTokenIssuer(consent_key(StatePaths(state_dir),
                                            Keyring.in_state_dir(state_dir)))
    results = {}
    for agency_id, port in ports.items():
        # The scopes the gateway's token carries for a subject's own timeline: the same work
        # at the adapter (without IDENTITY it would also mask identifiers in every text).
        token = issuer.issue(agency_id=agency_id, subject="psn_bench",
                             case_numbers=cases[agency_id],
                             scopes=("STATUS", "DETAILS", "IDENTITY"),
                             purpose="SELF_ACCESS", consent_id="self")
        async with adapter_channel(state_dir, port) as channel:
            stub = pb_grpc.AgencyAdapterStub(channel)
            call = partial(stub.ListSubjectCases, pb.ListSubjectCasesRequest(consent_token=token))
            samples = await time_async(call, n)
        results[agency_id] = percentiles(samples)
    return results


async def gateway_latency(url: str, token: str, n: int) -> tuple[dict[str, Any], int]:
    """Sequential timeline latency through the gateway, and the number of events.

    Measured with wrk on one connection when it is installed: httpx spends some 0.5-0.8 ms of
    its own CPU per request, more than the gRPC client the adapter calls are timed with, and
    that would count against the gateway. Without wrk, httpx (and the JSON says so).
    """
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as client:
        body = (await client.post(url, json={"query": QUERY})).json()
        events = len(body["data"]["viewer"]["timeline"]["events"])
        if not events:  # an empty timeline would time nothing worth timing
            raise RuntimeError(f"the bench subject's timeline is empty: {body}")
        sequential = wrk_load(url, token, seconds=10, connections=1)
        if sequential is not None:
            return {"client": "wrk, 1 connection", "p50_ms": sequential["p50_ms"],
                    "p99_ms": sequential["p99_ms"], "mean_ms": sequential["mean_ms"],
                    "n": sequential["requests"]}, events
        samples = await time_async(lambda: client.post(url, json={"query": QUERY}), n)
    return {"client": "httpx", **percentiles(samples)}, events


def wrk_load(url: str, token: str, seconds: int, connections: int) -> dict[str, float] | None:
    """Throughput and latency under load, from wrk."""
    if shutil.which("wrk") is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            'wrk.method = "POST"\n'
            f"wrk.body = {json.dumps(json.dumps({'query': QUERY}))}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["Authorization"] = "Bearer {token}"\n'
            "done = function(summary, latency, requests)\n"
            '  io.write(string.format("RESULT %d %d %d %f %f %f\\n", summary.requests,'
            " summary.errors.status + summary.errors.connect + summary.errors.read"
            " + summary.errors.write + summary.errors.timeout, summary.duration,"
            " latency:percentile(50), latency:percentile(99), latency.mean))\n"
            "end\n")
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", script.name, url],
        capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in output.splitlines() if ln.startswith("RESULT"))
    requests, errors, duration_us, p50_us, p99_us, mean_us = (float(x) for x in line.split()[1:])
    return {"requests": int(requests), "errors": int(errors),
            "rps": round(requests / (duration_us / 1e6), 1), "p50_ms": round(p50_us / 1000, 2),
            "p99_ms": round(p99_us / 1000, 2), "mean_ms": round(mean_us / 1000, 2),
            "connections": connections, "seconds": seconds}


@dataclass(frozen=True)
class Comparison:
    """What `--compare-X` turns off: a gateway variant (bench/variants.py) and an adapter
    variant (bench/variant_adapters.py), each compared with the baseline; and the target for
    what X may cost."""

    name: str
    target: float
    gateway: str | None = None
    adapters: str | None = None


COMPARISONS = {
    "--compare-access-logging": Comparison("access_logging", 0.15,
                                           gateway="without_access_logging"),
    "--compare-sealing": Comparison("sealing", 0.10, gateway="without_sealing",
                                    adapters="unsealed"),
    "--compare-tls": Comparison("mutual_tls", 0.10, adapters="plaintext"),
}


async def _measure(state: Path, *, full: bool, workers: int, gateway: str | None = None,
                   adapters: str | None = None) -> dict[str, Any]:
    """One demo run: sequential timeline latency and wrk load (plus per-adapter calls);
    through ``workers`` gateway processes of variant ``gateway`` (or the baseline), over
    adapters of variant ``adapters`` when given, else the demo's."""
    bench_gateway = gateway or ("baseline" if adapters else None)
    demo = start_demo(state, "--cases", "10000",
                      "--workers", "1" if bench_gateway else str(workers))
    variant: RunningAdapters | None = None
    served = None
    try:
        cases = link_bench_subject(state)
        ports = {m.group(1): int(m.group(2))
                 for line in demo.output for m in ADAPTER_PORT.finditer(line)}
        token = DevIssuer(load_or_create_ed25519(DemoState(state).issuer_key)).issue(
            SUBJECT, "applicant", "Bench")
        mutual_tls = True
        if adapters:
            variant = await start_variant_adapters(adapters, state)
            ports, mutual_tls = variant.ports, variant.variant.mutual_tls
        if bench_gateway:
            served = start_gateway(bench_gateway, state, ports, workers, mutual_tls=mutual_tls)
        url = f"{served.url if served else demo.base_url}/graphql"
        result: dict[str, Any] = {"cases": {a: len(c) for a, c in cases.items()}}
        if full:
            result["adapter_call"] = await adapter_latencies(state, ports, cases, n=1000)
        result["timeline_sequential"], result["events"] = await gateway_latency(url, token,
                                                                                 n=1000)
        result["under_load"] = wrk_load(url, token, seconds=15, connections=16)
        return result
    finally:
        if served:
            served.stop()
        if variant:
            await variant.stop()
        demo.stop()


def _workers(argv: list[str]) -> int:
    if "--workers" not in argv:
        return os.cpu_count() or 1
    try:
        return int(argv[argv.index("--workers") + 1])
    except (IndexError, ValueError):
        raise SystemExit("--workers takes a number of gateway processes, e.g. --workers 2")\
            from None


async def main() -> None:
    """Run the benchmark and print JSON."""
    state = RESULTS / "state-10k"
    state.mkdir(parents=True, exist_ok=True)
    workers = _workers(sys.argv[1:])
    compared = [c for c in COMPARISONS if c in sys.argv[1:]]
    rounds = 2
    offs: list[dict[str, Any]] = []
    ons: list[dict[str, Any]] = []
    if compared:
        comparison = COMPARISONS[compared[0]]
        name, target = comparison.name, comparison.target
        # Both sides served alike: by the bench's gateways (and adapters) when the variant is.
        baseline = Comparison(name, target,
                              gateway="baseline" if comparison.gateway else None,
                              adapters="baseline" if comparison.adapters else None)
        # Alternate runs without and with the feature on the same data, so drift of a shared
        # machine hits both sides alike.
        for _ in range(rounds):
            offs.append(await _measure(state, full=False, workers=workers,
                                       gateway=comparison.gateway, adapters=comparison.adapters))
            ons.append(await _measure(state, full=False, workers=workers,
                                      gateway=baseline.gateway, adapters=baseline.adapters))
    main_run = await _measure(state, full=True, workers=workers)
    adapters = main_run["adapter_call"]
    timeline = main_run["timeline_sequential"]
    load = main_run["under_load"]
    slowest = max(adapters.values(), key=lambda p: p["p50_ms"])
    report: dict[str, Any] = {
        "benchmark": "timeline", "gateway_processes": workers,
        "events_per_timeline": main_run["events"],
        "cases": main_run["cases"],
        "adapter_call": adapters, "slowest_adapter_p50_ms": slowest["p50_ms"],
        "timeline_sequential": timeline,
        "fanout_overhead_ratio_p50": round(timeline["p50_ms"] / slowest["p50_ms"], 2),
        "under_load": load,
    }
    if compared:
        def rps(runs: list[dict[str, Any]]) -> list[float]:
            return [r["under_load"]["rps"] for r in runs if r["under_load"]]

        def p50(runs: list[dict[str, Any]]) -> list[float]:
            return [r["timeline_sequential"]["p50_ms"] for r in runs]

        on_rps, off_rps = rps(ons), rps(offs)
        report[f"compare_{name}"] = {
            "with_rps": on_rps, "without_rps": off_rps,
            "with_p50_ms": p50(ons), "without_p50_ms": p50(offs),
            # Cost: throughput lost, medians of alternating runs.
            "throughput_cost": (round(1 - statistics.median(on_rps)
                                      / statistics.median(off_rps), 3)
                                if on_rps and off_rps else None),
            "latency_cost_p50": round(statistics.median(p50(ons))
                                      / statistics.median(p50(offs)) - 1, 3),
            "target": f"<= {target}",
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
