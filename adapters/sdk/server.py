"""Running an adapter: the grpc.aio server with health, reflection, mutual TLS and graceful
shutdown."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from adapters.sdk.calls import CallHandling
from adapters.sdk.consent import ConsentTokenVerifier
from adapters.sdk.handlers import add_adapter_methods, refusing_malformed
from adapters.sdk.mapping import MappingTable
from adapters.sdk.profile import AgencyProfile
from adapters.sdk.sealing import CaseSealer, CustodianKeys
from adapters.sdk.servicer import AdapterServicer
from adapters.sdk.source import CaseSource
from adapters.sdk.statistics import DEFAULT_MIN_CELL_SIZE
from adapters.sdk.transport import ServerTLS, check_listen_address
from caseline.v1 import agency_adapter_pb2

__all__ = ["MIN_PING_INTERVAL_MS", "SERVICE_NAME", "AdapterServer", "build_servicer",
           "run_adapter", "server_options"]

log = logging.getLogger("caseline.adapter")

SERVICE_NAME = agency_adapter_pb2.DESCRIPTOR.services_by_name["AgencyAdapter"].full_name

# The shortest interval between keepalive pings on an idle connection that the server
# accepts. The gateway pings every aggregator.federation.client.KEEPALIVE_TIME_MS (5 min) to keep
# long-lived channels through firewalls and to notice dead ones; a gRPC server by default
# takes pings while no call is open as abuse (one per 2 h allowed) and, after more than two
# such strikes, closes the connection with GOAWAY "too_many_pings". Accepting them down to a
# fifth of the gateway's interval leaves room for timer and network jitter.
MIN_PING_INTERVAL_MS = 60_000


def server_options(min_ping_interval_ms: int = MIN_PING_INTERVAL_MS) -> list[tuple[str, int]]:
    """The grpc server options of an adapter; ``min_ping_interval_ms`` must be at or below
    the interval at which its callers send keepalive pings."""
    return [
        ("grpc.so_reuseport", 0),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.min_ping_interval_without_data_ms", min_ping_interval_ms),
    ]


def build_servicer(profile: AgencyProfile, source: CaseSource, jwks_path: Path, *,
                   min_cell_size: int = DEFAULT_MIN_CELL_SIZE) -> AdapterServicer:
    """A servicer for ``profile`` with its mapping table loaded, tokens checked and sensitive
    fields sealed to the custodian key published in the same JWKS file; processing
    statistics withhold cells under ``min_cell_size`` cases."""
    table = MappingTable.load(profile.mapping_path)
    verifier = ConsentTokenVerifier(profile.agency_id, jwks_path)
    sealer = CaseSealer(profile.agency_id, CustodianKeys(jwks_path))
    return AdapterServicer(profile, source, table, verifier, sealer,
                           min_cell_size=min_cell_size)


class AdapterServer:
    """One adapter's gRPC server. ``start`` binds and returns the port (0 = the OS picks).

    With ``tls`` it serves mutual TLS: its own certificate, and only callers whose client
    certificate chains to ``tls.client_ca``. Without, it serves plaintext and only on a
    loopback address (PlaintextRefusedError otherwise, before anything binds).

    ``interceptors`` (``grpc.aio.ServerInterceptor`` instances, in order) are the slot for an
    agency's own cross-cutting needs (its audit log, its tracing, its own authorization).
    They are consulted on every call to every service of the server (the adapter's, health,
    reflection) and may wrap or replace the handler they are given. The handler they get
    already carries the SDK's own handling (request id, deadline floor, access log), which
    the server installed first, when it was built; so what an interceptor adds runs around
    it, and a call it refuses never reaches it.
    """

    def __init__(self, servicer: AdapterServicer, *, host: str = "127.0.0.1", port: int = 0,
                 tls: ServerTLS | None = None,
                 interceptors: Sequence[grpc.aio.ServerInterceptor[Any, Any]] = (),
                 min_ping_interval_ms: int = MIN_PING_INTERVAL_MS) -> None:
        check_listen_address(host, tls)
        self.servicer = servicer
        self.host = host
        self.requested_port = port
        self.port = 0
        self.tls = tls
        self.health = health.aio.HealthServicer()  # type: ignore[attr-defined]
        self.server = grpc.aio.server(interceptors=list(interceptors) or None,
                                      options=server_options(min_ping_interval_ms))
        handling = CallHandling(servicer.profile.agency_id)
        # A stand-in holding the servicer's methods, the unary ones wrapped.
        add_adapter_methods(self.server, handling.servicer(refusing_malformed(servicer)))
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection(
            (SERVICE_NAME, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
             reflection.SERVICE_NAME), self.server)

    async def start(self) -> int:
        """Bind, start serving and mark health SERVING; returns the bound port."""
        host = f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") \
            else self.host  # an IPv6 address
        address = f"{host}:{self.requested_port}"
        self.port = (self.server.add_secure_port(address, self.tls.credentials()) if self.tls
                     else self.server.add_insecure_port(address))
        if self.port == 0:
            raise OSError(f"cannot bind {self.host}:{self.requested_port}")
        await self.server.start()
        for name in ("", SERVICE_NAME):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("listening", extra={"agency": self.servicer.profile.agency_id,
                                     "address": f"{self.host}:{self.port}",
                                     "tls": "mutual" if self.tls else "off"})
        return self.port

    async def stop(self, grace_s: float = 5.0) -> None:
        """Health to NOT_SERVING first (so balancers drain), then stop with a grace period."""
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace_s)


async def run_adapter(servicer: AdapterServicer, *, host: str, port: int,
                      on_listening: Callable[[int], None] | None = None,
                      tls: ServerTLS | None = None,
                      interceptors: Sequence[grpc.aio.ServerInterceptor[Any, Any]] = ()) -> None:
    """Serve until SIGINT or SIGTERM, then shut down gracefully (see :class:`AdapterServer`
    for ``tls`` and ``interceptors``)."""
    server = AdapterServer(servicer, host=host, port=port, tls=tls,
                           interceptors=interceptors)
    bound = await server.start()
    if on_listening is not None:
        on_listening(bound)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("shutting down", extra={"agency": servicer.profile.agency_id})
    await server.stop()
