"""Gateway variants for bench/timeline.py's comparisons (bench only): stand-in.

Stand-in for the gateway side of the bench variants (bench/variants.py, composed through
``aggregator.bootstrap``'s overrides), which lands on another branch with the same
:func:`start_gateway`; until then these compositions use the keywords main's bootstrap still
has. Variants: ``baseline`` (production's composition), ``without_access_logging`` (reads
recorded nowhere), ``without_sealing`` (sensitive fields an adapter sent unsealed are kept).
``mutual_tls=False`` reaches the adapters in plaintext (to loopback, as the SDK's plaintext
adapters of bench/variant_adapters.py serve), else with the demo's gateway certificate.

``python bench/_variant_gateway.py VARIANT --state-dir DIR --ports JSON [--plaintext]
[--port P] [--workers N] [--worker W]`` serves one gateway process, joining port ``P`` when
given, and prints ``{"event": "ready", "port": P}`` once it serves.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn

from adapters.reference.catalog import REFERENCE_AGENCIES
from aggregator.bootstrap import bootstrap
from aggregator.federation.transport import ClientIdentity
from aggregator.vault.key_files import load_or_create_ed25519
from deploy.heap import freeze_startup_heap
from deploy.launcher import bind_socket, join_socket, registry_with
from deploy.local_ca import ensure_demo_tls
from deploy.serving import uvicorn_config
from deploy.state import DemoState
from gateway.app import GatewaySettings, create_app
from gateway.auth import TokenVerifier
from gateway.ratelimit import RatePolicy

__all__ = ["VARIANTS", "RunningGateway", "start_gateway"]

HOST = "127.0.0.1"
LOOKUP_RATE = 5.0  # the demo's default
VARIANTS = ("baseline", "without_access_logging", "without_sealing")


async def _serve(args: argparse.Namespace) -> None:
    state = DemoState(args.state_dir)
    tls = None if args.plaintext else ensure_demo_tls(state.root, REFERENCE_AGENCIES, HOST)
    # gRPC channels bind to the running loop: the service is built inside it.
    service = bootstrap(
        registry_with(json.loads(args.ports), HOST, tls.ca if tls else None), state.root,
        client_identity=(ClientIdentity.from_files(tls.gateway.cert, tls.gateway.key)
                         if tls else None),
        access_logging=args.variant != "without_access_logging",
        sealing=args.variant != "without_sealing")
    verifier = TokenVerifier(load_or_create_ed25519(state.issuer_key).public_key())
    app = create_app(service, verifier, GatewaySettings(
        demo=True, rate=RatePolicy.from_rate(LOOKUP_RATE).shared_by(args.workers),
        worker=args.worker if args.workers > 1 else None))
    sock = (join_socket(HOST, args.port) if args.port
            else bind_socket(HOST, 0, shared=args.workers > 1))
    server = uvicorn.Server(uvicorn_config(app))
    freeze_startup_heap()
    serving = asyncio.ensure_future(server.serve(sockets=[sock]))
    while not server.started:
        if serving.done():
            await serving  # its failure
            return
        await asyncio.sleep(0.05)
    print(json.dumps({"event": "ready", "port": sock.getsockname()[1]}), flush=True)
    await serving


@dataclass
class RunningGateway:
    """Gateway processes sharing one port."""

    url: str = ""
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    def stop(self) -> None:
        """SIGTERM each process (uvicorn drains and stops), then kill any that linger."""
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()


def _spawn(args: list[str], log: Path) -> tuple[subprocess.Popen[str], int]:
    with log.open("a") as err:
        process = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE,
                                   stderr=err, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()  # "" once it exits without serving
    try:
        return process, int(json.loads(line)["port"])
    except (ValueError, KeyError, TypeError):
        process.kill()
        process.wait()
        raise RuntimeError(f"a bench gateway did not start; see {log}") from None


def start_gateway(variant: str, state_dir: Path, ports: dict[str, int], workers: int = 1, *,
                  mutual_tls: bool = True) -> RunningGateway:
    """``workers`` gateway processes of ``variant`` over the adapters at ``ports`` (reached
    over mutual TLS with the demo's certificates, or in plaintext), on a port of their own;
    returns once every one serves."""
    log = DemoState(state_dir).log(f"bench-{variant}")
    common = [variant, "--state-dir", str(state_dir), "--ports", json.dumps(ports),
              "--workers", str(workers), *(() if mutual_tls else ("--plaintext",))]
    running = RunningGateway()
    try:
        first, port = _spawn([*common, "--worker", "1"], log)
        running.processes.append(first)
        for worker in range(2, workers + 1):
            running.processes.append(
                _spawn([*common, "--worker", str(worker), "--port", str(port)], log)[0])
    except BaseException:
        running.stop()
        raise
    running.url = f"http://{HOST}:{port}"
    return running


def main(argv: list[str]) -> None:
    """Serve one gateway process (see the module's docstring)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("variant", choices=sorted(VARIANTS))
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--ports", required=True)
    parser.add_argument("--plaintext", action="store_true", help="reach the adapters without TLS")
    parser.add_argument("--port", type=int, default=0, help="join this port (0: bind one)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--worker", type=int, default=1)
    import uvloop  # as the demo's gateway processes

    uvloop.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main(sys.argv[1:])
