"""The gateway over HTTP with fake adapters: auth, roles, limits, masking, language.

The service is composed of fakes (tests/support/fakes.py): no state directory, except for
the health report, which checks the real store and ledger files on purpose."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.requests import Request

from aggregator.bootstrap import bootstrap
from aggregator.config import parse_config
from aggregator.consent.vocabulary import Role
from aggregator.model import (
    Case,
    Event,
    LookupFailure,
    LookupOutcome,
    Status,
    SubjectCases,
    Text,
)
from aggregator.vault.opening import Release
from gateway.app import GatewaySettings, bearer_principal, create_app
from gateway.auth import DevIssuer, SignedIn, TokenVerifier
from gateway.ratelimit import RatePolicy
from support.fakes import fake_service

T0 = datetime(2026, 5, 1, 14, 0, tzinfo=UTC)
RECEIVED = Status("PENDING", "RECEIVED", False, "Case Was Received", "On May 1 ...",
                  {"en": Text("Received", "We have it.", "Wait."),
                   "es": Text("Recibido", "Lo tenemos.", "Espere.")})


class FakeAdapter:
    """An in-memory adapter: one case FAK000001; other FAK numbers not found."""

    def __init__(self, agency_id: str, fail: Exception | None = None) -> None:
        self.agency_id = agency_id
        self.fail = fail

    async def lookup(self, numbers: Sequence[str], timeout: float) -> list[LookupOutcome]:
        if self.fail:
            raise self.fail
        return [Case(self.agency_id, n, "F-1", "Fake", RECEIVED, T0, T0)
                if n == "FAK000001" else LookupFailure(n, "NOT_FOUND", "no such case")
                for n in numbers]

    async def subject_cases(self, consent_token: str, timeout: float,
                            release: Release) -> SubjectCases:
        case = Case(self.agency_id, "FAK000001", "F-1", "Fake", RECEIVED, T0, T0)
        return SubjectCases((case,), (Event(self.agency_id, "FAK000001", "e1", 0, T0,
                                            RECEIVED),))

    async def verify_ownership(self, number: str, access_code: str,
                               timeout: float) -> Case | None:
        return None

    async def close(self) -> None:
        return None


CONFIG = parse_config({"agencies": [{
    "id": "fake", "name": "Fake Agency", "name_es": "Agencia Falsa", "address": "unused:1",
    "numbers": "^FAK", "number_format": "FAK and 6 digits (e.g. FAK123456)"}]})


async def _client(*, demo: bool = False, fail: Exception | None = None, burst: float = 1000,
                  state_dir: Path | None = None
                  ) -> AsyncIterator[tuple[httpx.AsyncClient, DevIssuer]]:
    adapters = {"fake": FakeAdapter("fake", fail)}
    service = (bootstrap(CONFIG, state_dir, adapters=adapters) if state_dir
               else fake_service(CONFIG, adapters))
    service.store.add_link("ana", "fake", "FAK000001")
    key = Ed25519PrivateKey.generate()
    app = create_app(service, TokenVerifier(key.public_key()),
                     GatewaySettings(demo=demo, rate=RatePolicy(burst=burst, per_second=1)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://gw") as client:
        yield client, DevIssuer(key)
    await service.close()


@pytest.fixture
async def gw() -> AsyncIterator[tuple[httpx.AsyncClient, DevIssuer]]:
    """A production-configured gateway over one fake agency."""
    async for value in _client():
        yield value


Gw = tuple[httpx.AsyncClient, DevIssuer]


async def _post(client: httpx.AsyncClient, query: str, token: str | None = None,
                **headers: str) -> dict[str, object]:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = await client.post("/graphql", json={"query": query}, headers=headers)
    body: dict[str, object] = response.json()
    return body


async def test_viewer_without_token_is_unauthenticated(gw: Gw) -> None:
    """No token: viewer is null and the error code is UNAUTHENTICATED, not masked."""
    body = await _post(gw[0], "{ viewer { subject } }")
    assert body["data"] == {"viewer": None}
    error = body["errors"][0]  # type: ignore[index]
    assert error["message"] == "sign in first: send 'Authorization: Bearer <token>'"
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_forged_token_is_refused(gw: Gw) -> None:
    """A token signed by another key is refused (with the generic reason: the detail is
    logged, tests/security/test_token_errors.py)."""
    other = DevIssuer(Ed25519PrivateKey.generate())
    body = await _post(gw[0], "{ viewer { subject } }", other.issue("ana", "applicant", "A"))
    error = body["errors"][0]  # type: ignore[index]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["message"] == "the bearer token is invalid or expired; sign in again"


async def test_representative_has_no_own_timeline(gw: Gw) -> None:
    """A lawyer's viewer.timeline is FORBIDDEN (their clients come through consent)."""
    client, issuer = gw
    body = await _post(client, "{ viewer { timeline { events { title } } } }",
                       issuer.issue("lee", "representative", "Lee"))
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # type: ignore[index]


async def test_language_comes_from_accept_language_unless_the_argument_says(gw: Gw) -> None:
    """Accept-Language es gives Spanish; an explicit EN argument overrides it."""
    client, issuer = gw
    token = issuer.issue("ana", "applicant", "Ana")
    query = "{ viewer { timeline { events { title agency { name } } } } }"
    es = await _post(client, query, token, **{"Accept-Language": "es-MX,es;q=0.9"})
    assert es["data"]["viewer"]["timeline"]["events"][0] == {  # type: ignore[index]
        "title": "Recibido", "agency": {"name": "Agencia Falsa"}}
    en = await _post(client, query.replace("timeline {", "timeline(language: EN) {"), token,
                     **{"Accept-Language": "es"})
    assert en["data"]["viewer"]["timeline"]["events"][0]["title"] == "Received"  # type: ignore[index]


async def test_unexpected_errors_are_masked() -> None:
    """An internal failure never leaks its message to the client."""
    async for client, _ in _client(fail=RuntimeError("secret database path")):
        body = await _post(client, '{ caseStatus(number: "FAK000001") { __typename } }')
        assert body["errors"][0]["message"] == "Unexpected error."  # type: ignore[index]
        assert "secret" not in str(body)


async def test_introspection_and_suggestions_are_off_in_production(gw: Gw) -> None:
    """Production refuses introspection and does not suggest field names."""
    body = await _post(gw[0], "{ __schema { types { name } } }")
    assert "introspection" in body["errors"][0]["message"].lower()  # type: ignore[index]
    typo = await _post(gw[0], '{ caseStatu(number: "x") { __typename } }')
    assert "Did you mean" not in str(typo)


async def test_demo_mode_allows_introspection() -> None:
    """The demo turns introspection (and GraphiQL) on."""
    async for client, _ in _client(demo=True):
        body = await _post(client, "{ __schema { queryType { name } } }")
        assert body["data"] == {"__schema": {"queryType": {"name": "Query"}}}


@pytest.mark.parametrize(("query", "fragment"), [
    ("{ " + " ".join(f"a{i}: agencies {{ id }}" for i in range(31)) + " }", "aliases"),
    ("{ agencies { " + " ".join(f"d{i}: id @include(if: true)" for i in range(21)) + " } }",
     "too many directives"),
    ("{ agencies { " + "id " * 2100 + "} }", "more than 2000 tokens"),
])
async def test_query_shape_limits(gw: Gw, query: str, fragment: str) -> None:
    """Too many aliases, directives or tokens are refused before execution."""
    body = await _post(gw[0], query)
    assert "data" not in body or body["data"] is None
    assert fragment in body["errors"][0]["message"]  # type: ignore[index]


async def test_query_batching_and_get_are_refused(gw: Gw) -> None:
    """A JSON list of operations and queries via GET are not served."""
    batch = await gw[0].post("/graphql", json=[{"query": "{ agencies { id } }"}] * 2)
    assert batch.status_code == 400
    get = await gw[0].get("/graphql", params={"query": "{ agencies { id } }"})
    assert get.status_code == 400 and "data" not in get.text


async def test_public_lookups_are_rate_limited_per_client() -> None:
    """After the burst, lookups answer RATE_LIMITED with when to retry."""
    async for client, _ in _client(burst=2):
        query = '{ caseStatuses(numbers: ["FAK000001", "FAK000002"]) { __typename ' \
                '... on CaseLookupError { code message } } }'
        first = await _post(client, query)
        second = await _post(client, query)
        assert [r["__typename"] for r in first["data"]["caseStatuses"]] == [  # type: ignore[index]
            "CaseStatus", "CaseLookupError"]
        limited = second["data"]["caseStatuses"]  # type: ignore[index]
        assert {r["code"] for r in limited} == {"RATE_LIMITED"}
        assert "try again in" in limited[0]["message"]


async def test_healthz_reports_agencies_and_components_in_plain_words(tmp_path: Path) -> None:
    """/healthz says each agency is up with its breaker closed (never a bare "CLOSED", read
    as "the agency is closed"), the store and ledger up, and the whole ok; /livez and
    /readyz answer 200."""
    async for gw in _client(state_dir=tmp_path):
        await _healthz_says_all_up(gw)


async def _healthz_says_all_up(gw: Gw) -> None:
    response = await gw[0].get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "agencies": {"fake": {"status": "up", "breaker": "closed", "consecutiveFailures": 0}},
        "store": {"status": "up"}, "ledger": {"status": "up"}}
    live = await gw[0].get("/livez")
    assert (live.status_code, live.json()) == (200, {"status": "alive"})
    ready = await gw[0].get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


def test_one_reading_of_the_bearer_token_for_graphql_and_the_ledger_export() -> None:
    """bearer_principal: the principal of a valid token, nothing without a header, and the
    client's message (in its language) for a malformed header or a forged token."""
    key = Ed25519PrivateKey.generate()
    verifier = TokenVerifier(key.public_key())

    def read(header: str | None, language: str = "en") -> tuple[object, str | None]:
        headers = [] if header is None else [(b"authorization", header.encode())]
        request = Request({"type": "http", "headers": headers})
        return bearer_principal(request, verifier, language)

    principal, refused = read(f"Bearer {DevIssuer(key).issue('ana', 'applicant', 'Ana')}")
    assert (principal, refused) == (SignedIn("ana", Role.APPLICANT, "Ana"), None)
    assert read(None) == (None, None)
    assert read("Basic abc") == (None, "the Authorization header must be 'Bearer <token>'")
    forged = DevIssuer(Ed25519PrivateKey.generate()).issue("ana", "applicant", "Ana")
    assert read(f"Bearer {forged}") == (
        None, "the bearer token is invalid or expired; sign in again")


class _Runner:
    """Stands in for the notifications' watchers and deliverer."""

    def __init__(self) -> None:
        self.events: list[str] = []

    async def start(self) -> None:
        self.events.append("start")

    async def stop(self) -> None:
        self.events.append("stop")


@pytest.mark.parametrize(("worker", "expected"), [(None, ["start", "stop"]),
                                                  (1, ["start", "stop"]), (2, ["stop"])])
async def test_notification_work_starts_in_the_main_process_only(
        worker: int | None, expected: list[str]) -> None:
    """Watchers and deliverer start with the main gateway process (worker None or 1), never
    in the other workers; every process stops them on shutdown."""
    service = fake_service(CONFIG, {"fake": FakeAdapter("fake")})
    assert service.notify is not None
    runner = _Runner()
    service.notify = dataclasses.replace(service.notify, runner=runner)
    app = create_app(service, TokenVerifier(Ed25519PrivateKey.generate().public_key()),
                     GatewaySettings(worker=worker))
    async with app.router.lifespan_context(app):
        pass
    assert runner.events == expected
