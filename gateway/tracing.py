"""The gateway's span for each HTTP request (or websocket), continuing the trace a client or
ingress started (W3C ``traceparent``); every agency call the request makes is under it.

Written here rather than taken from opentelemetry-instrumentation-asgi: that middleware
records the full URL, query string included (the pages' ``/status?number=…`` carries a case
number), and the client's address, and adds a span for every message sent or received. This
one names the span by method and a route from a fixed list, and records the status code.
Off (one global read per request) until tracing is configured.
"""

from __future__ import annotations

from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from caseline.v1.lib import tracing

__all__ = ["TraceRequests", "route_label"]

_API = frozenset({"/graphql", "/livez", "/readyz", "/healthz", "/metrics",
                  "/ledger/export", "/ledger/checkpoint", "/ledger/key"})


def route_label(path: str) -> str:
    """The path when it is one of the API's, ``/static`` or ``/ledger`` for those trees, and
    ``pages`` for every other (a page's path may hold a case number or an account)."""
    if path in _API:
        return path
    for tree in ("/static", "/ledger"):
        if path.startswith(tree + "/"):
            return tree
    return "pages"


class TraceRequests:
    """ASGI middleware: a server span around each request while tracing is on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, in a span when tracing is on."""
        tracer = tracing.tracer()
        if tracer is None or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        parent = tracing.incoming_context(
            (name.decode("latin-1"), value) for name, value in scope["headers"])
        method = scope.get("method", "WEBSOCKET")
        route = route_label(scope["path"])
        with tracer.start_as_current_span(
                f"{method} {route}", context=parent, kind=SpanKind.SERVER,
                attributes={"http.request.method": method, "http.route": route},
                record_exception=False, set_status_on_exception=False) as span:

            async def send_noting_status(message: Message) -> None:
                if message["type"] == "http.response.start":
                    span.set_attribute("http.response.status_code", message["status"])
                    if message["status"] >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                await send(message)

            try:
                await self.app(scope, receive, send_noting_status)
            except BaseException:
                span.set_status(Status(StatusCode.ERROR))
                raise
