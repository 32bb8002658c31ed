"""Tracing for a test: spans kept in memory (no collector runs here)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from caseline.v1.lib.tracing import configure_tracing, shutdown_tracing

__all__ = ["spans"]


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on for this test, every finished span kept in memory."""
    exporter = InMemorySpanExporter()
    assert configure_tracing("caseline-test", exporter=exporter)
    yield exporter
    shutdown_tracing()
