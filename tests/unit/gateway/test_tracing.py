"""The gateway's request span: the client's trace continued, named by a fixed route (never
a page's path), the response's status recorded."""

from __future__ import annotations

import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from gateway.tracing import TraceRequests, route_label

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.mark.parametrize(("path", "label"), [
    ("/graphql", "/graphql"), ("/readyz", "/readyz"), ("/ledger/checkpoint",
                                                         "/ledger/checkpoint"),
    ("/ledger/tile/0/000", "/ledger"), ("/static/site.css", "/static"),
    ("/clients/A201555123", "pages"), ("/status", "pages"), ("/", "pages"),
])
def test_routes_come_from_a_fixed_list(path: str, label: str) -> None:
    assert route_label(path) == label


async def _fail(request: Request) -> PlainTextResponse:
    return PlainTextResponse("down", status_code=503)


async def test_a_request_is_a_server_span_in_the_clients_trace(
        spans: InMemorySpanExporter) -> None:
    app = Starlette(routes=[Route("/status", _fail)])
    app.add_middleware(TraceRequests)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://gateway") as client:
        response = await client.get("/status?number=A201555123", headers={
            "traceparent": f"00-{TRACE}-00f067aa0ba902b7-01"})
    assert response.status_code == 503
    [span] = spans.get_finished_spans()
    assert span.name == "GET pages"
    assert span.kind == SpanKind.SERVER
    assert format(span.context.trace_id, "032x") == TRACE
    assert span.attributes is not None
    assert span.attributes["http.response.status_code"] == 503
    assert span.status.status_code == StatusCode.ERROR
    assert "A201555123" not in span.to_json()
