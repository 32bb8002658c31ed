"""The adapter's side of a trace: each unary call runs in a server span whose parent is the
caller's span, taken from the W3C trace context in the call's metadata
(:mod:`caseline.v1.lib.tracing`). Turn it on in an adapter's process with
``caseline.v1.lib.tracing.configure_tracing`` (``caseline adapter run --otlp-endpoint``).

Wrapped around each method once, when the server is built (as ``calls`` is), rather than as
opentelemetry-instrumentation-grpc's server interceptor: an aio interceptor is consulted on
every call and builds a handler each time, and that one records the peer's address, its
user agent and the status details, which may name a case.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from opentelemetry.trace import SpanKind, Status, StatusCode

from caseline.v1.lib import tracing

__all__ = ["traced"]

Handler = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]

SERVICE = "caseline.v1.AgencyAdapter"


def traced(agency_id: str, method: str, handle: Handler) -> Handler:
    """``handle`` in a server span while tracing is on (the check is made per call)."""
    attributes = {"rpc.system": "grpc", "rpc.service": SERVICE, "rpc.method": method,
                  tracing.AGENCY: agency_id}
    name = f"{SERVICE}/{method}"

    async def span_around(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        tracer = tracing.tracer()
        if tracer is None:
            return await handle(request, context)
        parent = tracing.incoming_context(context.invocation_metadata())
        with tracer.start_as_current_span(name, context=parent, kind=SpanKind.SERVER,
                                          attributes=attributes, record_exception=False,
                                          set_status_on_exception=False) as span:
            try:
                response = await handle(request, context)
            except BaseException:
                code = context.code()
                status = code if isinstance(code, grpc.StatusCode) else grpc.StatusCode.UNKNOWN
                span.set_attribute("rpc.grpc.status_code", status.value[0])
                span.set_status(Status(StatusCode.ERROR, status.name))  # never the details
                raise
            span.set_attribute("rpc.grpc.status_code", 0)
            return response

    return span_around
