"""Issue 12 item 1: no input can stall the gateway through a regular expression.

A real gateway process (``caseline gateway serve``) with the shipped agency registry: a
pathological case number of up to 1 MB is answered INVALID_NUMBER while /healthz keeps
answering; over-long strings elsewhere are refused with a clear error; agency patterns are
compiled with RE2, which refuses what it cannot match in linear time.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from aggregator.config import ConfigError, load_config, parse_config
from aggregator.federation.patterns import LinearPattern
from aggregator.federation.routing import MAX_NUMBER_LENGTH
from deploy.processes.launcher import free_port
from gateway.auth import DevIssuer
from support.http_gateway import gateway_process

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
REGISTRY = ROOT / "deploy" / "agencies.toml"
# What stalled the gateway for 6.6 s at 32 KB: spaces the courts pattern backtracks over,
# then a character it cannot end on.
PATHOLOGICAL = " " * 32 * 1024 + "!"
LOOKUP = ("query ($n: String!, $l: Language) { caseStatus(number: $n, language: $l) { "
          "__typename ... on CaseLookupError { number code message } } }")
# Generous: a client-side bound so a stalled gateway fails the test instead of hanging it.
TIMEOUT = httpx.Timeout(60.0)


@dataclass
class Served:
    base: str
    issuer: DevIssuer

    def graphql(self, query: str, variables: dict[str, object] | None = None,
                token: str | None = None) -> dict[str, object]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = httpx.post(f"{self.base}/graphql", json={
            "query": query, "variables": variables or {}}, headers=headers, timeout=TIMEOUT)
        assert response.status_code == 200, response.text[:500]
        body: dict[str, object] = response.json()
        return body


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The gateway over the shipped registry, its adapters pointed at ports nothing serves
    (no request here should ever reach one)."""
    registry = re.sub(r'address = "[^"]*"', lambda _: f'address = "127.0.0.1:{free_port()}"',
                      REGISTRY.read_text(encoding="utf-8"))
    # The 1 MB number must reach the gateway's own checks; the default body limit (256 KB,
    # tests/security/test_body_limit.py) would refuse it first.
    with gateway_process(tmp_path_factory.mktemp("redos"), "--max-body-bytes",
                         str(4 * 1024 * 1024), registry=registry,
                         jwt_issuer="https://login.example") as gateway:
        yield Served(gateway.base_url, gateway.issuer)


def _formats_named(message: str, language: str = "EN") -> bool:
    # Every agency's expected format, as the registry states it in the reader's language.
    return all((agency.number_format_es if language == "ES" else agency.number_format) in message
               for agency in load_config(REGISTRY).agencies)


@pytest.mark.parametrize("size", [32 * 1024, 200 * 1024, 1024 * 1024])
def test_a_pathological_number_is_invalid_while_healthz_answers(served: Served,
                                                                size: int) -> None:
    number = " " * size + "!"
    in_flight = threading.Event()
    answered_during: list[int] = []

    def bad() -> dict[str, object]:
        in_flight.set()
        try:
            return served.graphql(LOOKUP, {"n": number})
        finally:
            in_flight.clear()

    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(bad)
        in_flight.wait(timeout=10)
        # Health checks while the lookup is in flight (the loop ends when it is answered).
        while in_flight.is_set():
            response = httpx.get(f"{served.base}/healthz", timeout=TIMEOUT)
            if in_flight.is_set():
                answered_during.append(response.status_code)
        body = future.result()
    health = httpx.get(f"{served.base}/healthz", timeout=TIMEOUT)
    assert health.status_code == 200
    assert all(code == 200 for code in answered_during), answered_during
    result = body["data"]["caseStatus"]  # type: ignore[index]
    assert result["code"] == "INVALID_NUMBER", result
    assert _formats_named(result["message"]), result["message"]
    # The answer echoes the number cut short, not a megabyte back.
    assert len(result["number"]) <= MAX_NUMBER_LENGTH + 1


def test_a_number_over_64_characters_is_invalid_naming_the_formats(served: Served) -> None:
    well_formed_but_long = "A" + "2" * MAX_NUMBER_LENGTH
    for language, words in (("EN", "at most 64 characters"), ("ES", "como máximo 64")):
        body = served.graphql(LOOKUP, {"n": well_formed_but_long, "l": language})
        result = body["data"]["caseStatus"]  # type: ignore[index]
        assert result["code"] == "INVALID_NUMBER", result
        assert words in result["message"] and _formats_named(result["message"], language), result
    batch = served.graphql(
        "query ($n: [String!]!) { caseStatuses(numbers: $n) { ... on CaseLookupError { "
        "number code } } }", {"n": [PATHOLOGICAL, "A201555123", "x" * 65]})
    codes = [r["code"] for r in batch["data"]["caseStatuses"]]  # type: ignore[index]
    # In order: the long ones refused at once, the real number asked of its (down) agency.
    assert codes == ["INVALID_NUMBER", "AGENCY_UNAVAILABLE", "INVALID_NUMBER"], batch


@pytest.mark.parametrize(("query", "variables", "where", "limit"), [
    ('mutation { linkCase(number: "A201555123", accessCode: "%s") { __typename } }'
     % ("X" * 65), {}, "Mutation.linkCase(accessCode:)", 64),
    ('mutation ($n: String!) { linkCase(number: $n, accessCode: "ABCD") { __typename } }',
     {"n": "A" * 65}, "Mutation.linkCase(number:)", 64),
    ("mutation ($i: GrantConsentInput!) { grantConsent(input: $i) { id } }",
     {"i": {"grantee": "lee", "agencies": ["courts"], "scopes": ["STATUS"],
            "purpose": "p" * 501, "validUntil": "2027-01-01T00:00:00Z"}},
     "GrantConsentInput.purpose", 500),
    ("mutation ($i: GrantConsentInput!) { grantConsent(input: $i) { id } }",
     {"i": {"grantee": "lee", "agencies": ["c" * 40], "scopes": ["STATUS"],
            "purpose": "p", "validUntil": "2027-01-01T00:00:00Z"}},
     "GrantConsentInput.agencies", 32),
    ('{ audit { entries(kind: "%s") { index } } }' % ("k" * 300), {},
     "AuditView.entries(kind:)", 32),
    ("mutation ($id: ID!) { revokeConsent(id: $id) { id } }", {"id": "9" * 10_000},
     "Mutation.revokeConsent(id:)", 128),
])
def test_oversized_strings_elsewhere_are_refused_before_anything_runs(
        served: Served, query: str, variables: dict[str, object], where: str,
        limit: int) -> None:
    # Signed in, so that nothing but the length could refuse these.
    token = served.issuer.issue("ana", "applicant", "Ana")
    body = served.graphql(query, variables, token)
    (error,) = body["errors"]  # type: ignore[misc]
    assert error["extensions"]["code"] == "INPUT_TOO_LONG", error
    assert error["extensions"]["limit"] == limit
    assert where in error["message"] and f"at most {limit}" in error["message"], error
    assert body.get("data") is None


def test_agency_patterns_are_compiled_with_re2() -> None:
    config = load_config(REGISTRY)
    assert all(isinstance(a.numbers, LinearPattern) for a in config.agencies)
    entry = {"id": "x1", "name": "X", "address": "a:1", "number_format": "f"}
    with pytest.raises(ConfigError, match=r"agencies\[0\]: 'numbers'.*RE2"):
        parse_config({"agencies": [{**entry, "numbers": r"^(A)\1\d+$"}]})  # backreference
    with pytest.raises(ConfigError, match="RE2"):
        parse_config({"agencies": [{**entry, "numbers": r"^(?=A)\d+"}]})  # lookahead


def test_a_number_that_is_not_unicode_is_refused_not_a_crash(served: Served) -> None:
    # JSON may escape a lone surrogate, which no encoder accepts back: the body is refused as
    # malformed (400, saying why) before any lookup, and the gateway goes on serving.
    raw = json.dumps({"query": LOOKUP, "variables": {"n": "A20\ud800"}})
    response = httpx.post(f"{served.base}/graphql", content=raw,
                          headers={"Content-Type": "application/json"}, timeout=TIMEOUT)
    assert response.status_code == 400, response.text
    assert "JSON" in response.text and "\n" not in response.text.strip()
    after = served.graphql(LOOKUP, {"n": "A20"})
    assert after["data"]["caseStatus"]["code"] == "INVALID_NUMBER", after
