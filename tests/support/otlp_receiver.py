"""A tiny OTLP/HTTP trace receiver on a loopback port (no collector is installed here): it
decodes each export request and keeps it."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import Span

__all__ = ["Receiver", "otlp_receiver"]


class Receiver(ThreadingHTTPServer):
    """Keeps each OTLP/HTTP trace export it is sent."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.exports: list[ExportTraceServiceRequest] = []
        self.paths: list[str] = []

    @property
    def endpoint(self) -> str:
        """The base URL to give an OTLP exporter."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def spans(self, wait_s: float = 10) -> list[tuple[Resource, Span]]:
        """Every span received, with its resource (waiting up to ``wait_s`` for a first
        export)."""
        deadline = time.monotonic() + wait_s
        while not self.exports and time.monotonic() < deadline:
            time.sleep(0.05)
        return [(resource.resource, span) for export in self.exports
                for resource in export.resource_spans
                for scope in resource.scope_spans for span in scope.spans]


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


@contextmanager
def otlp_receiver() -> Iterator[Receiver]:
    """The receiver, serving on a loopback port of its own until the block ends."""
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
