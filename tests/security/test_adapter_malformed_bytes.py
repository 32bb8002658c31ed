"""Request bytes that are not a valid message get INVALID_ARGUMENT in plain words."""

from __future__ import annotations

import grpc
import pytest

from adapters.sdk import AdapterServer
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc

pytestmark = pytest.mark.integration

SERVICE = pb.DESCRIPTOR.services_by_name["AgencyAdapter"]
GARBAGE = (
    b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",  # a tag whose varint never ends
    b"\x0a\x50short",  # a length-delimited field cut short
    b"\x0f",  # wire type 7 does not exist
)


@pytest.mark.parametrize("payload", GARBAGE)
@pytest.mark.parametrize("method", [m.name for m in SERVICE.methods])
async def test_garbage_bytes_are_invalid_argument_without_implementation_detail(
        fake_server: AdapterServer, method: str, payload: bytes) -> None:
    descriptor = SERVICE.methods_by_name[method]
    path = f"/{SERVICE.full_name}/{method}"
    async with grpc.aio.insecure_channel(f"127.0.0.1:{fake_server.port}") as channel:
        if descriptor.server_streaming:
            call = channel.unary_stream(path, request_serializer=None,
                                        response_deserializer=None)(payload, timeout=5)
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                async for _ in call:
                    pass
        else:
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await channel.unary_unary(path, request_serializer=None,
                                          response_deserializer=None)(payload, timeout=5)
        error = raised.value
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
        details = error.details() or ""
        assert details == (f"the request is not a valid {descriptor.input_type.full_name} "
                           "message")
        for leak in ("class", "DecodeError", "Wire format", "Unexpected", "protobuf"):
            assert leak not in details

        # The server goes on answering valid calls on the same connection.
        answer = await pb_grpc.AgencyAdapterStub(channel).LookupCases(
            pb.LookupCasesRequest(case_numbers=["FAK000001"]), timeout=5)
        assert answer.results[0].WhichOneof("outcome") == "case_info"
