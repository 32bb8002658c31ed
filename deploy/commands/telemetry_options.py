"""`--otlp-endpoint`, `--log-format` and `--metrics-allow-ips`: how `caseline gateway serve`
and `caseline adapter run` are observed (traces, log lines, who may read /metrics)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from gateway.metrics import Network

__all__ = ["GATEWAY_LOGGERS", "LOG_FORMAT", "METRICS_ALLOW_IPS", "OTLP_ENDPOINT",
           "gateway_logging", "gateway_telemetry", "gateway_telemetry_options",
           "metrics_networks", "start_tracing"]

F = TypeVar("F", bound=Callable[..., Any])

OTLP_ENDPOINT = click.option(
    "--otlp-endpoint", default=None, metavar="URL",
    help="Send traces by OTLP/HTTP to this collector (e.g. http://127.0.0.1:4318; spans go "
         "to URL/v1/traces). Default: OTEL_EXPORTER_OTLP_ENDPOINT (or "
         "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_TRACES_EXPORTER=otlp) if set, else no "
         "tracing at all.")
LOG_FORMAT = click.option(
    "--log-format", type=click.Choice(["json", "text"]), default="json", show_default=True,
    envvar="CASELINE_LOG_FORMAT",
    help="json: one JSON object per line, with trace_id and span_id inside a traced "
         "request (for a log collector); text: Python's plain warnings. Also "
         "CASELINE_LOG_FORMAT.")
METRICS_ALLOW_IPS = click.option(
    "--metrics-allow-ips", default="", metavar="IP[,IP...]",
    help="Who may read /metrics besides loopback: the Prometheus scraper's addresses or "
         "networks, comma-separated, connecting directly (never through the ingress). "
         "Default: loopback only.")

# The gateway's loggers: Caseline's named ones, its modules' (__name__), and strawberry's.
# uvicorn configures its own loggers when its server is built, after this, and keeps them.
GATEWAY_LOGGERS = ("caseline", "aggregator", "gateway", "deploy", "strawberry")


def start_tracing(service_name: str, otlp_endpoint: str | None) -> bool:
    """Tracing on when an endpoint is configured (the option or the OTEL_* variables)."""
    if otlp_endpoint is not None and not otlp_endpoint.startswith(("http://", "https://")):
        raise click.BadParameter("expected an http:// or https:// URL, e.g. "
                                 "http://127.0.0.1:4318", param_hint="--otlp-endpoint")
    from caseline.v1.lib.tracing import configure_tracing

    return configure_tracing(service_name, otlp_endpoint=otlp_endpoint)


def gateway_logging(log_format: str, level: str = "INFO") -> None:
    """JSON lines for the gateway's loggers; ``text`` leaves Python's defaults."""
    if log_format == "json":
        from adapters.sdk.logs import configure_logging

        configure_logging(level, loggers=GATEWAY_LOGGERS)


def metrics_networks(value: str) -> tuple[Network, ...]:
    """``--metrics-allow-ips`` as networks; a usage error naming a bad entry."""
    from gateway.metrics import parse_networks

    try:
        return parse_networks(value.split(","))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--metrics-allow-ips") from exc


def gateway_telemetry_options(command: F) -> F:
    """`gateway serve`'s --otlp-endpoint, --log-format and --metrics-allow-ips."""
    return OTLP_ENDPOINT(LOG_FORMAT(METRICS_ALLOW_IPS(command)))


def gateway_telemetry(otlp_endpoint: str | None, log_format: str,
                      metrics_allow_ips: str) -> tuple[Network, ...]:
    """Set up the gateway's logs and traces; who may read /metrics besides loopback."""
    networks = metrics_networks(metrics_allow_ips)
    gateway_logging(log_format)
    start_tracing("caseline-gateway", otlp_endpoint)
    return networks
