"""The timeline with each case's estimate vs without (issue 18 item 7: target <= 1.1x).

One demo (10,000 generated cases per agency, the state directory bench/timeline.py uses),
the bench subject linked to cases at all three agencies; the same viewer query with and
without ``cases { estimate { ... } }``, timed sequentially through the gateway in alternating
blocks so that drift of a shared machine hits both sides alike. The agencies' statistics are
cached by the gateway (an hour), so the steady state is what is measured; the first request
with estimates, which asks the agencies, is reported on its own.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from functools import partial
from typing import Any

import httpx
from _harness import RESULTS, percentiles, start_demo, time_async
from timeline import SUBJECT, link_bench_subject

from aggregator.vault.key_files import load_or_create_ed25519
from deploy.demo.state import DemoState
from gateway.auth import DevIssuer

TIMELINE = ("timeline { events { at agency { id name } caseNumber category milestone title "
            "description agencyCode agencyText actionRequired dueDate } "
            "unavailable { agency { id } code message } }")
WITHOUT = "query { viewer { cases { number caseType category } " + TIMELINE + " } }"
WITH = ("query { viewer { cases { number caseType category estimate { typicalBy mostBy "
        "inquiryFrom outsideNormal basis deadlines { kind due state basis } } } "
        + TIMELINE + " } }")
BLOCKS = 6
PER_BLOCK = 200


async def main() -> None:
    """Run the benchmark and print JSON."""
    state = RESULTS / "state-10k"
    state.mkdir(parents=True, exist_ok=True)
    demo = start_demo(state, "--cases", "10000", "--workers", "1")
    try:
        link_bench_subject(state)
        token = DevIssuer(load_or_create_ed25519(DemoState(state).issuer_key)).issue(
            SUBJECT, "applicant", "Bench")
        url = f"{demo.base_url}/graphql"
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"},
                                     timeout=30) as client:
            started = time.perf_counter()
            first = (await client.post(url, json={"query": WITH})).json()
            first_ms = round((time.perf_counter() - started) * 1000, 2)
            if "errors" in first:
                raise RuntimeError(f"the query with estimates failed: {first['errors']}")
            cases = first["data"]["viewer"]["cases"]
            with_dates = sum(1 for c in cases if c["estimate"] and c["estimate"]["typicalBy"])
            samples: dict[str, list[float]] = {"without": [], "with": []}
            for _ in range(BLOCKS):
                for name, query in (("without", WITHOUT), ("with", WITH)):
                    samples[name] += await time_async(
                        partial(client.post, url, json={"query": query}), PER_BLOCK,
                        warmup=20)
    finally:
        demo.stop()
    without, with_ = percentiles(samples["without"]), percentiles(samples["with"])
    report: dict[str, Any] = {
        "benchmark": "timeline_with_estimates", "cases": len(cases),
        "cases_with_dates": with_dates, "first_with_estimates_ms": first_ms,
        "without": without, "with": with_,
        "ratio_p50": round(with_["p50_ms"] / without["p50_ms"], 3),
        "ratio_mean": round(statistics.fmean(samples["with"])
                            / statistics.fmean(samples["without"]), 3),
        "target": "ratio_p50 <= 1.1",
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
