"""Structured logging for adapters and the gateway: one JSON object per line (python-json-
logger, a stdlib formatter, so every ``log.info(..., extra={...})`` keeps its fields as
top-level keys), with the trace and span ids of the span the line was logged in."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

__all__ = ["JsonFormatter", "configure_logging"]


class JsonFormatter(_JsonFormatter):
    """``ts``, ``level``, ``logger``, ``msg``, any ``extra=`` fields, ``exc`` for an
    exception, and ``trace_id``/``span_id`` (hex, as trace viewers show them) in a span."""

    def __init__(self) -> None:
        super().__init__(["levelname", "name", "message"],
                         rename_fields={"levelname": "level", "name": "logger",
                                        "message": "msg", "exc_info": "exc"})

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord,
                   message_dict: dict[str, Any]) -> None:
        """The record's fields, the time first and the trace ids last."""
        log_data["ts"] = datetime.fromtimestamp(record.created, UTC).isoformat(
            timespec="milliseconds")
        super().add_fields(log_data, record, message_dict)
        log_data["level"] = record.levelname.lower()
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            log_data["trace_id"] = format(span.trace_id, "032x")
            log_data["span_id"] = format(span.span_id, "016x")


def configure_logging(level: str = "INFO", *, loggers: tuple[str, ...] = ("caseline",)
                      ) -> None:
    """Send ``loggers``' records (Caseline's own by default) to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in loggers:
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
