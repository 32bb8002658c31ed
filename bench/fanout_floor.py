"""What the chosen stack costs for a timeline before Caseline adds anything to it.

The timeline target compares the gateway's p50 with the slowest single adapter call. This
script measures, in one run against the demo's real adapters, the steps between the two:

1. each adapter's ``ListSubjectCases``, alone (Python grpc.aio client, sequential);
2. the three calls at once from that same client (``asyncio.gather``), no HTTP;
3. a *floor gateway*: a bare Starlette endpoint under uvicorn (httptools, uvloop), in its own
   process like the real one, that makes those three calls with ready-made tokens and answers
   with a few bytes of JSON: no GraphQL, sign-in, policy, ledger, opening or merge;
4. the real gateway's timeline.

Requests to 3 and 4 are sent by wrk on one connection. Each figure is also printed as a ratio
to (1), the way the target is stated: what a Python gateway on this machine cannot go below
shows beside what Caseline's gateway adds above it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import socket
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

import orjson
import uvicorn
from _harness import RESULTS, ROOT, adapter_channel, percentiles, start_demo, time_async
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from timeline import (
    ADAPTER_PORT,
    SUBJECT,
    adapter_latencies,
    gateway_latency,
    link_bench_subject,
    wrk_load,
)

from aggregator.bootstrap import consent_key
from aggregator.consent.tokens import ConsentTokenIssuer
from aggregator.state import StatePaths
from aggregator.vault import Keyring
from aggregator.vault.key_files import load_or_create_ed25519
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
from deploy.demo.state import DemoState
from gateway.auth import DevIssuer


def _tokens(state_dir: Path, cases: dict[str, list[str]]) -> dict[str, str]:
    """One consent token per agency from the demo's real issuer, as the gateway would send."""
    key = consent_key(StatePaths(state_dir), Keyring.in_state_dir(state_dir))
    issuer = ConsentTokenIssuer(key, ttl_s=300)
    return {agency_id: issuer.issue(agency_id=agency_id, subject="psn_bench",
                                    case_numbers=numbers, scopes=("STATUS", "DETAILS"),
                                    purpose="SELF_ACCESS", consent_id="self")
            for agency_id, numbers in cases.items()}


async def _three_at_once(state: Path, ports: dict[str, int], tokens: dict[str, str], n: int
                         ) -> dict[str, float]:
    """The three calls at once (``asyncio.gather``) from one grpc.aio client."""
    channels = {a: adapter_channel(state, p) for a, p in ports.items()}
    try:
        calls = [partial(pb_grpc.AgencyAdapterStub(channels[a]).ListSubjectCases,
                         pb.ListSubjectCasesRequest(consent_token=tokens[a])) for a in ports]

        async def all_three() -> None:
            await asyncio.gather(*(call() for call in calls))

        return percentiles(await time_async(all_three, n))
    finally:
        for channel in channels.values():
            await channel.close(None)


def floor_app(state: Path, ports: dict[str, int], tokens: dict[str, str]) -> Starlette:
    """The bare endpoint: three calls in parallel, a count of events back."""
    stubs: dict[str, Any] = {}

    async def fan_out(request: Request) -> Response:
        await request.body()
        if not stubs:  # channels bind to the running loop
            stubs.update({a: pb_grpc.AgencyAdapterStub(adapter_channel(state, p))
                          for a, p in ports.items()})
        answers = await asyncio.gather(*(
            stubs[a].ListSubjectCases(pb.ListSubjectCasesRequest(consent_token=tokens[a]),
                                      timeout=2.0) for a in ports))
        events = sum(len(c.events) for answer in answers for c in answer.cases)
        return Response(orjson.dumps({"events": events}), media_type="application/json")

    return Starlette(routes=[Route("/fanout", fan_out, methods=["POST"])])


def _serve_floor(spec: dict[str, Any]) -> None:
    """Run the floor gateway on a port of the OS's choosing; print it, then serve."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    print(sock.getsockname()[1], flush=True)
    # No forwarded-header middleware, as in the gateway (deploy/processes/serving.py).
    config = uvicorn.Config(floor_app(Path(spec["state"]), spec["ports"], spec["tokens"]),
                            http="httptools", loop="uvloop", log_level="warning",
                            access_log=False, proxy_headers=False)
    uvicorn.Server(config).run(sockets=[sock])


def _floor_gateway(state: Path, ports: dict[str, int], tokens: dict[str, str]
                   ) -> dict[str, Any]:
    """Start the floor gateway in its own process and time it with wrk on one connection."""
    spec = {"state": str(state), "ports": ports, "tokens": tokens}
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", json.dumps(spec)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        url = f"http://127.0.0.1:{port}/fanout"
        wrk_load(url, "-", seconds=2, connections=1)  # warm up: channels, caches
        result = wrk_load(url, "-", seconds=10, connections=1)
        assert result is not None and not result["errors"], result
        return {"p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"],
                "n": result["requests"]}
    finally:
        process.terminate()
        process.wait(timeout=10)


async def main() -> None:
    """Run the measurements and print JSON."""
    if shutil.which("wrk") is None:
        raise SystemExit("bench/fanout_floor.py needs wrk (apt-get install wrk)")
    state = RESULTS / "state-10k"
    state.mkdir(parents=True, exist_ok=True)
    demo = start_demo(state, "--cases", "10000", "--workers", "1")
    try:
        cases = link_bench_subject(state)
        ports = {m.group(1): int(m.group(2))
                 for line in demo.output for m in ADAPTER_PORT.finditer(line)}
        tokens = _tokens(state, cases)
        alone = await adapter_latencies(state, ports, cases, n=1000)
        together = await _three_at_once(state, ports, tokens, n=1000)
        floor = _floor_gateway(state, ports, tokens)
        viewer = DevIssuer(load_or_create_ed25519(DemoState(state).issuer_key)).issue(
            SUBJECT, "applicant", "Bench")
        gateway, events = await gateway_latency(f"{demo.base_url}/graphql", viewer, n=1000)
    finally:
        demo.stop()
    slowest = max(p["p50_ms"] for p in alone.values())

    def ratio(p50_ms: float) -> float:
        return round(p50_ms / slowest, 2)

    print(json.dumps({
        "benchmark": "fanout_floor", "events_per_timeline": events,
        "adapter_call_alone": alone, "slowest_adapter_p50_ms": slowest,
        "three_calls_at_once": {**together, "ratio_p50": ratio(together["p50_ms"])},
        "floor_gateway": {**floor, "ratio_p50": ratio(floor["p50_ms"])},
        "caseline_gateway": {**gateway, "ratio_p50": ratio(gateway["p50_ms"])},
        "target_ratio_p50": 1.5,
    }, indent=2))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="What the stack costs for a timeline.")
    parser.add_argument("--serve", metavar="SPEC", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        _serve_floor(json.loads(args.serve))
    else:
        asyncio.run(main())
