"""Registering the AgencyAdapter methods on a server, refusing requests that do not parse.

grpc's generated registration parses each request with ``FromString``; bytes that are not a
valid message then raise inside grpc, which answers UNKNOWN with the Python exception's
class and text. Here a request that does not parse becomes a marker the method sees first,
and the caller gets INVALID_ARGUMENT saying which message was expected, nothing more.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import grpc
from google.protobuf.message import DecodeError, Message
from google.protobuf.message_factory import GetMessageClass

from adapters.sdk.errors import AdapterError
from caseline.v1 import agency_adapter_pb2

__all__ = ["MalformedRequestError", "add_adapter_methods", "refusing_malformed"]

_SERVICE = agency_adapter_pb2.DESCRIPTOR.services_by_name["AgencyAdapter"]


class MalformedRequestError(AdapterError):
    """The request's bytes are not the message the method takes."""

    code = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(self, message_name: str) -> None:
        super().__init__(f"the request is not a valid {message_name} message",
                         "MALFORMED_REQUEST")


@dataclass(frozen=True, slots=True)
class _Malformed:
    """Stands in for a request whose bytes did not parse."""

    message_name: str


def _parser(message_class: type[Message], name: str) -> Callable[[bytes], Any]:
    parse = message_class.FromString

    def deserialize(data: bytes) -> Any:
        try:
            return parse(data)
        except DecodeError:
            return _Malformed(name)

    return deserialize


async def _refuse(request: _Malformed, context: grpc.aio.ServicerContext[Any, Any]) -> None:
    await context.abort_with_status(  # type: ignore[attr-defined]
        MalformedRequestError(request.message_name).to_status())


def _guard_unary(inner: Callable[..., Any]) -> Callable[..., Any]:
    async def handle(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        if isinstance(request, _Malformed):
            await _refuse(request, context)
        return await inner(request, context)

    return handle


def _guard_stream(inner: Callable[..., AsyncIterator[Any]]) -> Callable[..., AsyncIterator[Any]]:
    async def handle(request: Any, context: grpc.aio.ServicerContext[Any, Any]
                     ) -> AsyncIterator[Any]:
        if isinstance(request, _Malformed):
            await _refuse(request, context)
        async for response in inner(request, context):
            yield response

    return handle


def refusing_malformed(servicer: object) -> object:
    """The servicer's AgencyAdapter methods, each refusing a request that did not parse
    (those registered by :func:`add_adapter_methods`) before it runs."""
    methods = {}
    for method in _SERVICE.methods:
        inner = getattr(servicer, method.name)
        methods[method.name] = (_guard_stream(inner) if method.server_streaming
                                else _guard_unary(inner))
    return SimpleNamespace(**methods)


def add_adapter_methods(server: grpc.aio.Server, servicer: object) -> None:
    """Register ``servicer``'s methods (as from :func:`refusing_malformed`) for
    caseline.v1.AgencyAdapter, with requests that do not parse passed on as markers."""
    handlers = {}
    for method in _SERVICE.methods:
        if method.client_streaming:
            raise NotImplementedError(f"{method.full_name}: client streams are not supported")
        request_class = GetMessageClass(method.input_type)
        response_class = GetMessageClass(method.output_type)
        factory = (grpc.unary_stream_rpc_method_handler if method.server_streaming
                   else grpc.unary_unary_rpc_method_handler)
        handlers[method.name] = factory(
            getattr(servicer, method.name),
            request_deserializer=_parser(request_class, method.input_type.full_name),
            response_serializer=response_class.SerializeToString)
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(_SERVICE.full_name, handlers),))
    # Registered methods take grpc's faster path (as the generated code does).
    server.add_registered_method_handlers(_SERVICE.full_name, handlers)  # type: ignore[attr-defined]
