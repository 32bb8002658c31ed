"""bench/page_time.py's plumbing: how many requests, the check that both sides answered the
same timeline before timing, and the ratios it prints."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

BENCH = Path(__file__).parents[3] / "bench"
sys.path.insert(0, str(BENCH))  # bench/ is scripts that import each other by file name
page_time = importlib.import_module("page_time")

ME = "http://demo/me"


def _api(events: list[dict[str, Any]]) -> httpx.Response:
    return httpx.Response(200, json={"data": {"viewer": {"timeline": {"events": events}}}})


def _page(text: str, url: str = ME, status: int = 200) -> httpx.Response:
    return httpx.Response(status, text=text, request=httpx.Request("GET", url))


EVENTS = [{"caseNumber": "IOE0990000001"}, {"caseNumber": "A201555123"}]


def test_requests_per_side() -> None:
    assert page_time.requests_wanted([]) == 300
    assert page_time.requests_wanted(["--requests", "50"]) == 50
    with pytest.raises(SystemExit, match="expected 20 to 100000"):
        page_time.requests_wanted(["--requests", "5"])
    with pytest.raises(SystemExit, match="takes a number"):
        page_time.requests_wanted(["--requests", "many"])


def test_both_sides_must_show_the_same_cases_before_anything_is_timed() -> None:
    page = _page("<li>IOE0990000001</li><li>A201555123</li>")
    assert page_time.check_same_timeline(page, _api(EVENTS)) == 2
    with pytest.raises(RuntimeError, match=r"does not show .*A201555123"):
        page_time.check_same_timeline(_page("<li>IOE0990000001</li>"), _api(EVENTS))
    with pytest.raises(RuntimeError, match="not signed in"):
        page_time.check_same_timeline(_page("Sign in", "http://demo/sign-in?next=/me"),
                                      _api(EVENTS))
    with pytest.raises(RuntimeError, match="empty"):
        page_time.check_same_timeline(page, _api([]))
    with pytest.raises(RuntimeError, match="errors"):
        page_time.check_same_timeline(page, httpx.Response(200, json={"errors": [{}]}))


def test_the_ratios_are_page_over_api() -> None:
    result = page_time.compare([0.012] * 19 + [0.030], [0.010] * 19 + [0.020])
    assert result["page_me"]["p50_ms"] == 12.0 and result["graphql_my_timeline"]["p50_ms"] == 10
    assert result["ratio_p50"] == 1.2 and result["ratio_p95"] == 1.5
    assert result["target"] == 1.2
