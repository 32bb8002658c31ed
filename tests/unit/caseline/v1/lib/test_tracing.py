"""Where traces go (or that they go nowhere), and the W3C trace context through gRPC
metadata."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import get_current_span

from caseline.v1.lib.tracing import (
    configure_tracing,
    incoming_context,
    otlp_traces_endpoint,
    outgoing_metadata,
    tracer,
)

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.mark.parametrize(("option", "environ", "endpoint"), [
    (None, {}, None),  # nothing configured: no export, unlike the SDK's own default
    ("http://c:4318", {}, "http://c:4318/v1/traces"),
    ("http://c:4318/", {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://d:4318"},
     "http://c:4318/v1/traces"),
    (None, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://d:4318"}, "http://d:4318/v1/traces"),
    (None, {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://e/x"}, "http://e/x"),
    (None, {"OTEL_TRACES_EXPORTER": "otlp"}, "http://localhost:4318/v1/traces"),
    ("http://c:4318", {"OTEL_TRACES_EXPORTER": "none"}, None),
    (None, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://d:4318", "OTEL_SDK_DISABLED": "true"},
     None),
])
def test_traces_go_where_configured_and_nowhere_otherwise(
        option: str | None, environ: dict[str, str], endpoint: str | None) -> None:
    assert otlp_traces_endpoint(option, environ) == endpoint


def test_unconfigured_there_is_no_tracer() -> None:
    assert not configure_tracing("test", environ={})
    assert tracer() is None
    assert outgoing_metadata() == ()


def test_the_callers_span_continues_on_the_other_side(spans: InMemorySpanExporter) -> None:
    active = tracer()
    assert active is not None
    with active.start_as_current_span("caller") as caller:
        metadata = outgoing_metadata()
    assert [key for key, _ in metadata] == ["traceparent"]  # never baggage
    with active.start_as_current_span("callee", context=incoming_context(metadata)):
        callee = get_current_span().get_span_context()
    assert callee.trace_id == caller.get_span_context().trace_id
    [_, finished] = spans.get_finished_spans()
    assert finished.parent is not None
    assert finished.parent.span_id == caller.get_span_context().span_id


@pytest.mark.parametrize("metadata", [
    None, (), (("traceparent", "garbage"),), (("traceparent", b"00-zz-zz-01"),),
    (("baggage", "k=v"), ("x-request-id", "r1")),
])
def test_missing_or_malformed_context_starts_a_new_trace(
        spans: InMemorySpanExporter,
        metadata: tuple[tuple[str, str | bytes], ...] | None) -> None:
    active = tracer()
    assert active is not None
    with active.start_as_current_span("callee", context=incoming_context(metadata)) as span:
        assert format(span.get_span_context().trace_id, "032x") != TRACE
    assert spans.get_finished_spans()[0].parent is None


def test_binary_metadata_values_are_read(spans: InMemorySpanExporter) -> None:
    context = incoming_context([("traceparent", f"00-{TRACE}-00f067aa0ba902b7-01".encode())])
    active = tracer()
    assert active is not None
    with active.start_as_current_span("callee", context=context) as span:
        assert format(span.get_span_context().trace_id, "032x") == TRACE
