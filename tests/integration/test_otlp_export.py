"""An adapter process started with OTEL_EXPORTER_OTLP_ENDPOINT exports its spans by
OTLP/HTTP: this test runs the receiver (a loopback HTTP server decoding the protobuf
request), calls the adapter with a W3C trace context and finds the adapter's server span in
the caller's trace."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import grpc
import httpx
import orjson
import pytest

from adapters.reference.seed import seed_store
from aggregator.bootstrap import consent_issuer
from aggregator.state import StatePaths
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
from deploy.processes.launcher import start_adapter, stop_adapters
from support.http_gateway import gateway_process
from support.otlp_receiver import Receiver, otlp_receiver

pytestmark = pytest.mark.integration

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """The OTLP/HTTP receiver."""
    with otlp_receiver() as server:
        yield server


async def test_an_adapter_exports_its_server_span_in_the_callers_trace(
        tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_store(tmp_path / "courts.sqlite3", "courts", cases=5, seed=7, today=date(2026, 11, 1),
               progress=False)
    consent_issuer(StatePaths(tmp_path))
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
    adapter = await start_adapter("courts", tmp_path / "courts.sqlite3",
                                  StatePaths(tmp_path).jwks, tmp_path / "courts.log")
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{adapter.port}") as channel:
            await pb_grpc.AgencyAdapterStub(channel).Describe(
                pb.DescribeRequest(), timeout=10,
                metadata=(("traceparent", f"00-{TRACE}-{PARENT}-01"),))
    finally:
        await stop_adapters([adapter])  # a clean stop exports what is still batched
    spans = receiver.spans()
    assert receiver.paths and set(receiver.paths) == {"/v1/traces"}
    [(resource, span)] = [(r, s) for r, s in spans
                          if s.name == "caseline.v1.AgencyAdapter/Describe"]
    assert span.trace_id.hex() == TRACE
    assert span.parent_span_id.hex() == PARENT
    attributes = {a.key: a.value.string_value or a.value.int_value for a in span.attributes}
    assert attributes["caseline.agency"] == "courts"
    service = {a.key: a.value.string_value for a in resource.attributes}
    assert service["service.name"] == "caseline-adapter-courts"


def test_gateway_serve_exports_the_request_and_logs_its_trace_id(
        tmp_path: Path, receiver: Receiver) -> None:
    """`caseline gateway serve --otlp-endpoint`: a lookup at an agency that is down is one
    trace (the request's span, the failed call's client span) and its log line (JSON, the
    default) names that trace; /metrics answers the loopback scraper."""
    with gateway_process(tmp_path, "--otlp-endpoint", receiver.endpoint) as gateway:
        answer = httpx.post(f"{gateway.base_url}/graphql", timeout=15, headers={
            "traceparent": f"00-{TRACE}-{PARENT}-01"}, json={"query": (
                '{ caseStatus(number: "IOE0912345678") '
                '{ ... on CaseLookupError { code } } }')})
        assert answer.json()["data"]["caseStatus"]["code"] == "AGENCY_UNAVAILABLE"
        metrics = httpx.get(f"{gateway.base_url}/metrics", timeout=15)
        assert metrics.status_code == 200
        assert 'caseline_agency_breaker_state{agency="immigration",state="CLOSED"}' \
            in metrics.text
    # Stopped (SIGTERM): what was still batched has been exported.
    traced = [(resource, span) for resource, span in receiver.spans()
              if span.trace_id.hex() == TRACE]
    [(resource, request)] = [(r, s) for r, s in traced if s.name == "POST /graphql"]
    assert request.parent_span_id.hex() == PARENT
    assert {a.key: a.value.string_value for a in resource.attributes}["service.name"] \
        == "caseline-gateway"
    calls = [s for _, s in traced if s.name == "caseline.v1.AgencyAdapter/LookupCases"]
    assert calls and all(s.status.code == s.status.STATUS_CODE_ERROR for s in calls)
    logged = [orjson.loads(line) for line in (tmp_path / "gateway.log").read_text().splitlines()
              if line.startswith("{")]
    failed = [r for r in logged if r.get("msg") == "agency call failed"]
    assert failed and all(r["trace_id"] == TRACE for r in failed), logged
    assert failed[0]["agency"] == "immigration"
