"""The adapter's server span: a child of the caller's span from the call's metadata, its
outcome the status code, never the details."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from adapters.sdk.tracing import traced

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"


class Context:
    """The part of a servicer context the span reads."""

    def __init__(self, code: grpc.StatusCode | None = None) -> None:
        self._code = code

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return (("traceparent", f"00-{TRACE}-{PARENT}-01"), ("x-request-id", "r"))

    def code(self) -> grpc.StatusCode | None:
        return self._code


async def _answer(request: Any, context: Any) -> str:
    return "answer"


async def _refuse(request: Any, context: Any) -> str:
    raise RuntimeError("no case A201555123")


async def test_off_the_handler_runs_alone() -> None:
    assert await traced("courts", "Describe", _answer)(None, Context()) == "answer"


async def test_the_server_span_continues_the_callers_trace(
        spans: InMemorySpanExporter) -> None:
    assert await traced("courts", "Describe", _answer)(None, Context()) == "answer"
    [span] = spans.get_finished_spans()
    assert span.kind == SpanKind.SERVER
    assert span.name == "caseline.v1.AgencyAdapter/Describe"
    assert format(span.context.trace_id, "032x") == TRACE
    assert span.parent is not None and format(span.parent.span_id, "016x") == PARENT
    assert span.attributes is not None and span.attributes["caseline.agency"] == "courts"


async def test_a_refusal_records_its_code_only(spans: InMemorySpanExporter) -> None:
    with pytest.raises(RuntimeError):
        await traced("courts", "LookupCases", _refuse)(None, Context(grpc.StatusCode.NOT_FOUND))
    [span] = spans.get_finished_spans()
    assert span.status.status_code == StatusCode.ERROR
    assert span.status.description == "NOT_FOUND"
    assert "A201555123" not in span.to_json()
