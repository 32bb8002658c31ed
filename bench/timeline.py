"""Timeline through the gateway vs the slowest single adapter call, and throughput.

A bench subject is linked to cases at all three agencies. In one run we measure:
- each adapter's ListSubjectCases latency, called directly over gRPC (sequential);
- the gateway's timeline latency (sequential, one keep-alive connection);
- throughput and latency under load with wrk (if installed).
Prints JSON; the ratio timeline_p50 / slowest_adapter_p50 is the fan-out overhead.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

import grpc
import httpx
from _harness import RESULTS, percentiles, start_demo, time_async

from aggregator.bootstrap import StatePaths
from aggregator.keys import load_or_create_ed25519
from aggregator.store import Store
from aggregator.tokens import ConsentTokenIssuer
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
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
    store = Store(f"sqlite:///{StatePaths(state_dir).database}")
    for link in store.links_for(SUBJECT):  # from an earlier run with other cases
        store.remove_link(SUBJECT, link.agency_id, link.case_number)
    for agency_id, numbers in BENCH_CASES.items():
        for number in numbers:
            store.add_link(SUBJECT, agency_id, number)
    store.close()
    return BENCH_CASES


async def adapter_latencies(state_dir: Path, ports: dict[str, int],
                            cases: dict[str, list[str]], n: int) -> dict[str, dict[str, float]]:
    """Direct ListSubjectCases latency per agency, with tokens from the real issuer."""
    issuer = ConsentTokenIssuer(load_or_create_ed25519(StatePaths(state_dir).consent_key))
    results = {}
    for agency_id, port in ports.items():
        token = issuer.issue(agency_id=agency_id, subject="psn_bench",
                             case_numbers=cases[agency_id], scopes=("STATUS", "DETAILS"),
                             purpose="SELF_ACCESS", consent_id="self")
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.AgencyAdapterStub(channel)
            call = partial(stub.ListSubjectCases, pb.ListSubjectCasesRequest(consent_token=token))
            samples = await time_async(call, n)
        results[agency_id] = percentiles(samples)
    return results


async def gateway_latency(url: str, token: str, n: int) -> tuple[dict[str, float], int]:
    """Sequential timeline latency through the gateway, and the number of events."""
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as client:
        body = (await client.post(url, json={"query": QUERY})).json()
        events = len(body["data"]["viewer"]["timeline"]["events"])
        samples = await time_async(lambda: client.post(url, json={"query": QUERY}), n)
    return percentiles(samples), events


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


async def main() -> None:
    """Run the benchmark and print JSON."""
    compare = "--compare-access-logging" in sys.argv[1:]
    state = RESULTS / "state-10k"
    state.mkdir(parents=True, exist_ok=True)
    unlogged = None
    if compare:
        # Same data and machine, every read still decided by the policy, but no ledger write.
        demo = start_demo(state, "--cases", "10000", "--no-access-logging")
        try:
            link_bench_subject(state)
            token = DevIssuer(load_or_create_ed25519(state / "keys" / "demo-issuer.pem")).issue(
                SUBJECT, "applicant", "Bench")
            unlogged = wrk_load(f"{demo.base_url}/graphql", token, seconds=15, connections=16)
        finally:
            demo.stop()
    demo = start_demo(state, "--cases", "10000")
    try:
        cases = link_bench_subject(state)
        ports = {m.group(1): int(m.group(2))
                 for line in demo.output for m in ADAPTER_PORT.finditer(line)}
        token = DevIssuer(load_or_create_ed25519(state / "keys" / "demo-issuer.pem")).issue(
            SUBJECT, "applicant", "Bench")
        url = f"{demo.base_url}/graphql"
        adapters = await adapter_latencies(state, ports, cases, n=1000)
        timeline, events = await gateway_latency(url, token, n=1000)
        load = wrk_load(url, token, seconds=15, connections=16)
    finally:
        demo.stop()
    slowest = max(adapters.values(), key=lambda p: p["p50_ms"])
    print(json.dumps({
        "benchmark": "timeline", "events_per_timeline": events,
        "cases": {a: len(c) for a, c in cases.items()},
        "adapter_call": adapters, "slowest_adapter_p50_ms": slowest["p50_ms"],
        "timeline_sequential": timeline,
        "fanout_overhead_ratio_p50": round(timeline["p50_ms"] / slowest["p50_ms"], 2),
        "under_load": load,
        **({"under_load_without_access_logging": unlogged,
            "access_logging_cost": round(1 - load["rps"] / unlogged["rps"], 3),
            "access_logging_target": "<= 0.15"}
           if unlogged and load else {}),
    }, indent=2))


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
