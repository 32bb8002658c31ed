"""A client span around one gRPC call to an agency, its trace context sent along.

Written here rather than taken from opentelemetry-instrumentation-grpc: that interceptor
records the call's status details and exception text on the span, and an agency's details
may name a case ("no case A123…"), which a trace must never carry; it is also consulted on
every call of the channel, where this is a single check while tracing is off.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from opentelemetry.trace import SpanKind, Status, StatusCode

from caseline.v1.lib import tracing

__all__ = ["SERVICE", "traced_unary"]

Resp = TypeVar("Resp")

SERVICE = "caseline.v1.AgencyAdapter"


async def traced_unary(agency_id: str, method: Callable[..., Awaitable[Resp]], request: Any,
                       timeout: float) -> Resp:
    """``method(request)`` under a client span when tracing is on (the rpc method named
    after the request's type), the W3C trace context in its metadata."""
    tracer = tracing.tracer()
    if tracer is None:
        return await method(request, timeout=timeout)
    name = type(request).__name__.removesuffix("Request")
    with tracer.start_as_current_span(
            f"{SERVICE}/{name}", kind=SpanKind.CLIENT, record_exception=False,
            set_status_on_exception=False,
            attributes={"rpc.system": "grpc", "rpc.service": SERVICE, "rpc.method": name,
                        tracing.AGENCY: agency_id}) as span:
        try:
            response = await method(request, timeout=timeout,
                                    metadata=tracing.outgoing_metadata())
        except grpc.aio.AioRpcError as exc:
            span.set_attribute("rpc.grpc.status_code", exc.code().value[0])
            span.set_status(Status(StatusCode.ERROR, exc.code().name))  # never its details
            raise
        except BaseException:
            span.set_status(Status(StatusCode.ERROR, "CANCELLED"))
            raise
        span.set_attribute("rpc.grpc.status_code", 0)
        return response
