"""Adapter and gateway log lines: one JSON object each, extra fields as keys, and the trace
and span ids of the span they were logged in."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from adapters.sdk.logs import JsonFormatter
from caseline.v1.lib.tracing import configure_tracing, shutdown_tracing, tracer


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """A logger writing JSON lines into a buffer."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("caseline.test-logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield out
    logger.removeHandler(handler)


def _records(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_line_holds_time_level_logger_message_and_extra_fields(lines: io.StringIO) -> None:
    logging.getLogger("caseline.test-logs").warning("agency %s slow", "courts",
                                                     extra={"agency": "courts", "ms": 12.5})
    [record] = _records(lines)
    assert record["level"] == "warning"
    assert record["logger"] == "caseline.test-logs"
    assert record["msg"] == "agency courts slow"
    assert record["agency"] == "courts" and record["ms"] == 12.5
    assert str(record["ts"]).endswith("+00:00")
    assert "trace_id" not in record  # outside any span


def test_a_line_logged_in_a_span_carries_its_trace_id(lines: io.StringIO) -> None:
    configure_tracing("test", exporter=InMemorySpanExporter())
    try:
        active = tracer()
        assert active is not None
        with active.start_as_current_span("request") as span:
            logging.getLogger("caseline.test-logs").info("rpc")
    finally:
        shutdown_tracing()
    [record] = _records(lines)
    assert record["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert record["span_id"] == format(span.get_span_context().span_id, "016x")


def test_an_exception_is_one_field_of_the_same_line(lines: io.StringIO) -> None:
    try:
        raise ValueError("bad")
    except ValueError:
        logging.getLogger("caseline.test-logs").exception("failed")
    [record] = _records(lines)
    assert "ValueError: bad" in str(record["exc"])
