"""One timeline read is one trace: the gateway's span, and under it a client span per agency
called whose adapter-side server span continues the same trace (adapters served in this
process over real gRPC on loopback, spans captured in memory). Then an adapter process
exporting its spans by OTLP/HTTP to a receiver this test runs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from adapters.reference.catalog import REFERENCE_AGENCIES, profile
from adapters.reference.demo_store import DemoStore
from adapters.sdk.server import AdapterServer, build_servicer
from aggregator.bootstrap import bootstrap
from aggregator.state import StatePaths
from aggregator.vault.key_files import load_or_create_ed25519
from caseline.v1.lib.tracing import AGENCY
from deploy.processes.launcher import registry_with
from gateway.app import GatewaySettings, create_app
from gateway.auth import DevIssuer, TokenVerifier
from support.world import seed_world

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 1)
TIMELINE = """query { viewer { timeline { events { at agency { id } caseNumber }
  unavailable { agency { id } } } } }"""
CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN = "00f067aa0ba902b7"


def _ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[ReadableSpan]:
    found = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        found.append(span)
    return found


async def test_a_timeline_read_is_one_trace_through_every_agency_called(
        tmp_path: Path, spans: InMemorySpanExporter) -> None:
    stores = seed_world(tmp_path, cases=20, seed=7, today=TODAY)
    jwks = StatePaths(tmp_path).jwks
    servers = {a: AdapterServer(build_servicer(profile(a), DemoStore(stores[a]), jwks))
               for a in REFERENCE_AGENCIES}
    ports = {agency: await server.start() for agency, server in servers.items()}
    service = bootstrap(registry_with(ports), tmp_path)
    key = load_or_create_ed25519(tmp_path / "issuer.pem")
    app = create_app(service, TokenVerifier(key.public_key()), GatewaySettings())
    token = DevIssuer(key).issue("ana", "applicant", "Ana")
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://gateway") as client:
            response = await client.post("/graphql", json={"query": TIMELINE}, headers={
                "Authorization": f"Bearer {token}",
                "traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"})
    finally:
        await service.close()
        for server in servers.values():
            await server.stop(0)
    events = response.json()["data"]["viewer"]["timeline"]["events"]
    agencies = {e["agency"]["id"] for e in events}
    assert len(agencies) >= 2, events  # a persona with cases at several agencies

    finished = spans.get_finished_spans()
    by_id = {s.context.span_id: s for s in finished}
    [gateway] = [s for s in finished if s.name == "POST /graphql"]
    assert gateway.kind == SpanKind.SERVER
    assert format(gateway.context.trace_id, "032x") == CLIENT_TRACE  # the client's trace
    assert gateway.parent is not None and format(gateway.parent.span_id, "016x") == CLIENT_SPAN
    assert gateway.attributes is not None
    assert gateway.attributes["graphql.operation"] == "query viewer"

    reads = [s for s in finished if s.kind == SpanKind.CLIENT
             and s.name.endswith("/ListSubjectCases")]
    assert sorted(str(s.attributes[AGENCY]) for s in reads if s.attributes) == sorted(agencies)
    for call in reads:
        assert gateway in _ancestors(call, by_id)
        [served] = [s for s in finished if s.kind == SpanKind.SERVER and s.parent is not None
                    and s.parent.span_id == call.context.span_id]
        assert served.context.trace_id == gateway.context.trace_id
        assert served.name == call.name
        assert served.attributes and call.attributes
        assert served.attributes[AGENCY] == call.attributes[AGENCY]
        assert served.attributes["rpc.grpc.status_code"] == 0

    # No span names a case or the person, in its name or any attribute.
    personal = {e["caseNumber"] for e in events} | {"ana", "Ana", token}
    for span in finished:
        texts = [span.name, *(str(v) for v in (span.attributes or {}).values())]
        assert not [t for t in texts for p in personal if p in t], span.to_json()
