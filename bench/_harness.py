"""Shared benchmark plumbing: a running demo, percentiles, subject linking."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import grpc

from adapters.reference.catalog import REFERENCE_AGENCIES
from deploy.demo.local_ca import ensure_demo_tls

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT / "tests"))

from support.demo_process import Demo, start_demo  # noqa: E402

__all__ = ["RESULTS", "ROOT", "Demo", "adapter_channel", "percentiles", "start_demo",
           "time_async"]


def adapter_channel(state_dir: Path, port: int) -> grpc.aio.Channel:
    """A channel to one of the demo's adapters as the gateway has it: mutual TLS with the
    gateway's certificate from the demo's CA."""
    tls = ensure_demo_tls(state_dir, REFERENCE_AGENCIES)  # the demo's, made at its start
    credentials = grpc.ssl_channel_credentials(
        root_certificates=tls.ca.read_bytes(),
        private_key=tls.gateway.key.read_bytes(),
        certificate_chain=tls.gateway.cert.read_bytes())
    return grpc.aio.secure_channel(f"127.0.0.1:{port}", credentials)


def percentiles(samples_s: list[float]) -> dict[str, float]:
    """p50/p90/p95/p99/mean in milliseconds."""
    ordered = sorted(samples_s)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {"p50_ms": round(at(0.50), 3), "p90_ms": round(at(0.90), 3),
            "p95_ms": round(at(0.95), 3), "p99_ms": round(at(0.99), 3),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 3), "n": len(ordered)}


async def time_async(call: Callable[[], Awaitable[object]], n: int, warmup: int = 50
                     ) -> list[float]:
    """Latencies of ``n`` sequential calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        await call()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples
