"""Running an adapter: the grpc.aio server with health, reflection and graceful shutdown."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from adapters.sdk.calls import CallHandling
from adapters.sdk.consent import ConsentTokenVerifier
from adapters.sdk.mapping import MappingTable
from adapters.sdk.profile import AgencyProfile
from adapters.sdk.sealing import CaseSealer, CustodianKeys
from adapters.sdk.service import AdapterServicer
from adapters.sdk.source import CaseSource
from caseline.v1 import agency_adapter_pb2, agency_adapter_pb2_grpc

__all__ = ["SERVICE_NAME", "AdapterServer", "build_servicer", "run_adapter"]

log = logging.getLogger("caseline.adapter")

SERVICE_NAME = agency_adapter_pb2.DESCRIPTOR.services_by_name["AgencyAdapter"].full_name


def build_servicer(profile: AgencyProfile, source: CaseSource, jwks_path: Path, *,
                   sealing: bool = True) -> AdapterServicer:
    """A servicer for ``profile`` with its mapping table loaded, tokens checked and sensitive
    fields sealed to the custodian key published in the same JWKS file."""
    table = MappingTable.load(profile.mapping_path)
    verifier = ConsentTokenVerifier(profile.agency_id, jwks_path)
    sealer = CaseSealer(profile.agency_id, CustodianKeys(jwks_path)) if sealing else None
    return AdapterServicer(profile, source, table, verifier, sealer)


class AdapterServer:
    """One adapter's gRPC server. ``start`` binds and returns the port (0 = the OS picks)."""

    def __init__(self, servicer: AdapterServicer, *, host: str = "127.0.0.1", port: int = 0,
                 delay_s: float = 0.0) -> None:
        self.servicer = servicer
        self.host = host
        self.requested_port = port
        self.port = 0
        self.health = health.aio.HealthServicer()  # type: ignore[attr-defined]
        self.server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
        handling = CallHandling(servicer.profile.agency_id, delay_s)
        # A stand-in holding the servicer's methods, the unary ones wrapped.
        agency_adapter_pb2_grpc.add_AgencyAdapterServicer_to_server(
            handling.servicer(servicer), self.server)  # type: ignore[arg-type]
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection(
            (SERVICE_NAME, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
             reflection.SERVICE_NAME), self.server)

    async def start(self) -> int:
        """Bind, start serving and mark health SERVING; returns the bound port."""
        self.port = self.server.add_insecure_port(f"{self.host}:{self.requested_port}")
        if self.port == 0:
            raise OSError(f"cannot bind {self.host}:{self.requested_port}")
        await self.server.start()
        for name in ("", SERVICE_NAME):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("listening", extra={"agency": self.servicer.profile.agency_id,
                                     "address": f"{self.host}:{self.port}"})
        return self.port

    async def stop(self, grace_s: float = 5.0) -> None:
        """Health to NOT_SERVING first (so balancers drain), then stop with a grace period."""
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace_s)


async def run_adapter(servicer: AdapterServicer, *, host: str, port: int, delay_s: float = 0.0,
                      on_listening: Callable[[int], None] | None = None) -> None:
    """Serve until SIGINT or SIGTERM, then shut down gracefully."""
    server = AdapterServer(servicer, host=host, port=port, delay_s=delay_s)
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
