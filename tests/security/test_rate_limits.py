"""Item 17 and item 7's rate-limit part: a signed-in representative has a lookup quota of
their own, per account (not the anonymous per-address limit, whose refusal tells people to
sign in); refusals fit the caller and never say "try again in 0 s"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import cycle, islice
from typing import Any

import httpx
import pytest

from gateway.app import GatewaySettings
from gateway.ratelimit import RatePolicy, Refusal, retry_after_seconds
from support.demo_process import Demo, start_demo

pytestmark = pytest.mark.integration

BATCH = 100
LOOKUP = ("query($n: [String!]!) { caseStatuses(numbers: $n) { __typename "
          "... on CaseLookupError { code message retryAfter } } }")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    # The default anonymous limit (300 at once, 5 per second per address) and the default
    # representative burst (1,000); the representative refill is fast so that, once spent,
    # the quota's wait is a fraction of a second.
    running = start_demo(tmp_path_factory.mktemp("state"), "--cases", "200",
                         "--representative-rate", "500")
    yield running
    assert running.stop() == 0


@pytest.fixture(scope="module")
def numbers(demo: Demo) -> list[str]:
    samples = json.loads((demo.state_dir / "demo.json").read_text())["samples"]
    return list(islice(cycle(n for agency in samples.values() for n in agency), BATCH))


def _post(demo: Demo, query: str, numbers: list[str], token: str | None = None,
          language: str = "en") -> dict[str, Any]:
    headers = {"Accept-Language": language}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = httpx.post(f"{demo.base_url}/graphql", headers=headers, timeout=60,
                          json={"query": query, "variables": {"n": numbers}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body


def _limited(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in results if r.get("code") == "RATE_LIMITED"]


def test_anonymous_then_a_representative_from_the_same_address(
        demo: Demo, numbers: list[str]) -> None:
    """Anonymous lookups from this address are refused after 300, telling them to sign in;
    lee, signed in from the very same address, then looks up 900 at once."""
    for _ in range(3):
        results = _post(demo, LOOKUP, numbers)["data"]["caseStatuses"]
        assert len(results) == BATCH and not _limited(results)
    refused = _post(demo, LOOKUP, numbers)["data"]["caseStatuses"]
    assert len(_limited(refused)) == BATCH
    assert "sign in" in refused[0]["message"] and refused[0]["retryAfter"] >= 1
    spanish = _post(demo, LOOKUP, numbers, language="es")["data"]["caseStatuses"]
    assert "inicie sesión" in spanish[0]["message"]

    lee = demo.token("lee")
    for batch in range(9):
        results = _post(demo, LOOKUP, numbers, lee)["data"]["caseStatuses"]
        assert len(results) == BATCH and not _limited(results), (batch, results[0])


def test_a_spent_representative_quota_says_so_and_rounds_the_wait_up(
        demo: Demo, numbers: list[str]) -> None:
    """Eleven batches in one request spend more than the burst of 1,000: the last is refused
    with a wait of at most 0.2 s at 500 per second, reported as 1 s, and the message speaks
    of the account's own quota, not of signing in."""
    # An applicant signed in shares the per-address limit, but is not told to sign in.
    raj = demo.token("raj")
    answers = [_post(demo, LOOKUP, numbers, raj)["data"]["caseStatuses"] for _ in range(4)]
    applicant = [r for results in answers for r in _limited(results)]
    assert applicant and "sign in" not in applicant[0]["message"]

    many = "query($n: [String!]!) { " + " ".join(
        f"b{i}: caseStatuses(numbers: $n) {{ ... on CaseLookupError {{ code message "
        f"retryAfter }} }}" for i in range(11)) + " }"
    data = _post(demo, many, numbers, demo.token("lee"))
    batches = [data["data"][f"b{i}"] for i in range(11)]
    refused = [b for b in batches if _limited(b)]
    assert refused, "1,100 lookups at once fit a burst of 1,000"
    limited = _limited(refused[-1])[0]
    assert limited["retryAfter"] == 1
    assert "try again in 1 s" in limited["message"]
    assert "sign in" not in limited["message"] and "quota" in limited["message"]
    assert "1000 at once" in limited["message"]


def test_waits_round_up_to_whole_seconds_never_zero() -> None:
    policy = RatePolicy(burst=1000, per_second=10)
    assert retry_after_seconds(0.2) == 1 and retry_after_seconds(0.0) == 1
    assert retry_after_seconds(1.01) == 2 and retry_after_seconds(3.0) == 3
    assert Refusal(0.2, per_account=True, policy=policy).retry_after_s == 1
    # The representative quota's defaults, as the README states them.
    assert GatewaySettings().representative_rate == policy
