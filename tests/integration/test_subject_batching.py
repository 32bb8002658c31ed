"""The aggregator's client carries concurrent readers' subject requests in shared calls."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from adapters.sdk import AdapterServer, InMemoryCaseSource, build_servicer
from adapters.sdk.servicer import AdapterServicer
from aggregator.consent.tokens import ConsentTokenIssuer
from aggregator.federation.client import AdapterClient
from aggregator.federation.fanout import AgencyCallError
from aggregator.vault.opening import CaseOpener, Release
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
from caseline.v1.lib.key_wrap import unwrap_data_key
from support import fake_agency

pytestmark = pytest.mark.integration

RELEASE = Release("psn_test", frozenset({"STATUS", "DETAILS"}))


class Custodian:
    """Unwraps data keys with the test custodian's private key."""

    def __init__(self, private: X25519PrivateKey) -> None:
        self.private = private

    def unwrap(self, wrapped: bytes, data_key_id: str, custodian_kid: str,
               place: tuple[str, ...]) -> bytes:
        return unwrap_data_key(self.private, wrapped, data_key_id, place)


class Unbatched:
    """Makes an adapter one built before BatchListSubjectCases: UNIMPLEMENTED to it."""

    def __init__(self, servicer: AdapterServicer) -> None:
        self.subject_calls = 0
        unary = servicer.ListSubjectCases

        async def counted(request: pb.ListSubjectCasesRequest,
                          context: grpc.aio.ServicerContext[object, object]
                          ) -> pb.ListSubjectCasesResponse:
            self.subject_calls += 1
            return await unary(request, context)

        async def unimplemented(request: pb.BatchListSubjectCasesRequest,
                                context: grpc.aio.ServicerContext[object, object]) -> None:
            await context.abort(grpc.StatusCode.UNIMPLEMENTED, "Method not found!")

        servicer.ListSubjectCases = counted  # type: ignore[method-assign]
        servicer.BatchListSubjectCases = unimplemented  # type: ignore[method-assign,assignment]


async def _client(port: int, custodian: X25519PrivateKey) -> AdapterClient:
    return AdapterClient("fake", f"127.0.0.1:{port}", CaseOpener(Custodian(custodian)))


def _tokens(issuer: ConsentTokenIssuer, n: int) -> list[str]:
    return [issuer.issue(agency_id="fake", subject="psn_test", case_numbers=["FAK000001"],
                         scopes=("STATUS", "DETAILS"), purpose="SELF_ACCESS",
                         consent_id=f"c{i}") for i in range(n)]


@pytest.fixture
async def unbatched(fake_source: InMemoryCaseSource, jwks_path: Path
                    ) -> AsyncIterator[tuple[AdapterServer, Unbatched]]:
    servicer = build_servicer(fake_agency.profile(), fake_source, jwks_path)
    old = Unbatched(servicer)
    server = AdapterServer(servicer)
    await server.start()
    yield server, old
    await server.stop(0)


async def test_concurrent_readers_share_calls_and_each_gets_its_own_cases(
        fake_server: AdapterServer, issuer: ConsentTokenIssuer,
        custodian: X25519PrivateKey) -> None:
    client = await _client(fake_server.port, custodian)
    try:
        tokens = [*_tokens(issuer, 12), "forged"]
        results = await asyncio.gather(*(client.subject_cases(t, 5.0, RELEASE) for t in tokens),
                                       return_exceptions=True)
    finally:
        await client.close()
    *good, forged = results
    for result in good:
        assert not isinstance(result, BaseException), result
        assert [c.number for c in result.cases] == ["FAK000001"]
        # The agency's own words travel sealed (DETAILS): opened here, for each reader.
        assert [e.status.agency_text for e in result.events] == [
            "Case Was Received text", "Request For Evidence Was Sent text"]
    assert isinstance(forged, AgencyCallError) and forged.code == "UNAUTHENTICATED"
    # Thirteen readers at once: the first alone, the rest together while it was in flight.
    assert client.subject_calls.requests == 13
    assert client.subject_calls.calls < 13


async def test_an_adapter_without_batches_gets_one_call_per_reader(
        unbatched: tuple[AdapterServer, Unbatched], issuer: ConsentTokenIssuer,
        custodian: X25519PrivateKey) -> None:
    server, servicer = unbatched
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await pb_grpc.AgencyAdapterStub(channel).BatchListSubjectCases(
                pb.BatchListSubjectCasesRequest())
        assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
    client = await _client(server.port, custodian)
    try:
        for _ in range(2):  # the second round no longer tries the batch
            results = await asyncio.gather(*(client.subject_cases(t, 5.0, RELEASE)
                                             for t in _tokens(issuer, 6)))
            assert all([c.number for c in r.cases] == ["FAK000001"] for r in results)
    finally:
        await client.close()
    assert servicer.subject_calls == 12
