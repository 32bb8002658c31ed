"""/metrics: Prometheus text for the operators' scraper, refused to everyone else.

It shares the public API's port, and what it shows (request rates, agencies' breaker
states, the outbox's depth) is operations' business, not the public's: it tells an attacker
when an agency is down or the deliverer behind. So it answers only a direct connection from
loopback or from ``--metrics-allow-ips`` (the scraper's addresses or networks), and never a
request that came through a proxy (one carrying Forwarded or X-Forwarded-For): a reverse
proxy on this host would otherwise make every public client look like loopback.

With ``PROMETHEUS_MULTIPROC_DIR`` set (several worker processes on one port, each with its
own counters) the counters and histograms of all of them are merged from that directory, as
prometheus-client's multiprocess mode does.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from aggregator.service import CaselineService
from aggregator.telemetry.gauges import breaker_states, outbox_gauges

__all__ = ["LOOPBACK", "Network", "ServiceGauges", "exposition", "metrics_endpoint",
           "parse_networks", "scraper_allowed"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK: tuple[Network, ...] = (ipaddress.ip_network("127.0.0.0/8"),
                                 ipaddress.ip_network("::1/128"))
_PROXIED = ("forwarded", "x-forwarded-for")


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or networks (``10.0.0.0/8``, ``192.0.2.7``); ValueError names a bad one."""
    networks = []
    for value in (v.strip() for v in values):
        if not value:
            continue
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError as exc:
            raise ValueError(f"--metrics-allow-ips: {value!r} is not an IP address or "
                             "network (e.g. 10.0.0.5 or 10.0.0.0/8)") from exc
    return tuple(networks)


def scraper_allowed(client: str | None, headers: Iterable[str],
                    allowed: Sequence[Network]) -> bool:
    """Whether a request from ``client`` (with these header names, lower-case) may read
    the metrics: a direct connection from an allowed address."""
    if client is None or any(name in _PROXIED for name in headers):
        return False
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    return any(address in network for network in allowed)


class ServiceGauges(Collector):
    """Gauges read from the service when scraped: breaker states, outbox depth and lag."""

    def __init__(self, service: CaselineService) -> None:
        self._service = service

    def collect(self) -> Iterator[Metric]:
        """One reading of each."""
        breakers = GaugeMetricFamily(
            "caseline_agency_breaker_state", "Each agency's circuit breaker: 1 for its "
            "current state (CLOSED, HALF_OPEN or OPEN), 0 for the others.",
            labels=["agency", "state"])
        for (agency, state), value in breaker_states(self._service.federation.breakers).items():
            breakers.add_metric([agency, state], value)
        yield breakers
        if self._service.notify is None:
            return
        gauges = outbox_gauges(self._service.store.engine, datetime.now(UTC))
        yield GaugeMetricFamily(
            "caseline_notify_outbox_pending", "Notification deliveries waiting to be sent "
            "(counted up to 100000).", value=gauges.pending)
        yield GaugeMetricFamily(
            "caseline_notify_lag_seconds", "How long the oldest due delivery has waited past "
            "its due time (0: none is waiting).", value=gauges.oldest_due_s)


def exposition(service_registry: CollectorRegistry) -> bytes:
    """The text a scrape gets: this process's (or every worker's) metrics, then the
    service's gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        merged = CollectorRegistry()
        MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        own = generate_latest(merged)
    else:
        own = generate_latest(REGISTRY)
    return own + generate_latest(service_registry)


def metrics_endpoint(service: CaselineService, allowed: Sequence[Network]
                     ) -> Callable[[Request], Awaitable[Response]]:
    """The /metrics handler for ``service``, answering clients in ``allowed`` only."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ServiceGauges(service))

    async def metrics(request: Request) -> Response:
        client = request.client.host if request.client else None
        if not scraper_allowed(client, request.headers.keys(), allowed):
            return PlainTextResponse("/metrics is for the operators' scraper: connect "
                                     "directly from an address in --metrics-allow-ips\n",
                                     status_code=403)
        # The gauges query the database: off the event loop.
        body = await run_in_threadpool(exposition, registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return metrics
