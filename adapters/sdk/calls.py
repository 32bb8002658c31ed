"""Cross-cutting handling for every unary adapter call: request id, deadline floor, logs,
faults.

It is wrapped around each servicer method once, when the server is built, rather than run as
a grpc.aio interceptor: an interceptor is consulted on every call and builds a new method
handler each time, which cost more than a small call's own work.
"""

from __future__ import annotations

import contextvars
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import grpc

from adapters.sdk.tracing import traced
from caseline.v1 import agency_adapter_pb2

__all__ = ["REQUEST_ID", "CallHandling"]

log = logging.getLogger("caseline.adapter.access")

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
# Below this much time left there is no point starting work: the caller will have given up
# before an answer could travel back.
DEADLINE_FLOOR_S = 0.002
_SERVICE = agency_adapter_pb2.DESCRIPTOR.services_by_name["AgencyAdapter"]
UNARY_METHODS = tuple(m.name for m in _SERVICE.methods
                      if not m.client_streaming and not m.server_streaming)

Handler = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]


class CallHandling:
    """Tags each unary call with a request id (the caller's ``x-request-id``, else a new
    one), refuses calls whose deadline is nearly spent and logs outcome and latency as
    JSON."""

    def __init__(self, agency_id: str) -> None:
        self._agency_id = agency_id

    def servicer(self, servicer: object) -> object:
        """What to register in place of ``servicer``: its unary methods wrapped, its streams
        as they are."""
        methods = {m.name: getattr(servicer, m.name) for m in _SERVICE.methods}
        for name in UNARY_METHODS:
            methods[name] = self.wrap(methods[name], name)
        return SimpleNamespace(**methods)

    def wrap(self, inner: Handler, method: str) -> Handler:
        """``inner`` with the handling around it."""
        async def handle(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            started = time.perf_counter()
            for key, value in context.invocation_metadata() or ():
                if key == "x-request-id":
                    REQUEST_ID.set(str(value))
                    break
            else:
                REQUEST_ID.set("")  # made up only if a log line needs it
            remaining = context.time_remaining()
            if remaining is not None and remaining < DEADLINE_FLOOR_S:
                self._log(method, "DEADLINE_EXCEEDED", started)
                await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED,
                                    "deadline too short to start the call")
            try:
                response = await inner(request, context)
            except BaseException:
                code = context.code()
                self._log(method, code.name if isinstance(code, grpc.StatusCode) else "CANCELLED",
                          started)
                raise
            self._log(method, "OK", started)
            return response

        return traced(self._agency_id, method, handle)

    def _log(self, method: str, code: str, started: float) -> None:
        level = logging.DEBUG if code == "OK" else logging.INFO
        if log.isEnabledFor(level):
            request_id = REQUEST_ID.get()
            if not request_id:
                request_id = uuid.uuid4().hex[:16]
                REQUEST_ID.set(request_id)
            log.log(level, "rpc", extra={
                "agency": self._agency_id, "method": method, "code": code,
                "ms": round((time.perf_counter() - started) * 1000, 3),
                "request_id": request_id})
