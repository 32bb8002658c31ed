"""Cross-cutting handling for every adapter call: request id, deadline floor, logs, faults."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

__all__ = ["REQUEST_ID", "AdapterInterceptor"]

log = logging.getLogger("caseline.adapter.access")

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
# Below this much time left there is no point starting work: the caller will have given up
# before an answer could travel back.
DEADLINE_FLOOR_S = 0.002
_SERVICE_PREFIX = "/caseline.v1.AgencyAdapter/"

Handler = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]


class AdapterInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    """Tags each unary call with a request id, refuses calls whose deadline is nearly spent,
    logs outcome and latency as JSON, and optionally delays calls (demo fault injection)."""

    def __init__(self, agency_id: str, delay_s: float = 0.0) -> None:
        self._agency_id = agency_id
        self._delay_s = delay_s

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Any]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Any:
        """Wrap unary-unary AgencyAdapter handlers; pass everything else through."""
        handler = await continuation(handler_call_details)
        method: str = handler_call_details.method
        if handler is None or handler.unary_unary is None or not method.startswith(_SERVICE_PREFIX):
            return handler
        metadata = dict(handler_call_details.invocation_metadata or ())
        wrapped = self._wrap(handler.unary_unary, method.removeprefix(_SERVICE_PREFIX),
                             str(metadata.get("x-request-id", "")))
        return grpc.unary_unary_rpc_method_handler(
            wrapped, request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer)

    def _wrap(self, inner: Handler, method: str, request_id: str) -> Handler:
        delay_s = self._delay_s if method != "Describe" else 0.0

        async def handle(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            REQUEST_ID.set(request_id or uuid.uuid4().hex[:16])
            started = time.perf_counter()
            remaining = context.time_remaining()
            if remaining is not None and remaining < DEADLINE_FLOOR_S:
                self._log(method, "DEADLINE_EXCEEDED", started)
                await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED,
                                    "deadline too short to start the call")
            if delay_s:
                await asyncio.sleep(delay_s)
            try:
                response = await inner(request, context)
            except BaseException:
                code = context.code()
                self._log(method, code.name if isinstance(code, grpc.StatusCode) else "CANCELLED",
                          started)
                raise
            self._log(method, "OK", started)
            return response

        return handle

    def _log(self, method: str, code: str, started: float) -> None:
        level = logging.DEBUG if code == "OK" else logging.INFO
        if log.isEnabledFor(level):
            log.log(level, "rpc", extra={
                "agency": self._agency_id, "method": method, "code": code,
                "ms": round((time.perf_counter() - started) * 1000, 3),
                "request_id": REQUEST_ID.get()})
