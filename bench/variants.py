"""Gateway variants for the benchmarks that measure what a safeguard costs.

Production always records every read in the ledger and always drops sensitive fields an
adapter sent unsealed: it has no switch for either. A benchmark that wants a gateway without
one composes it here, through ``aggregator.bootstrap.bootstrap``'s overrides:

- ``without_access_logging``: a ledger that acknowledges appends and records nothing;
- ``without_sealing``: an opener that keeps sensitive fields sent in plaintext (to measure
  sealing, the adapters must also send them unsealed);
- ``baseline``: the production composition, served the same way, to compare against.

``mutual_tls=False`` (``--plaintext``) reaches the adapters in plaintext, to loopback, as the
plaintext adapters of bench/variant_adapters.py serve; else with the demo's certificates.

``python bench/variants.py VARIANT --state-dir DIR --ports JSON [--port P] [--worker N]
[--plaintext]`` serves one gateway process over a running demo's adapters and state, joining
port ``P``
when given (SO_REUSEPORT, as `caseline demo --workers` does), and prints one JSON line,
``{"event": "ready", "port": P, "worker": N}``, once it serves.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
import uvloop
from starlette.applications import Starlette

from adapters.reference.catalog import REFERENCE_AGENCIES
from aggregator.bootstrap import bootstrap, open_ledger, open_state_vault
from aggregator.config import AggregatorConfig
from aggregator.federation.transport import ClientIdentity
from aggregator.ledger.entries import Entry
from aggregator.ledger.ledger import Appended, Ledger
from aggregator.ledger.storage import LedgerStore, StoredCheckpoint
from aggregator.service import CaselineService
from aggregator.state import StatePaths
from aggregator.vault.key_files import load_or_create_ed25519
from aggregator.vault.opening import CaseOpener
from caseline.v1 import case_pb2
from deploy.demo.local_ca import ensure_demo_tls
from deploy.demo.state import DemoState
from deploy.processes.heap import freeze_startup_heap
from deploy.processes.launcher import bind_socket, join_socket, registry_with
from deploy.processes.serving import uvicorn_config
from gateway.app import GatewaySettings, create_app
from gateway.auth import TokenVerifier
from gateway.ratelimit import RatePolicy

__all__ = ["VARIANTS", "PlaintextOpener", "RunningGateway", "UnrecordedLedger", "build_app",
           "compose", "start_gateway"]

# The demo's default public lookup rate, shared by the processes as the demo shares it.
LOOKUP_RATE = 5.0


class PlaintextOpener(CaseOpener):
    """Keeps sensitive fields an adapter sent unsealed (production drops them)."""

    def drop_unsealed(self, case: case_pb2.Case) -> list[str]:
        """Nothing dropped."""
        return []


class UnrecordedLedger:
    """A ledger that records nothing: appends are acknowledged at once and written nowhere;
    everything else (checkpoints, proofs, export, readiness) is the real ledger's."""

    NOT_RECORDED = Appended(index=-1, at="", tree_size=0, root=b"", checkpoint="")

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self.appends = 0

    @property
    def accepting(self) -> bool:
        """The real ledger's."""
        return self._ledger.accepting

    @property
    def size(self) -> int:
        """Entries in the real ledger (none added by this one)."""
        return self._ledger.size

    @property
    def origin(self) -> str:
        """The real ledger's origin."""
        return self._ledger.origin

    @property
    def store(self) -> LedgerStore:
        """The real ledger's file."""
        return self._ledger.store

    async def append(self, entry: Entry) -> Appended:
        """Count the entry; record nothing."""
        self.appends += 1
        return self.NOT_RECORDED

    def append_sync(self, entry: Entry) -> Appended:
        """Count the entry; record nothing."""
        self.appends += 1
        return self.NOT_RECORDED

    def checkpoint(self) -> StoredCheckpoint | None:
        """The real ledger's latest checkpoint."""
        return self._ledger.checkpoint()

    def verifier_key(self) -> str:
        """The real ledger's key."""
        return self._ledger.verifier_key()

    def export(self) -> Iterator[bytes]:
        """The real ledger's export."""
        return self._ledger.export()

    def root(self, size: int | None = None) -> bytes:
        """The real ledger's root."""
        return self._ledger.root(size)

    def leaf_hash(self, index: int) -> bytes:
        """The real ledger's leaf hash."""
        return self._ledger.leaf_hash(index)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The real ledger's proof."""
        return self._ledger.inclusion_proof(index, size)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """The real ledger's proof."""
        return self._ledger.consistency_proof(size1, size2)

    def hash_tile(self, level: int, index: int, width: int) -> bytes | None:
        """The real ledger's hash tile."""
        return self._ledger.hash_tile(level, index, width)

    def entry_bundle(self, index: int, width: int) -> bytes | None:
        """The real ledger's entry bundle."""
        return self._ledger.entry_bundle(index, width)

    def close(self) -> None:
        """Close the real ledger."""
        self._ledger.close()


def _baseline(config: AggregatorConfig, root: Path, **kwargs: Any) -> CaselineService:
    return bootstrap(config, root, **kwargs)


def _without_access_logging(config: AggregatorConfig, root: Path,
                            **kwargs: Any) -> CaselineService:
    paths = StatePaths(root)
    vault = open_state_vault(paths)
    return bootstrap(config, root, vault=vault,
                     ledger=UnrecordedLedger(open_ledger(paths, vault.keyring)), **kwargs)


def _without_sealing(config: AggregatorConfig, root: Path, **kwargs: Any) -> CaselineService:
    vault = open_state_vault(StatePaths(root))
    return bootstrap(config, root, vault=vault, opener=PlaintextOpener(vault.custodian),
                     **kwargs)


VARIANTS: dict[str, Callable[..., CaselineService]] = {
    "baseline": _baseline,
    "without_access_logging": _without_access_logging,
    "without_sealing": _without_sealing,
}


def compose(variant: str, config: AggregatorConfig, state_dir: Path,
            **kwargs: Any) -> CaselineService:
    """The aggregator service of ``variant`` over ``state_dir`` (``kwargs``: further
    bootstrap keywords, such as ``adapters`` or ``client_identity``)."""
    try:
        return VARIANTS[variant](config, state_dir, **kwargs)
    except KeyError:
        raise SystemExit(f"unknown variant {variant!r}; expected one of "
                         f"{', '.join(VARIANTS)}") from None


def build_app(variant: str, state_dir: Path, ports: dict[str, int], *, host: str = "127.0.0.1",
              workers: int = 1, worker: int | None = None,
              mutual_tls: bool = True) -> Starlette:
    """A gateway app of ``variant`` over a demo's state and adapters, as the demo builds its
    own (mutual TLS with the demo's certificates, unless ``mutual_tls`` is False; demo
    settings)."""
    state = DemoState(state_dir)
    if mutual_tls:
        tls = ensure_demo_tls(state.root, REFERENCE_AGENCIES, host)
        service = compose(variant, registry_with(ports, host, tls.ca), state.root,
                          client_identity=ClientIdentity.from_files(tls.gateway.cert,
                                                                    tls.gateway.key))
    else:
        service = compose(variant, registry_with(ports, host, None), state.root)
    verifier = TokenVerifier(load_or_create_ed25519(state.issuer_key).public_key())
    return create_app(service, verifier, GatewaySettings(
        demo=True, rate=RatePolicy.from_rate(LOOKUP_RATE).shared_by(workers), worker=worker))


async def _serve(args: argparse.Namespace) -> None:
    # The service's gRPC channels bind to the running loop: built inside it.
    app = build_app(args.variant, args.state_dir, json.loads(args.ports), host=args.host,
                    workers=args.workers, worker=args.worker if args.workers > 1 else None,
                    mutual_tls=not args.plaintext)
    sock = (join_socket(args.host, args.port) if args.port
            else bind_socket(args.host, 0, shared=True))
    server = uvicorn.Server(uvicorn_config(app))
    freeze_startup_heap()  # as the demo's gateway processes do
    serving = asyncio.ensure_future(server.serve(sockets=[sock]))
    while not server.started:
        if serving.done():
            await serving  # its failure
            return
        await asyncio.sleep(0.05)
    print(json.dumps({"event": "ready", "port": sock.getsockname()[1],
                      "worker": args.worker}), flush=True)
    await serving


@dataclass
class RunningGateway:
    """Gateway processes of one variant sharing one port."""

    url: str
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


def _spawn(variant: str, state_dir: Path, ports: dict[str, int], workers: int, worker: int,
           port: int, log: Path, extra: tuple[str, ...]) -> tuple[subprocess.Popen[str], int]:
    with log.open("a") as err:
        process = subprocess.Popen(
            [sys.executable, __file__, variant, "--state-dir", str(state_dir), "--ports",
             json.dumps(ports), "--port", str(port), "--workers", str(workers), "--worker",
             str(worker), *extra], stdout=subprocess.PIPE, stderr=err, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()  # "" once it exits without serving
    try:
        return process, int(json.loads(line)["port"])
    except (ValueError, KeyError, TypeError):
        process.kill()
        process.wait()
        raise RuntimeError(f"the {variant} gateway did not start; see {log}") from None


def start_gateway(variant: str, state_dir: Path, ports: dict[str, int], workers: int = 1, *,
                  mutual_tls: bool = True) -> RunningGateway:
    """``workers`` gateway processes of ``variant`` over a running demo's state and the
    adapters at ``ports`` (over mutual TLS, or in plaintext), on one port of their own;
    returns once every one serves."""
    log = DemoState(state_dir).log(f"bench-{variant}")
    extra = () if mutual_tls else ("--plaintext",)
    running = RunningGateway("")
    try:
        first, port = _spawn(variant, state_dir, ports, workers, 1, 0, log, extra)
        running.processes.append(first)
        for worker in range(2, workers + 1):
            running.processes.append(
                _spawn(variant, state_dir, ports, workers, worker, port, log, extra)[0])
    except BaseException:
        running.stop()
        raise
    running.url = f"http://127.0.0.1:{port}"
    return running


def main(argv: list[str]) -> None:
    """Serve one gateway process of a variant (see the module's docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variant", choices=sorted(VARIANTS))
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--ports", required=True, help='the adapters\' ports, e.g. '
                                                       '\'{"courts": 50051, ...}\'')
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="join this port (0: bind one)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--worker", type=int, default=None)
    parser.add_argument("--plaintext", action="store_true",
                        help="reach the adapters in plaintext (loopback only)")
    uvloop.run(_serve(parser.parse_args(argv)))  # the loop the demo's gateway runs on


if __name__ == "__main__":
    main(sys.argv[1:])
