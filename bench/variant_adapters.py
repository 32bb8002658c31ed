"""Adapter variants for the benchmarks that measure what a safeguard costs (bench only).

An adapter built with the SDK always seals sensitive fields, and `caseline demo` always runs
its adapters over mutual TLS: neither has a switch. A benchmark that wants an adapter without
one composes the SDK's pieces itself, here, over a demo's state directory (its seeded stores,
its published JWKS, its CA):

- ``baseline``: sealed, mutual TLS with the demo's certificates (what the demo serves);
- ``unsealed``: sensitive fields sent in plaintext (a sealer that seals nothing), mutual TLS;
- ``plaintext``: sealed, gRPC without TLS, on a loopback address only (as the SDK allows).

``python bench/variant_adapters.py VARIANT AGENCY --state-dir DIR`` serves one agency's
adapter on a free loopback port and prints ``{"event": "listening", "agency": A, "port": N}``
once it serves, as `caseline adapter run` does; :func:`start_variant_adapters` starts all
three that way.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from adapters.reference.catalog import REFERENCE_AGENCIES, profile
from adapters.reference.demo_store import DemoStore
from adapters.sdk import AdapterServicer, ConsentTokenVerifier, MappingTable, ServerTLS
from adapters.sdk.logs import configure_logging
from adapters.sdk.sealing import CaseSealer, CustodianKeys, Sealer
from adapters.sdk.server import run_adapter
from aggregator.bootstrap import StatePaths
from caseline.v1 import case_pb2
from deploy.demo.local_ca import DemoTLS, ensure_demo_tls
from deploy.demo.state import DemoState
from deploy.processes.heap import freeze_startup_heap
from deploy.processes.launcher import AdapterProcess, await_ready_line, spawn_logged, stop_adapters

__all__ = ["ADAPTER_VARIANTS", "AdapterVariant", "RunningAdapters", "Unsealed", "servicer",
           "start_variant_adapters"]

HOST = "127.0.0.1"


@dataclass(frozen=True)
class AdapterVariant:
    """What an adapter of the variant does: seal sensitive fields, serve mutual TLS."""

    sealed: bool = True
    mutual_tls: bool = True


ADAPTER_VARIANTS = {
    "baseline": AdapterVariant(),
    "unsealed": AdapterVariant(sealed=False),
    "plaintext": AdapterVariant(mutual_tls=False),
}


class Unsealed:
    """A sealer that seals nothing: sensitive fields leave the adapter in plaintext."""

    def seal(self, case: case_pb2.Case, subject: str) -> int:
        """Leave ``case`` as it is."""
        return 0


def servicer(agency: str, state_dir: Path, variant: AdapterVariant) -> AdapterServicer:
    """``agency``'s servicer over the demo's store, as `caseline adapter run` builds it but
    for the sealer."""
    agency_profile = profile(agency)
    jwks = StatePaths(state_dir).jwks
    sealer: Sealer = (CaseSealer(agency, CustodianKeys(jwks)) if variant.sealed
                      else Unsealed())
    return AdapterServicer(agency_profile, DemoStore(DemoState(state_dir).store(agency)),
                           MappingTable.load(agency_profile.mapping_path),
                           ConsentTokenVerifier(agency, jwks), sealer)


def _demo_tls(state_dir: Path) -> DemoTLS:
    return ensure_demo_tls(state_dir, REFERENCE_AGENCIES, HOST)


def _serve(variant_name: str, agency: str, state_dir: Path) -> None:
    import uvloop  # as `caseline adapter run`: the same event loop on both sides

    variant = ADAPTER_VARIANTS[variant_name]
    configure_logging("WARNING")
    files = _demo_tls(state_dir).adapters[agency] if variant.mutual_tls else None
    tls = ServerTLS.from_files(files.cert, files.key, files.ca) if files else None

    def listening(port: int) -> None:
        freeze_startup_heap()
        print(json.dumps({"event": "listening", "agency": agency, "port": port}), flush=True)

    uvloop.run(run_adapter(servicer(agency, state_dir, variant), host=HOST, port=0,
                           on_listening=listening, tls=tls))


@dataclass
class RunningAdapters:
    """The reference adapters of one variant, each in a process of its own."""

    variant: AdapterVariant
    state_dir: Path
    processes: list[AdapterProcess] = field(default_factory=list)

    @property
    def ports(self) -> dict[str, int]:
        """Each agency's port on 127.0.0.1."""
        return {p.agency_id: p.port for p in self.processes}

    async def stop(self) -> None:
        """SIGTERM each adapter, then kill any that linger."""
        await stop_adapters(self.processes)


async def start_variant_adapters(variant: str, state_dir: Path) -> RunningAdapters:
    """Start the three reference adapters of ``variant`` over a demo's state directory (one
    that `caseline demo` has seeded and published its keys in); returns once all serve."""
    running = RunningAdapters(ADAPTER_VARIANTS[variant], state_dir)
    state = DemoState(state_dir)
    try:
        for agency in REFERENCE_AGENCIES:
            log = state.log(f"bench-{variant}-{agency}")
            command = (sys.executable, __file__, variant, agency, "--state-dir", str(state_dir))
            process = await spawn_logged(command, log)
            # Stopped with the others even if it never says it serves.
            running.processes.append(AdapterProcess(agency, 0, process, log, command))
            ready = await await_ready_line(process, log, f"the {variant} {agency} adapter",
                                           "port")
            running.processes[-1].port = int(ready["port"])
    except BaseException:
        await running.stop()
        raise
    return running


def main(argv: list[str]) -> None:
    """Serve one adapter of a variant (see the module's docstring)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("variant", choices=sorted(ADAPTER_VARIANTS))
    parser.add_argument("agency", choices=REFERENCE_AGENCIES)
    parser.add_argument("--state-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    _serve(args.variant, args.agency, args.state_dir)


if __name__ == "__main__":
    main(sys.argv[1:])
