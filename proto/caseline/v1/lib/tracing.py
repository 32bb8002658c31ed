"""Traces across the federation, part of the caseline.v1 contract (hand-written): the W3C
trace context travels in each call's gRPC metadata (``traceparent``, ``tracestate``), so an
agency's adapter continues the trace of the request that called it.

Both sides import this module (the SDK never imports the aggregator): the aggregator sends
the context of its client span, the SDK's server span takes it as its parent.

Tracing is off until :func:`configure_tracing` turns it on: :func:`tracer` is then None and
callers skip spans altogether (one global read per call), so an unconfigured process pays
nothing and exports nothing. Only the W3C trace context is carried, never W3C baggage: a
client's baggage would otherwise reach every agency, and nothing here needs it.

Spans never carry personal data: agency id, operation, outcome, duration. No case number,
account, token, or an error's message (an agency's words may name a case).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.trace import Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

__all__ = ["AGENCY", "configure_tracing", "flush_tracing", "incoming_context",
           "otlp_traces_endpoint", "outgoing_metadata", "shutdown_tracing", "tracer"]

# The span attribute naming the agency a call went to (or an adapter serves).
AGENCY = "caseline.agency"

_PROPAGATOR = TraceContextTextMapPropagator()
_HEADERS = frozenset(_PROPAGATOR.fields)  # traceparent, tracestate


class _State:
    """This process's provider and tracer (None: tracing off)."""

    provider: TracerProvider | None = None
    tracer: Tracer | None = None


def otlp_traces_endpoint(option: str | None, environ: Mapping[str, str]) -> str | None:
    """Where to send traces (an OTLP/HTTP URL ending in /v1/traces), or None: tracing off.

    ``option`` (``--otlp-endpoint``) and ``OTEL_EXPORTER_OTLP_ENDPOINT`` are base URLs, as
    the OpenTelemetry specification has them; ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` is the
    full URL. ``OTEL_TRACES_EXPORTER=otlp`` alone means the standard local collector
    (http://localhost:4318); ``none`` (or ``OTEL_SDK_DISABLED=true``) turns tracing off
    whatever else is set. Unlike the SDK's own default, nothing set means no export.
    """
    exporter = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter == "none" or environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return None
    if option:
        return option.rstrip("/") + "/v1/traces"
    if environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        return environ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
    if environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return environ["OTEL_EXPORTER_OTLP_ENDPOINT"].rstrip("/") + "/v1/traces"
    if exporter == "otlp":
        return "http://localhost:4318/v1/traces"
    return None


def configure_tracing(service_name: str, *, otlp_endpoint: str | None = None,
                      environ: Mapping[str, str] | None = None,
                      exporter: SpanExporter | None = None) -> bool:
    """Turn tracing on for this process when configured; whether it is now on.

    ``exporter`` (tests: an in-memory one) is used as given, each span handed over as it
    ends. Otherwise spans are batched to OTLP/HTTP at :func:`otlp_traces_endpoint`
    (``otlp_endpoint`` is the ``--otlp-endpoint`` option), off the request path; the
    sampler follows ``OTEL_TRACES_SAMPLER`` (default: always, or as the caller's trace
    was sampled).
    """
    environ = os.environ if environ is None else environ
    if exporter is None:
        endpoint = otlp_traces_endpoint(otlp_endpoint, environ)
        if endpoint is None:
            return False
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor: SimpleSpanProcessor | BatchSpanProcessor = BatchSpanProcessor(
            OTLPSpanExporter(endpoint=endpoint))
    else:
        processor = SimpleSpanProcessor(exporter)
    shutdown_tracing()
    name = environ.get("OTEL_SERVICE_NAME") or service_name
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(processor)
    _State.provider, _State.tracer = provider, provider.get_tracer("caseline")
    return True


def shutdown_tracing() -> None:
    """Export what is pending and turn tracing off (at exit, and between tests)."""
    provider, _State.provider, _State.tracer = _State.provider, None, None
    if provider is not None:
        provider.shutdown()


def flush_tracing(timeout_s: float = 5.0) -> None:
    """Export the spans still batched, waiting at most ``timeout_s``: for a server about to
    stop in a way that skips exit handlers (uvicorn re-raises the SIGTERM it caught)."""
    if _State.provider is not None:
        _State.provider.force_flush(int(timeout_s * 1000))


def tracer() -> Tracer | None:
    """The tracer, or None while tracing is off."""
    return _State.tracer


def outgoing_metadata() -> tuple[tuple[str, str], ...]:
    """The current span's trace context as gRPC metadata (nothing outside a span)."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return tuple(carrier.items())


def incoming_context(metadata: Iterable[tuple[str, str | bytes]] | None) -> Context:
    """The caller's trace context from gRPC metadata or HTTP headers (lower-case names);
    an empty context (a new trace) when there is none or it is malformed."""
    carrier = {key: value.decode("latin-1") if isinstance(value, bytes) else value
               for key, value in metadata or () if key in _HEADERS}
    return _PROPAGATOR.extract(carrier)
