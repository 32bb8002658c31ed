"""Process launcher: adapters as subprocesses, the gateway in this process under uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import signal
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.reference.catalog import REFERENCE_AGENCIES
from aggregator.bootstrap import consent_issuer
from aggregator.config import AggregatorConfig, load_config
from aggregator.files import open_private_append
from aggregator.state import StatePaths
from deploy.demo.local_ca import DemoTLS, TLSFiles
from deploy.demo.state import DemoState

__all__ = ["AdapterProcess", "LaunchError", "adapter_command", "await_ready_line", "bind_socket",
           "free_port", "join_socket", "registry_with", "spawn_logged", "start_adapter",
           "start_reference_adapters", "stop_adapters", "stop_processes"]

AGENCIES_TOML = Path(__file__).parents[1] / "agencies.toml"
READY_TIMEOUT_S = 30.0


class LaunchError(RuntimeError):
    """A process could not be started; the message says which and why."""


@dataclass
class AdapterProcess:
    """A running adapter subprocess."""

    agency_id: str
    port: int
    process: asyncio.subprocess.Process | None = field(default=None, repr=False)
    log: Path | None = None
    # The command that starts it again on ``port``.
    command: tuple[str, ...] = field(default=(), repr=False)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (for an agency the demo keeps down)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def bind_socket(host: str, port: int, *, shared: bool = False) -> socket.socket:
    """A listening TCP socket; port 0 lets the OS choose.

    ``shared``: other processes of ours may bind the same port with ``shared`` too
    (SO_REUSEPORT), each with a socket of its own, and the kernel spreads new connections
    over them. One socket shared by all instead would let whichever process wakes first
    take a whole burst of connections, leaving the others idle. A process that did not ask
    to share (another demo) still finds the port taken.
    """
    if shared:
        # Claimed without SO_REUSEPORT first, so that a port someone else listens on is
        # refused rather than joined, and port 0 picks a port no one uses.
        with _bound(host, port, reuse_port=False) as probe:
            port = probe.getsockname()[1]
    return _listening(host, port, reuse_port=shared)


def join_socket(host: str, port: int) -> socket.socket:
    """One more listening socket on a port :func:`bind_socket` opened with ``shared``."""
    return _listening(host, port, reuse_port=True)


def _listening(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    sock = _bound(host, port, reuse_port=reuse_port)
    sock.listen(2048)
    return sock


def _bound(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise LaunchError(f"cannot listen on {host}:{port} ({exc.strerror}); is another "
                          "Caseline demo running? Stop it or choose --port") from exc
    return sock


def adapter_command(agency_id: str, store: Path, jwks: Path, *, host: str, port: int,
                    slow_ms: int = 0, tls: TLSFiles | None = None) -> tuple[str, ...]:
    """The command line of ``caseline adapter run`` for one agency (port 0: any free;
    ``slow_ms``: the demo's slow agency, see deploy.demo.slow_agency)."""
    tls_args = ("--tls-cert", str(tls.cert), "--tls-key", str(tls.key),
                "--tls-ca", str(tls.ca)) if tls else ()
    slow_args = ("--demo-delay-ms", str(slow_ms)) if slow_ms else ()
    return (sys.executable, "-m", "deploy.cli", "adapter", "run", agency_id,
            "--host", host, "--port", str(port), "--store", str(store), "--jwks", str(jwks),
            *slow_args, *tls_args)


async def spawn_logged(command: tuple[str, ...], log_path: Path,
                       env: Mapping[str, str] | None = None) -> asyncio.subprocess.Process:
    """Start ``command`` (in ``env``, else this process's environment): its stdout piped
    (for the ready line), its stderr appended to ``log_path``."""
    with open_private_append(log_path) as log_file:
        return await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, stderr=log_file,
            stdin=asyncio.subprocess.DEVNULL, env=None if env is None else dict(env))


async def start_adapter(agency_id: str, store: Path, jwks: Path, log_path: Path, *,
                        host: str = "127.0.0.1", slow_ms: int = 0,
                        tls: TLSFiles | None = None) -> AdapterProcess:
    """Start ``caseline adapter run`` for one agency and wait until it listens (with
    ``tls``: serving mutual TLS with those files; with ``slow_ms``: delaying each call but
    Describe by that much, as `caseline demo --slow` does)."""
    def command(port: int) -> tuple[str, ...]:
        return adapter_command(agency_id, store, jwks, host=host, port=port,
                               slow_ms=slow_ms, tls=tls)

    process = await spawn_logged(command(0), log_path)
    ready = await await_ready_line(process, log_path, f"the {agency_id} adapter", "port")
    port = int(ready["port"])
    # Started again, it listens on the port it got now, where the gateway's channel is.
    return AdapterProcess(agency_id, port, process, log_path, command(port))


async def await_ready_line(process: asyncio.subprocess.Process, log_path: Path, what: str,
                           key: str) -> dict[str, Any]:
    """The JSON line ``process`` prints on stdout once it serves; it must hold ``key``.

    A process that exits, prints something else or stays silent for ``READY_TIMEOUT_S`` is
    killed, and the error quotes the end of its log.
    """
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), READY_TIMEOUT_S)
        ready = json.loads(line)
        if not isinstance(ready, dict) or key not in ready:
            raise ValueError(f"no {key!r} in {line!r}")
    except (TimeoutError, ValueError) as exc:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        tail = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
        raise LaunchError(f"{what} did not start; its log ends:\n{tail}") from exc
    return ready


async def stop_adapters(adapters: list[AdapterProcess], grace_s: float = 8.0) -> None:
    """SIGTERM each adapter (they drain and stop), then kill any that linger."""
    await stop_processes([a.process for a in adapters if a.process], grace_s)


async def stop_processes(processes: list[asyncio.subprocess.Process],
                         grace_s: float = 8.0) -> None:
    """SIGTERM each process (our servers drain and stop on it), then kill any that linger."""
    running = [p for p in processes if p.returncode is None]
    for process in running:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
    for process in running:
        try:
            await asyncio.wait_for(process.wait(), grace_s)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()


def registry_with(ports: dict[str, int], host: str = "127.0.0.1",
                  ca: Path | None = None) -> AggregatorConfig:
    """The agency registry from ``agencies.toml`` with each agency at ``host:port``, its
    certificate checked against ``ca`` (None: plaintext)."""
    base = load_config(AGENCIES_TOML)
    agencies = tuple(
        dataclasses.replace(a, address=f"{host}:{ports[a.id]}", ca=ca)
        for a in base.agencies if a.id in ports)
    return AggregatorConfig(agencies, base.deadline_s, base.retry_attempts,
                            base.breaker_failures, base.breaker_reset_s)


async def start_reference_adapters(state_root: Path, store_of: dict[str, Path], *,
                                   host: str, down: set[str], slow_ms: dict[str, int],
                                   tls: DemoTLS, database_url: str | None = None
                                   ) -> tuple[list[AdapterProcess], dict[str, int]]:
    """Start the reference adapters (except those kept ``down``), with ``tls`` serving mutual
    TLS; returns them and the ports the aggregator should call (a closed port for a downed
    agency). ``database_url``: the aggregator's database (None: SQLite in ``state_root``)."""
    jwks = StatePaths(state_root).jwks
    # Publishes the JWKS the adapters verify with.
    consent_issuer(StatePaths(state_root), database_url=database_url)
    started: list[AdapterProcess] = []
    ports: dict[str, int] = {}
    try:
        for agency_id in REFERENCE_AGENCIES:
            if agency_id in down:
                ports[agency_id] = free_port(host)
                continue
            adapter = await start_adapter(
                agency_id, store_of[agency_id], jwks, DemoState(state_root).log(agency_id),
                host=host, slow_ms=slow_ms.get(agency_id, 0),
                tls=tls.adapters[agency_id])
            started.append(adapter)
            ports[agency_id] = adapter.port
    except BaseException:
        await stop_adapters(started)
        raise
    return started, ports

