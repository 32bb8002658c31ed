"""The timeline page's time against the GraphQL timeline's, in the same run, as the same
person: `GET /me` (signed in as ana through the demo's own sign-in) and the acceptance
operation ``my_timeline.graphql`` (``viewer.timeline``, with ana's bearer token).

Both are timed from one keep-alive httpx client each, one request at a time, alternating
page and API so a shared machine's drift hits both alike; the client's own cost is the same
on both sides, so the ratio is the page's extra server work (rendering the template, the
session cookie) over the same use case. Both read ana's timeline in Spanish, her language.
Prints JSON: p50/p95 of each and their ratios (target: page <= 1.2x the API). Not a test: it
prints, it never asserts.

    .venv/bin/python bench/page_time.py [--requests N]
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import httpx
from _harness import RESULTS, percentiles, start_demo
from _signin import SESSION_COOKIE, session_cookie

from support.demo_process import ACCEPTANCE

PERSONA = "ana"
LANGUAGE = "es"
TARGET = 1.2
WARMUP = 20


def requests_wanted(argv: list[str], default: int = 300) -> int:
    """``--requests N`` (each side), at least 20 so a p95 means something."""
    if "--requests" not in argv:
        return default
    try:
        n = int(argv[argv.index("--requests") + 1])
    except (IndexError, ValueError):
        raise SystemExit("--requests takes a number of requests per side, e.g. "
                         "--requests 300") from None
    if not 20 <= n <= 100_000:
        raise SystemExit(f"--requests {n}: expected 20 to 100000")
    return n


def check_same_timeline(page: httpx.Response, api: httpx.Response) -> int:
    """Both sides answered ana's timeline (the page is not a sign-in redirect, the API has
    no errors, and the page shows the API's case numbers); returns the number of events."""
    if page.status_code != 200 or "/sign-in" in str(page.url):
        raise RuntimeError(f"/me answered {page.status_code} at {page.url}: not signed in?")
    body = api.json()
    if body.get("errors") or not body.get("data"):
        raise RuntimeError(f"my_timeline answered errors: {body}")
    events = body["data"]["viewer"]["timeline"]["events"]
    if not events:
        raise RuntimeError(f"{PERSONA}'s timeline is empty: nothing worth timing")
    missing = sorted({str(e["caseNumber"]) for e in events} - _shown(page.text, events))
    if missing:
        raise RuntimeError(f"/me does not show the cases the API does: {missing}")
    return len(events)


def _shown(text: str, events: list[dict[str, Any]]) -> set[str]:
    return {str(e["caseNumber"]) for e in events if str(e["caseNumber"]) in text}


def compare(page_s: list[float], api_s: list[float]) -> dict[str, Any]:
    """Percentiles of both sides and the page/API ratios of p50 and p95."""
    page, api = percentiles(page_s), percentiles(api_s)
    return {"page_me": page, "graphql_my_timeline": api,
            "ratio_p50": round(page["p50_ms"] / api["p50_ms"], 3),
            "ratio_p95": round(page["p95_ms"] / api["p95_ms"], 3), "target": TARGET}


def main(argv: list[str]) -> None:
    """Run the benchmark and print JSON."""
    n = requests_wanted(argv)
    query = (ACCEPTANCE / "my_timeline.graphql").read_text()
    state = RESULTS / "state-pages"
    state.mkdir(parents=True, exist_ok=True)
    demo = start_demo(state, "--cases", "1000")
    try:
        cookie = session_cookie(demo.base_url, PERSONA)
        token = demo.token(PERSONA)
        with httpx.Client(base_url=demo.base_url, timeout=15,
                          cookies={SESSION_COOKIE: cookie}) as pages, \
                httpx.Client(base_url=demo.base_url, timeout=15,
                             headers={"Authorization": f"Bearer {token}"}) as api:
            payload = {"query": query, "variables": {"language": LANGUAGE.upper()}}

            def get_page() -> httpx.Response:
                return pages.get("/me", params={"lang": LANGUAGE})

            def post_api() -> httpx.Response:
                return api.post("/graphql", json=payload)

            events = check_same_timeline(get_page(), post_api())
            for _ in range(WARMUP):
                get_page()
                post_api()
            page_s: list[float] = []
            api_s: list[float] = []
            for _ in range(n):
                for call, samples in ((get_page, page_s), (post_api, api_s)):
                    started = time.perf_counter()
                    call().raise_for_status()
                    samples.append(time.perf_counter() - started)
    finally:
        demo.stop()
    print(json.dumps({"benchmark": "page_time", "persona": PERSONA, "language": LANGUAGE,
                      "events": events, "requests_each": n, **compare(page_s, api_s)},
                     indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
