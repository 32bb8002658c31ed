"""The client span of an agency call: the trace context goes out in the metadata, the
outcome is the status code's name, never the agency's details."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from aggregator.telemetry.calls import traced_unary
from caseline.v1 import agency_adapter_pb2 as pb


class Method:
    """Stands in for a stub's method: keeps what it was called with, fails if told to."""

    def __init__(self, fail: grpc.aio.AioRpcError | None = None) -> None:
        self.kwargs: dict[str, Any] = {}
        self.fail = fail

    async def __call__(self, request: Any, **kwargs: Any) -> str:
        self.kwargs = kwargs
        if self.fail is not None:
            raise self.fail
        return "answer"


async def test_off_the_call_is_made_as_it_was() -> None:
    method = Method()
    assert await traced_unary("courts", method, pb.DescribeRequest(), 2.0) == "answer"
    assert method.kwargs == {"timeout": 2.0}


async def test_on_a_client_span_sends_its_context(spans: InMemorySpanExporter) -> None:
    method = Method()
    await traced_unary("courts", method, pb.ListSubjectCasesRequest(consent_token="t"), 2.0)
    [span] = spans.get_finished_spans()
    assert span.name == "caseline.v1.AgencyAdapter/ListSubjectCases"
    assert span.kind == SpanKind.CLIENT
    assert dict(span.attributes or {}) == {
        "rpc.system": "grpc", "rpc.service": "caseline.v1.AgencyAdapter",
        "rpc.method": "ListSubjectCases", "caseline.agency": "courts",
        "rpc.grpc.status_code": 0}
    [(key, value)] = method.kwargs["metadata"]
    assert key == "traceparent"
    assert format(span.context.span_id, "016x") in value


async def test_a_failure_keeps_its_code_and_drops_its_details(
        spans: InMemorySpanExporter) -> None:
    error = grpc.aio.AioRpcError(grpc.StatusCode.NOT_FOUND, grpc.aio.Metadata(),
                                 grpc.aio.Metadata(), details="no case A201555123")
    with pytest.raises(grpc.aio.AioRpcError):
        await traced_unary("courts", Method(error), pb.DescribeRequest(), 2.0)
    [span] = spans.get_finished_spans()
    assert span.status.status_code == StatusCode.ERROR
    assert span.status.description == "NOT_FOUND"
    assert span.attributes is not None and span.attributes["rpc.grpc.status_code"] == 5
    assert "A201555123" not in span.to_json()
