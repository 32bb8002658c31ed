"""Bulk lookup of 100 numbers vs one, through the gateway (sequential latencies)."""

from __future__ import annotations

import asyncio
import json
import sys

import httpx
from _harness import RESULTS, percentiles, start_demo, time_async

from deploy.demo.state import DemoState

ONE = ("query($n: String!) { caseStatus(number: $n) { __typename ... on CaseStatus "
       "{ number category milestone title updatedAt } } }")
MANY = ("query($ns: [String!]!) { caseStatuses(numbers: $ns) { __typename ... on CaseStatus "
        "{ number category milestone title updatedAt } } }")


async def main() -> None:
    """Run the benchmark and print JSON."""
    state = RESULTS / "state-10k"
    state.mkdir(parents=True, exist_ok=True)
    demo = start_demo(state, "--cases", "10000", "--lookup-rate", "1000000")
    try:
        manifest = DemoState(state).read_manifest()
        if manifest is None:
            raise RuntimeError(f"the demo wrote no manifest in {state}")
        numbers = [c["number"] for cs in manifest["personas"].values() for c in cs]
        numbers += [n for ns in manifest["samples"].values() for n in ns]
        hundred = (numbers * (100 // len(numbers) + 1))[:100]
        url = f"{demo.base_url}/graphql"
        async with httpx.AsyncClient() as client:
            one = await time_async(lambda: client.post(
                url, json={"query": ONE, "variables": {"n": numbers[0]}}), 500)
            many = await time_async(lambda: client.post(
                url, json={"query": MANY, "variables": {"ns": hundred}}), 300)
            check = (await client.post(url, json={"query": MANY,
                                                   "variables": {"ns": hundred}})).json()
    finally:
        demo.stop()
    assert len(check["data"]["caseStatuses"]) == 100
    one_p, many_p = percentiles(one), percentiles(many)
    print(json.dumps({"benchmark": "bulk", "one": one_p, "hundred": many_p,
                      "ratio_p50": round(many_p["p50_ms"] / one_p["p50_ms"], 2),
                      "agencies_in_batch": sorted({c["agency"] for cs in
                                                   manifest["personas"].values() for c in cs})},
                     indent=2))


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
