"""Gateway + aggregator over real reference adapters in their own processes."""

from __future__ import annotations

import gc
import os
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

from adapters.reference.catalog import REFERENCE_AGENCIES, synthetic
from aggregator.bootstrap import bootstrap
from aggregator.federation.client import AdapterClient
from aggregator.model import Case, LookupOutcome, SubjectCases
from aggregator.state import StatePaths
from aggregator.vault.key_files import load_or_create_ed25519
from aggregator.vault.opening import Release
from deploy.processes.launcher import (
    AdapterProcess,
    free_port,
    registry_with,
    start_adapter,
    stop_adapters,
)
from gateway.app import GatewaySettings, create_app
from gateway.auth import DevIssuer, TokenVerifier
from gateway.ratelimit import RatePolicy
from support.world import seed_world

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 1)
TIMELINE = """query { viewer { timeline { events { at agency { id } caseNumber agencyCode }
  unavailable { agency { id } code message } } } }"""


@dataclass
class World:
    """Seeded stores and keys shared by the module's tests."""

    root: Path
    stores: dict[str, Path]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Small seeded stores for the three agencies, personas linked to their cases."""
    root = tmp_path_factory.mktemp("world")
    stores = seed_world(root, cases=50, seed=7, today=TODAY)
    yield World(root, stores)


@dataclass
class Running:
    """Adapters in subprocesses and an HTTP client bound to the in-process gateway."""

    adapters: dict[str, AdapterProcess]
    client: httpx.AsyncClient
    token: str
    calls: Counter[tuple[str, str]]

    async def timeline(self) -> tuple[dict[str, object], float]:
        started = time.monotonic()
        response = await self.client.post("/graphql", json={"query": TIMELINE},
                                          headers={"Authorization": f"Bearer {self.token}"})
        body = response.json()
        assert "errors" not in body, body
        return body["data"]["viewer"]["timeline"], time.monotonic() - started


async def _running(world: World, slow_ms: dict[str, int] | None = None,
                   down: tuple[str, ...] = ()) -> AsyncIterator[Running]:
    jwks = StatePaths(world.root).jwks
    adapters: dict[str, AdapterProcess] = {}
    ports: dict[str, int] = {}
    for agency_id in REFERENCE_AGENCIES:
        if agency_id in down:
            ports[agency_id] = free_port()
            continue
        adapters[agency_id] = await start_adapter(
            agency_id, world.stores[agency_id], jwks, world.root / f"{agency_id}.log",
            slow_ms=(slow_ms or {}).get(agency_id, 0))
        ports[agency_id] = adapters[agency_id].port
    config = registry_with(ports)
    calls: Counter[tuple[str, str]] = Counter()
    service = bootstrap(config, world.root,
                        wrap_client=lambda client: CountingClient(client, calls))
    key = load_or_create_ed25519(world.root / "issuer.pem")
    app = create_app(service, TokenVerifier(key.public_key()),
                     GatewaySettings(rate=RatePolicy(burst=10_000, per_second=1000)))
    token = DevIssuer(key).issue("ana", "applicant", "Ana")
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://gateway") as client:
            yield Running(adapters, client, token, calls)
    finally:
        await service.close()
        await stop_adapters(list(adapters.values()))


@pytest.fixture
async def running(world: World) -> AsyncIterator[Running]:
    """All three adapters healthy."""
    async for value in _running(world):
        yield value


async def test_timeline_spans_agencies_through_real_adapters(running: Running) -> None:
    """Ana's timeline holds immigration and courts events, ordered, nothing unavailable."""
    timeline, _ = await running.timeline()
    events = timeline["events"]  # type: ignore[index]
    assert {e["agency"]["id"] for e in events} == {"immigration", "courts"}
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    assert timeline["unavailable"] == []  # type: ignore[index]


SERVER_SIDE = {"aggregator", "gateway", "caseline", "strawberry", "graphql", "starlette", "grpc",
               "_asyncio", "asyncio"}


async def test_reads_leave_no_reference_cycles(running: Running) -> None:
    # A cycle keeps a request's whole object graph alive until a full collection, and under
    # load those full collections were ~100 ms pauses of every request in flight.
    numbers = [c.number for a in REFERENCE_AGENCIES
               for cs in synthetic(a).persona_cases(TODAY).values() for c in cs]
    lookup = {"query": "query ($n: [String!]!) { caseStatuses(numbers: $n) { __typename "
                       "... on CaseStatus { title category } } }", "variables": {"n": numbers}}

    async def both() -> None:
        await running.timeline()
        body = (await running.client.post("/graphql", json=lookup)).json()
        assert len(body["data"]["caseStatuses"]) == len(numbers), body

    await both()  # caches warm
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(3):
            await both()
        gc.collect()
        # The test's own HTTP client (httpx) leaves cycles of its own; only the server's count.
        left = Counter(type(o).__qualname__ for o in gc.garbage
                       if type(o).__module__.partition(".")[0] in SERVER_SIDE
                       or type(o).__qualname__ == "coroutine")
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert not left, f"cyclic garbage per read: {left.most_common(8)}"


async def test_adapter_killed_mid_test_gives_a_partial_result_in_time(running: Running) -> None:
    """After SIGKILL of the courts adapter, immigration still answers and courts is listed."""
    await running.timeline()  # channels are up and warm
    courts = running.adapters["courts"].process
    assert courts is not None
    os.kill(courts.pid, signal.SIGKILL)
    await courts.wait()
    timeline, elapsed = await running.timeline()
    assert {e["agency"]["id"] for e in timeline["events"]} == {"immigration"}  # type: ignore[index]
    (failure,) = timeline["unavailable"]  # type: ignore[index]
    assert failure["agency"]["id"] == "courts" and failure["code"] == "UNAVAILABLE"
    assert elapsed < 1.5


async def test_hanging_adapter_is_cut_at_the_deadline(world: World) -> None:
    """An adapter that takes 5 s is dropped at the 1 s deadline; the others answer."""
    async for running in _running(world, slow_ms={"courts": 5000}):
        timeline, elapsed = await running.timeline()
        (failure,) = timeline["unavailable"]  # type: ignore[index]
        assert failure["agency"]["id"] == "courts"
        assert failure["code"] == "DEADLINE_EXCEEDED"
        assert {e["agency"]["id"] for e in timeline["events"]} == {"immigration"}  # type: ignore[index]
        assert 0.9 < elapsed < 1.6


async def test_one_grpc_call_per_agency_per_request(running: Running) -> None:
    """Aliased caseStatus fields for many numbers are batched: one lookup call per agency."""
    numbers = [c.number for a in REFERENCE_AGENCIES
               for cs in synthetic(a).persona_cases(TODAY).values() for c in cs]
    fields = " ".join(f'n{i}: caseStatus(number: "{n}") {{ __typename }}'
                      for i, n in enumerate(numbers))
    response = await running.client.post("/graphql", json={"query": f"{{ {fields} }}"})
    body = response.json()
    assert all(v["__typename"] == "CaseStatus" for v in body["data"].values()), body
    assert running.calls == Counter({(a, "lookup"): 1 for a in REFERENCE_AGENCIES})


async def test_timeline_and_cases_share_one_call_per_agency(running: Running) -> None:
    """viewer.cases and viewer.timeline in one request make one subject call per agency."""
    query = "{ viewer { cases { number } timeline { events { caseNumber } } } }"
    response = await running.client.post("/graphql", json={"query": query},
                                         headers={"Authorization": f"Bearer {running.token}"})
    assert "errors" not in response.json()
    assert running.calls == Counter({("immigration", "subject_cases"): 1,
                                     ("courts", "subject_cases"): 1})


class CountingClient:
    """An AdapterPort that counts calls per (agency, method) before delegating."""

    def __init__(self, inner: AdapterClient, calls: Counter[tuple[str, str]]) -> None:
        self.agency_id = inner.agency_id
        self._inner = inner
        self._calls = calls

    async def lookup(self, numbers: Sequence[str], timeout: float) -> list[LookupOutcome]:
        self._calls[(self.agency_id, "lookup")] += 1
        return await self._inner.lookup(numbers, timeout)

    async def subject_cases(self, consent_token: str, timeout: float,
                            release: Release) -> SubjectCases:
        self._calls[(self.agency_id, "subject_cases")] += 1
        return await self._inner.subject_cases(consent_token, timeout, release)

    async def verify_ownership(self, number: str, access_code: str,
                               timeout: float) -> Case | None:
        self._calls[(self.agency_id, "verify_ownership")] += 1
        return await self._inner.verify_ownership(number, access_code, timeout)

    async def close(self) -> None:
        await self._inner.close()
