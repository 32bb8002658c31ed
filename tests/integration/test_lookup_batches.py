"""The aggregator sends each adapter no more numbers per call than its Describe allows: the
USCIS bridge (over its fake API) takes 5 a call in the sandbox, so a lookup of 12 goes as 5, 5
and 2 at once; a failing batch fails only its numbers; subject requests are batched within the
limit too, and a limit that shrinks is learned again."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from adapters.sdk import AdapterServer, InMemoryCaseSource, build_servicer
from adapters.sdk.errors import InvalidArgumentError
from adapters.sdk.servicer import AdapterServicer
from adapters.uscis_api.profile import SANDBOX
from adapters.uscis_api.serve import BridgeSettings, open_bridge
from adapters.uscis_api.token import Credentials
from aggregator.bootstrap import bootstrap
from aggregator.consent.tokens import ConsentTokenIssuer
from aggregator.federation.client import AdapterClient
from aggregator.federation.fanout import AgencyCallError
from aggregator.model import Case, LookupFailure
from aggregator.vault.opening import CaseOpener, Release
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1.lib.key_wrap import unwrap_data_key
from deploy.processes.launcher import registry_with
from support import fake_agency
from support.fakes import refusing_opener
from support.uscis_fake import (
    CLIENT_ID,
    CLIENT_SECRET,
    FakeUscisApi,
    case_status,
    running_fake,
)

pytestmark = pytest.mark.integration

RECEIPTS = [f"EAC99991034{i:02d}" for i in range(10, 22)]  # twelve the fake knows
Context = grpc.aio.ServicerContext[object, object]


@pytest.fixture
def fake_api() -> Iterator[tuple[FakeUscisApi, str]]:
    fake = FakeUscisApi()
    for receipt in RECEIPTS:
        fake.cases[receipt] = case_status(receipt, "I-485", "Case Was Received",
                                          "We received your case.")
    with running_fake(fake) as running:
        yield running


@pytest.fixture
async def bridge_port(fake_api: tuple[FakeUscisApi, str]) -> AsyncIterator[int]:
    """The bridge in the sandbox setting (5 numbers a call), over the fake."""
    settings = BridgeSettings(SANDBOX, Credentials(CLIENT_ID, CLIENT_SECRET),
                              base_url=fake_api[1], poll_interval_s=60.0)
    async with open_bridge(settings) as servicer:
        server = AdapterServer(servicer)
        port = await server.start()
        try:
            yield port
        finally:
            await server.stop(0)


async def test_the_bridge_refuses_more_numbers_than_its_limit_in_one_call(
        bridge_port: int) -> None:
    """What the aggregator must avoid: 12 numbers in one call are INVALID_ARGUMENT."""
    client = AdapterClient("immigration", f"127.0.0.1:{bridge_port}", refusing_opener())
    try:
        assert await client.batch_limit(5.0) == 5
        with pytest.raises(AgencyCallError) as refused:
            await client.lookup(RECEIPTS, 5.0)
        assert refused.value.reason == "BATCH_TOO_LARGE"
    finally:
        await client.close()


async def test_a_lookup_past_the_bridges_limit_is_answered_whole_and_in_order(
        bridge_port: int, fake_api: tuple[FakeUscisApi, str], tmp_path: Path) -> None:
    """Through the aggregator: all 12 answered, in the order asked, each asked of USCIS once;
    the batches went out together (within one 10-second deadline, at the sandbox's 5 a
    second)."""
    config = dataclasses.replace(registry_with({"immigration": bridge_port}), deadline_s=10.0)
    service = bootstrap(config, tmp_path)
    try:
        asked = list(reversed(RECEIPTS))
        outcomes = await service.lookup(asked)
    finally:
        await service.close()
    assert [o.number for o in outcomes] == asked
    assert all(isinstance(o, Case) and o.status.category == "PENDING" for o in outcomes)
    assert all(fake_api[0].requests_for(r) == 1 for r in RECEIPTS)


async def test_a_failing_batch_fails_only_its_numbers_through_the_aggregator(
        bridge_port: int, fake_api: tuple[FakeUscisApi, str], tmp_path: Path) -> None:
    """A broken answer for one receipt makes its batch UNAVAILABLE: its five numbers are
    AGENCY_UNAVAILABLE, the other seven answered."""
    fake_api[0].not_json.add(RECEIPTS[7])  # in the second batch (numbers 6-10)
    config = dataclasses.replace(registry_with({"immigration": bridge_port}), deadline_s=10.0)
    service = bootstrap(config, tmp_path)
    try:
        outcomes = await service.lookup(RECEIPTS)
    finally:
        await service.close()
    failed = [o.number for o in outcomes if isinstance(o, LookupFailure)]
    assert failed == RECEIPTS[5:10]
    assert {o.code for o in outcomes if isinstance(o, LookupFailure)} == {"AGENCY_UNAVAILABLE"}
    assert [o.number for o in outcomes if isinstance(o, Case)] == RECEIPTS[:5] + RECEIPTS[10:]


class Custodian:
    """Unwraps data keys with the test custodian's private key."""

    def __init__(self, private: X25519PrivateKey) -> None:
        self.private = private

    def unwrap(self, wrapped: bytes, data_key_id: str, custodian_kid: str,
               place: tuple[str, ...]) -> bytes:
        return unwrap_data_key(self.private, wrapped, data_key_id, place)


class Limited:
    """Makes an SDK servicer advertise (and enforce) ``limit`` per call, recording the size
    of every subject batch it is sent; the limit can change while it runs."""

    def __init__(self, servicer: AdapterServicer, limit: int) -> None:
        self.limit = limit
        self.batches: list[int] = []
        describe, lookup = servicer.Describe, servicer.LookupCases
        batch = servicer.BatchListSubjectCases

        async def described(request: pb.DescribeRequest, context: Context
                            ) -> pb.DescribeResponse:
            response = await describe(request, context)
            response.limits.max_batch_size = self.limit
            return response

        async def limited_lookup(request: pb.LookupCasesRequest, context: Context
                                 ) -> pb.LookupCasesResponse:
            if len(request.case_numbers) > self.limit:
                await context.abort_with_status(InvalidArgumentError(  # type: ignore[attr-defined]
                    "case_numbers", f"at most {self.limit}", "BATCH_TOO_LARGE").to_status())
            return await lookup(request, context)

        async def limited_batch(request: pb.BatchListSubjectCasesRequest, context: Context
                                ) -> pb.BatchListSubjectCasesResponse:
            self.batches.append(len(request.requests))
            if len(request.requests) > self.limit:
                await context.abort_with_status(InvalidArgumentError(  # type: ignore[attr-defined]
                    "requests", f"at most {self.limit}", "BATCH_TOO_LARGE").to_status())
            return await batch(request, context)

        servicer.Describe = described  # type: ignore[method-assign]
        servicer.LookupCases = limited_lookup  # type: ignore[method-assign]
        servicer.BatchListSubjectCases = limited_batch  # type: ignore[method-assign]


@pytest.fixture
async def limited(fake_source: InMemoryCaseSource, jwks_path: Path
                  ) -> AsyncIterator[tuple[AdapterServer, Limited]]:
    servicer = build_servicer(fake_agency.profile(), fake_source, jwks_path)
    wrapped = Limited(servicer, 5)
    server = AdapterServer(servicer)
    await server.start()
    yield server, wrapped
    await server.stop(0)


async def test_subject_requests_are_batched_within_the_advertised_limit(
        limited: tuple[AdapterServer, Limited], issuer: ConsentTokenIssuer,
        custodian: X25519PrivateKey) -> None:
    """Twenty readers at once against an adapter taking 5: every batch call carries at most
    5 requests, and every reader gets their case."""
    server, adapter = limited
    client = AdapterClient("fake", f"127.0.0.1:{server.port}", CaseOpener(Custodian(custodian)))
    tokens = [issuer.issue(agency_id="fake", subject="psn_test", case_numbers=["FAK000001"],
                           scopes=("STATUS",), purpose="SELF_ACCESS", consent_id=f"c{i}")
              for i in range(20)]
    try:
        results = await asyncio.gather(*(client.subject_cases(
            t, 5.0, Release("psn_test", frozenset({"STATUS"}))) for t in tokens))
    finally:
        await client.close()
    assert all([c.number for c in r.cases] == ["FAK000001"] for r in results)
    assert client.subject_calls.max_batch == 5
    assert adapter.batches and max(adapter.batches) <= 5


async def test_a_limit_that_shrinks_is_learned_again_after_a_refusal(
        limited: tuple[AdapterServer, Limited], custodian: X25519PrivateKey) -> None:
    """An adapter replaced by one taking fewer numbers: the refused call says
    BATCH_TOO_LARGE, and the client asks Describe again."""
    server, adapter = limited
    adapter.limit = 100
    client = AdapterClient("fake", f"127.0.0.1:{server.port}", CaseOpener(Custodian(custodian)))
    try:
        assert await client.batch_limit(5.0) == 100
        adapter.limit = 5
        with pytest.raises(AgencyCallError) as refused:
            await client.lookup(["FAK000001"] * 6, 5.0)
        assert refused.value.reason == "BATCH_TOO_LARGE"
        assert await client.batch_limit(5.0) == 5
    finally:
        await client.close()
