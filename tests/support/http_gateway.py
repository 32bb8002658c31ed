"""The gateway on a real uvicorn server on loopback: in this process over a fake agency, or
as a `caseline gateway serve` process."""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from cryptography.hazmat.primitives import serialization
from starlette.applications import Starlette

from aggregator.bootstrap import bootstrap
from aggregator.config import parse_config
from aggregator.model import Case, LookupFailure, LookupOutcome, SubjectCases
from aggregator.vault.key_files import load_or_create_ed25519
from aggregator.vault.opening import Release
from deploy.processes.launcher import bind_socket, free_port
from deploy.processes.serving import uvicorn_config
from gateway.app import GatewaySettings, create_app
from gateway.auth import DevIssuer, TokenVerifier

ROOT = Path(__file__).parents[2]

CONFIG = parse_config({"agencies": [{
    "id": "fake", "name": "Fake Agency", "name_es": "Agencia Falsa", "address": "unused:1",
    "numbers": "^FAK", "number_format": "FAK and 6 digits (e.g. FAK123456)"}]})


class NoCases:
    """An agency that knows no case: every lookup is NOT_FOUND."""

    agency_id = "fake"

    async def lookup(self, numbers: Sequence[str], timeout: float) -> list[LookupOutcome]:
        return [LookupFailure(n, "NOT_FOUND", "no such case") for n in numbers]

    async def subject_cases(self, consent_token: str, timeout: float,
                            release: Release) -> SubjectCases:
        return SubjectCases((), ())

    async def verify_ownership(self, number: str, access_code: str,
                               timeout: float) -> Case | None:
        return None

    async def close(self) -> None:
        return None


@dataclass
class Gateway:
    """A served gateway: its base URL, an issuer of tokens it accepts, and its process when
    it runs as one."""

    base_url: str
    issuer: DevIssuer
    process: subprocess.Popen[bytes] | None = None


def gateway_app(state_dir: Path, settings: GatewaySettings | None = None,
                verifier: TokenVerifier | None = None) -> tuple[Starlette, DevIssuer]:
    """A production-configured gateway over one fake agency, and its token issuer."""
    service = bootstrap(CONFIG, state_dir, adapters={"fake": NoCases()})
    key = load_or_create_ed25519(state_dir / "issuer.pem")
    app = create_app(service, verifier or TokenVerifier(key.public_key()), settings)
    return app, DevIssuer(key)


# Seconds a test server gives requests still running when it stops.
SHUTDOWN_GRACE_S = 10


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@asynccontextmanager
async def serving(app: Starlette, forwarded_allow_ips: Sequence[str] = ()
                  ) -> AsyncIterator[str]:
    """``app`` under uvicorn, configured as `caseline gateway serve` does, on a loopback port
    of the OS's choosing; yields the base URL."""
    sock = bind_socket("127.0.0.1", 0)
    config = uvicorn_config(app, forwarded_allow_ips=forwarded_allow_ips)
    # Stopping waits this long for requests still being answered (a stream a failed test
    # left open), then drops them, instead of waiting forever.
    config.timeout_graceful_shutdown = SHUTDOWN_GRACE_S
    server = _Server(config)
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    ready = asyncio.ensure_future(server.ready.wait())
    await asyncio.wait([task, ready], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        ready.cancel()
        task.result()
        raise RuntimeError("uvicorn stopped before serving")
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


def one_agency_down() -> str:
    """A registry of one agency (immigration) whose adapter is not running."""
    return f"""
[federation]
deadline_ms = 500
[[agencies]]
id = "immigration"
name = "USCIS"
address = "127.0.0.1:{free_port()}"
numbers = '^[A-Z]{{3}}'
number_format = "3 letters and 10 digits"
"""


@contextmanager
def gateway_process(tmp_path: Path, *args: str, registry: str | None = None,
                    state_dir: Path | None = None,
                    jwt_issuer: str = "caseline-demo") -> Iterator[Gateway]:
    """`caseline gateway serve` over ``registry`` (default: :func:`one_agency_down`), with
    its state in ``state_dir`` (default: tmp_path/state), plus ``args``."""
    config = tmp_path / "agencies.toml"
    config.write_text(registry if registry is not None else one_agency_down(),
                      encoding="utf-8")
    key = load_or_create_ed25519(tmp_path / "issuer.pem")
    public = tmp_path / "issuer.pub.pem"
    public.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    port = free_port()
    log_path = tmp_path / "gateway.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "deploy.cli", "gateway", "serve", "--config", str(config),
             "--state-dir", str(state_dir or tmp_path / "state"),
             "--jwt-public-key", str(public), "--jwt-issuer", jwt_issuer,
             "--port", str(port), *args],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(log_path.read_text()) from None
                time.sleep(0.1)
        yield Gateway(base, DevIssuer(key), process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def uvicorn_logs_to(handler: logging.Handler) -> Iterator[None]:
    """uvicorn's loggers do not propagate to the root logger (where caplog listens): an
    "Exception in ASGI application" would pass unseen without this."""
    logger = logging.getLogger("uvicorn")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


async def raw_exchange(base_url: str, head: bytes, body_parts: Sequence[bytes] = (),
                       timeout_s: float = 10) -> bytes:
    """Send ``head`` and ``body_parts`` over one connection, without ending the body, and
    return everything the server sends until it closes (a refusal before the body is read)."""
    host, port = base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(head)
        for part in body_parts:
            writer.write(part)
            await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout_s)
    finally:
        writer.close()
