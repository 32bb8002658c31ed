"""The USCIS Case Status API bridge over gRPC, against the fake API on a loopback port."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from adapters.sdk import AdapterServer
from adapters.uscis_api.profile import SANDBOX
from adapters.uscis_api.serve import BridgeSettings, open_bridge
from adapters.uscis_api.token import Credentials
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
from caseline.v1 import vocabulary_pb2
from support.uscis_fake import CLIENT_ID, CLIENT_SECRET, FakeUscisApi, case_status, running_fake

pytestmark = pytest.mark.integration


@dataclass
class Bridge:
    fake: FakeUscisApi
    stub: pb_grpc.AgencyAdapterAsyncStub
    address: str


@pytest.fixture
def fake_api() -> Iterator[tuple[FakeUscisApi, str]]:
    with running_fake() as running:
        yield running


async def _bridge(fake_api: tuple[FakeUscisApi, str], **overrides: object
                  ) -> AsyncIterator[Bridge]:
    fake, url = fake_api
    settings = BridgeSettings(SANDBOX, Credentials(CLIENT_ID, CLIENT_SECRET), base_url=url,
                              poll_interval_s=0.05, **overrides)  # type: ignore[arg-type]
    async with open_bridge(settings) as servicer:
        server = AdapterServer(servicer)
        port = await server.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                yield Bridge(fake, pb_grpc.AgencyAdapterStub(channel), f"127.0.0.1:{port}")
        finally:
            await server.stop(0)


@pytest.fixture
async def bridge(fake_api: tuple[FakeUscisApi, str]) -> AsyncIterator[Bridge]:
    async for running in _bridge(fake_api):
        yield running


async def _lookup(bridge: Bridge, *numbers: str) -> list[pb.LookupResult]:
    response = await bridge.stub.LookupCases(pb.LookupCasesRequest(case_numbers=numbers),
                                             timeout=10)
    return list(response.results)


def _reason(exc: grpc.aio.AioRpcError) -> str:
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    for detail in status.details if status else []:
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return info.reason
    return ""


async def test_describe_is_the_immigration_agency_and_lists_what_it_does_not_offer(
        bridge: Bridge) -> None:
    describe = await bridge.stub.Describe(pb.DescribeRequest(), timeout=5)
    assert describe.agency_id == "immigration"
    assert list(describe.not_offered_methods) == [
        "VerifyOwnership", "ListSubjectCases", "BatchListSubjectCases",
        "GetProcessingStatistics"]
    assert describe.limits.max_batch_size == 5  # the sandbox's 5 requests a second
    assert describe.change_cursor.isdigit()  # where a watcher's first start begins


async def test_a_status_maps_through_the_immigration_table_without_markup(
        bridge: Bridge) -> None:
    approved, received = await _lookup(bridge, "EAC-999-910-3402", "ioe0912345678")
    status = approved.case_info.status
    assert status.category == vocabulary_pb2.STATUS_CATEGORY_APPROVED
    assert {t.language for t in status.texts} == {"en", "es"}
    assert status.agency_code == "Case Was Approved"
    assert approved.case_info.case_type == "I-485"
    assert len(approved.case_info.events) == 0  # public lookups carry no history
    assert received.case_info.status.category == vocabulary_pb2.STATUS_CATEGORY_PENDING
    # The agency's text is DETAILS: a public lookup never carries it (its markup is removed
    # before anything, see tests/unit/adapters/uscis_api/test_translate.py).
    assert received.case_info.status.agency_text == ""


async def test_unknown_receipts_are_not_found(bridge: Bridge) -> None:
    bridge.fake.not_found_404.add("LIN0000000404")
    unknown, gone = await _lookup(bridge, "EAC0000000001", "LIN0000000404")
    assert unknown.error.code == gone.error.code == pb.LOOKUP_ERROR_CODE_NOT_FOUND


async def test_numbers_uscis_refuses_are_invalid_number_with_its_reason(bridge: Bridge) -> None:
    bridge.fake.refused_422.add("SRC0000000422")
    refused, mine = await _lookup(bridge, "SRC0000000422", "not a number")
    assert refused.error.code == pb.LOOKUP_ERROR_CODE_INVALID_NUMBER
    assert "Invalid receipt number format" in refused.error.message
    assert mine.error.code == pb.LOOKUP_ERROR_CODE_INVALID_NUMBER
    assert bridge.fake.requests_for("not a number") == 0  # refused before asking USCIS


async def test_an_outage_is_unavailable_with_uscis_reason(bridge: Bridge) -> None:
    bridge.fake.unavailable = "The sandbox is closed outside business hours"
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _lookup(bridge, "EAC9999103402")
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "The sandbox is closed outside business hours" in (caught.value.details() or "")


async def test_a_broken_body_is_unavailable_not_a_crash(bridge: Bridge) -> None:
    bridge.fake.not_json.add("EAC9999103402")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _lookup(bridge, "EAC9999103402")
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert _reason(caught.value) == "USCIS_API_BAD_ANSWER"


async def test_a_spent_quota_is_resource_exhausted(fake_api: tuple[FakeUscisApi, str]) -> None:
    async for bridge in _bridge(fake_api, daily_quota=2):
        await _lookup(bridge, "EAC9999103402", "LIN9912345678")
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await _lookup(bridge, "EAC9999103402")
        assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert _reason(caught.value) == "QUOTA_EXCEEDED"
        assert "resets at 00:00 UTC" in (caught.value.details() or "")


async def test_an_oversized_batch_is_refused_naming_the_field(bridge: Bridge) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _lookup(bridge, *["EAC9999103402"] * 6)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _reason(caught.value) == "BATCH_TOO_LARGE"
    assert bridge.fake.status_requests == []


async def test_calls_the_api_cannot_back_are_unimplemented(bridge: Bridge) -> None:
    calls = [bridge.stub.VerifyOwnership(pb.VerifyOwnershipRequest(
                 case_number="EAC9999103402", access_code="X"), timeout=5),
             bridge.stub.ListSubjectCases(pb.ListSubjectCasesRequest(consent_token="x"),
                                          timeout=5),
             bridge.stub.BatchListSubjectCases(pb.BatchListSubjectCasesRequest(
                 requests=[pb.ListSubjectCasesRequest()]), timeout=5)]
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call
        assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
        assert "official API has no access codes" in (caught.value.details() or "")


async def test_watch_changes_reports_a_new_status_of_a_receipt_asked_about(
        bridge: Bridge) -> None:
    stream = bridge.stub.WatchChanges(pb.WatchChangesRequest(cursor=""), timeout=20)
    await _lookup(bridge, "LIN9912345678")
    bridge.fake.cases["LIN9912345678"] = case_status(
        "LIN9912345678", "I-129", "Case Was Approved", "We approved your Form I-129.",
        modified="11-20-2026 09:00:00")
    change = await asyncio.wait_for(stream.read(), timeout=15)
    stream.cancel()
    assert isinstance(change, pb.WatchChangesResponse)
    assert change.case_number == "LIN9912345678"
    assert change.event.status.category == vocabulary_pb2.STATUS_CATEGORY_APPROVED
    assert change.event.status.agency_code == "Case Was Approved"


async def test_an_expired_token_is_renewed_without_the_caller_noticing(bridge: Bridge) -> None:
    await _lookup(bridge, "EAC9999103402")
    bridge.fake.revoke_tokens()
    (result,) = await _lookup(bridge, "EAC9999103402")
    assert result.HasField("case_info") and bridge.fake.token_requests == 2


async def test_uscis_spanish_wording_never_leaves_in_a_public_lookup_or_the_stream(
        bridge: Bridge) -> None:
    """USCIS's Spanish title and description are DETAILS like its English: neither a public
    lookup nor the change stream carries them (the mapped Spanish texts are there)."""
    stream = bridge.stub.WatchChanges(pb.WatchChangesRequest(cursor=""), timeout=20)
    (result,) = await _lookup(bridge, "EAC9999103402")
    status = result.case_info.status
    assert not status.agency_texts and status.agency_text == ""
    assert "es" in {t.language for t in status.texts}
    assert b"aprobamos su Formulario" not in result.SerializeToString()
    bridge.fake.cases["EAC9999103402"] = case_status(
        "EAC9999103402", "I-485", "Card Was Mailed To Me", "We mailed your card.",
        title_es="Tarjeta Fue Enviada", desc_es="Enviamos su tarjeta por correo.",
        modified="11-20-2026 09:00:00")
    change = await asyncio.wait_for(stream.read(), timeout=15)
    stream.cancel()
    assert isinstance(change, pb.WatchChangesResponse)
    assert change.event.status.agency_code == "Card Was Mailed To Me"
    assert not change.event.status.agency_texts
    assert b"Enviamos su tarjeta" not in change.SerializeToString()
