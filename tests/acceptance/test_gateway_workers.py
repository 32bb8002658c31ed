"""`caseline demo --workers 2`: two gateway processes serve one port, one ledger."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from support.demo_process import ROOT, start_demo
from support.redis_limits import unique_limits

pytestmark = pytest.mark.integration

TIMELINE = "{ viewer { timeline { events { at caseNumber title } } } }"


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                         text=True, check=False).stdout
    return [int(p) for p in out.split()]


def test_two_gateway_processes_share_the_port_and_the_ledger(tmp_path: Path) -> None:
    state = tmp_path / "state"
    demo = start_demo(state, "--cases", "200", "--workers", "2")
    try:
        assert "Gateway processes   2" in "".join(demo.output)
        token = demo.token("ana")

        def read(_: int) -> tuple[int, object]:
            # A fresh connection each time, so the kernel hands them to both processes.
            with httpx.Client(base_url=demo.base_url, timeout=15,
                              headers={"Connection": "close"}) as client:
                worker = client.get("/healthz").json()["worker"]
                body = client.post("/graphql", json={"query": TIMELINE},
                                   headers={"Authorization": f"Bearer {token}"}).json()
            assert "errors" not in body, body
            return worker, body["data"]["viewer"]["timeline"]

        # Which process accepts a connection is the kernel's choice, so read until both have
        # answered, within a bound far beyond what a fair split needs.
        results: list[tuple[int, object]] = []
        with ThreadPoolExecutor(8) as pool:
            for _ in range(8):
                results += pool.map(read, range(24))
                if len(set(w for w, _ in results)) == 2:
                    break
        assert set(Counter(w for w, _ in results)) == {1, 2}, "both processes serve"
        first = results[0][1]
        assert first["events"] and all(t == first for _, t in results)  # type: ignore[index]
        # Both processes recorded their reads in one chain of entries that verifies.
        verified = subprocess.run(
            [sys.executable, "-m", "deploy.cli", "audit", "verify", "--url", demo.base_url,
             "--state-dir", str(state)],
            capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        children = _children(demo.process.pid)
        assert len(children) == 4  # three adapters and the second gateway
    finally:
        stopped = demo.stop()
    assert stopped == 0
    assert "Stopped." in "".join(demo.output)
    assert not [p for p in children if Path(f"/proc/{p}").exists()], "all processes stopped"


async def test_with_redis_two_gateway_processes_limit_a_client_as_one(tmp_path: Path) -> None:
    """`--workers 2 --redis-url`: the whole burst (300 public lookups at --lookup-rate 0.1)
    passes in three batches wherever the kernel sends them (each process alone would have
    allowed 150), and the next lookup is refused by either process."""
    query = ("query ($n: [String!]!) { caseStatuses(numbers: $n) { __typename "
             "... on CaseLookupError { code } } }")
    numbers = [f"IOE09900{n:05d}" for n in range(100)]
    async with unique_limits() as limits:
        demo = start_demo(tmp_path / "state", "--cases", "200", "--workers", "2",
                          "--lookup-rate", "0.1", "--redis-url", limits.url,
                          "--redis-prefix", limits.prefix)
        try:
            assert "Shared limits       Redis at" in "".join(demo.output)
            codes: Counter[str] = Counter()
            for count in (100, 100, 100, 1, 1, 1, 1):
                # A fresh connection each time, so the kernel hands them to both processes.
                async with httpx.AsyncClient(base_url=demo.base_url, timeout=30,
                                             headers={"Connection": "close"}) as client:
                    body = (await client.post("/graphql", json={
                        "query": query, "variables": {"n": numbers[:count]}})).json()
                results = body["data"]["caseStatuses"]
                codes.update(r.get("code", r["__typename"]) for r in results)
            assert codes["RATE_LIMITED"] == 4, codes
        finally:
            assert demo.stop() == 0
