"""An adapter process started with OTEL_EXPORTER_OTLP_ENDPOINT exports its spans by
OTLP/HTTP: this test runs the receiver (a loopback HTTP server decoding the protobuf
request), calls the adapter with a W3C trace context and finds the adapter's server span in
the caller's trace."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import grpc
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from adapters.reference.seed import seed_store
from aggregator.bootstrap import consent_issuer
from aggregator.state import StatePaths
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
from deploy.processes.launcher import start_adapter, stop_adapters

pytestmark = pytest.mark.integration

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"


class Receiver(ThreadingHTTPServer):
    """Keeps each OTLP/HTTP trace export it is sent."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.exports: list[ExportTraceServiceRequest] = []
        self.paths: list[str] = []


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.server.paths.append(self.path)
        self.server.exports.append(ExportTraceServiceRequest.FromString(body))
        answer = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """The OTLP/HTTP receiver, serving on a loopback port of its own."""
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


async def test_an_adapter_exports_its_server_span_in_the_callers_trace(
        tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_store(tmp_path / "courts.sqlite3", "courts", cases=5, seed=7, today=date(2026, 11, 1),
               progress=False)
    consent_issuer(StatePaths(tmp_path))
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT",
                       f"http://127.0.0.1:{receiver.server_address[1]}")
    adapter = await start_adapter("courts", tmp_path / "courts.sqlite3",
                                  StatePaths(tmp_path).jwks, tmp_path / "courts.log")
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{adapter.port}") as channel:
            await pb_grpc.AgencyAdapterStub(channel).Describe(
                pb.DescribeRequest(), timeout=10,
                metadata=(("traceparent", f"00-{TRACE}-{PARENT}-01"),))
    finally:
        await stop_adapters([adapter])  # a clean stop exports what is still batched
    deadline = time.monotonic() + 10
    while not receiver.exports and time.monotonic() < deadline:
        time.sleep(0.05)

    assert receiver.paths and set(receiver.paths) == {"/v1/traces"}
    spans = [(resource, span) for export in receiver.exports
             for resource in export.resource_spans
             for scope in resource.scope_spans for span in scope.spans]
    [(resource, span)] = [(r, s) for r, s in spans
                          if s.name == "caseline.v1.AgencyAdapter/Describe"]
    assert span.trace_id.hex() == TRACE
    assert span.parent_span_id.hex() == PARENT
    attributes = {a.key: a.value.string_value or a.value.int_value for a in span.attributes}
    assert attributes["caseline.agency"] == "courts"
    service = {a.key: a.value.string_value for a in resource.resource.attributes}
    assert service["service.name"] == "caseline-adapter-courts"
