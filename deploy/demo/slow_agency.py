"""The demo's slow agency (`caseline demo --slow AGENCY[:MS]`): an interceptor that delays
calls, installed through the SDK server's interceptor slot.

It shows what an agency past the gateway's deadline looks like (that agency under
"unavailable", the others answering in time). Describe is answered at once, so the adapter
still starts and checks as healthy; health and reflection are not the adapter's calls and
pass untouched, as does the change stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from caseline.v1 import agency_adapter_pb2

__all__ = ["DEFAULT_SLOW_MS", "SlowAgency"]

# Past the demo's 1 s deadline: the agency shows up as unavailable.
DEFAULT_SLOW_MS = 3000

_SERVICE = agency_adapter_pb2.DESCRIPTOR.services_by_name["AgencyAdapter"]
_DELAYED = frozenset(
    f"/{_SERVICE.full_name}/{m.name}" for m in _SERVICE.methods
    if not m.client_streaming and not m.server_streaming and m.name != "Describe")


class SlowAgency(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    """Delays every unary AgencyAdapter call but Describe by ``delay_s`` before the adapter
    handles it; ``sleep`` waits (tests pass one that records instead)."""

    def __init__(self, delay_s: float,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        if delay_s <= 0:
            raise ValueError(f"delay_s must be positive, got {delay_s}")
        self.delay_s = delay_s
        self._sleep = sleep

    async def intercept_service(
            self, continuation: Callable[[grpc.HandlerCallDetails],
                                         Awaitable[grpc.RpcMethodHandler[Any, Any]]],
            handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler[Any, Any]:
        """The method's handler, delayed if it is one of the adapter's unary calls."""
        handler = await continuation(handler_call_details)
        if handler_call_details.method not in _DELAYED or handler is None \
                or handler.unary_unary is None:
            return handler
        # Typed by grpc's stubs for the synchronous server; on grpc.aio it is a coroutine.
        inner: Callable[..., Awaitable[Any]] = handler.unary_unary
        sleep, delay_s = self._sleep, self.delay_s

        async def delayed(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            await sleep(delay_s)
            return await inner(request, context)

        return grpc.unary_unary_rpc_method_handler(
            delayed, request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer)
