"""`caseline demo`: three adapters, the gateway and demo data on loopback."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import uvicorn

from adapters.reference.catalog import REFERENCE_AGENCIES
from aggregator.bootstrap import bootstrap
from aggregator.keys import load_or_create_ed25519
from deploy.demo_data import ensure_demo_data
from deploy.launcher import (
    AdapterProcess,
    bind_socket,
    registry_with,
    start_reference_adapters,
    stop_adapters,
)
from deploy.personas import PERSONAS
from deploy.state import DemoState
from gateway.app import GatewaySettings, create_app
from gateway.auth import TokenVerifier
from gateway.ratelimit import RatePolicy

__all__ = ["DemoOptions", "run_demo"]


@dataclass(frozen=True)
class DemoOptions:
    """Flags of `caseline demo`."""

    state_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    cases: int = 20_000
    seed: int = 2026
    down: frozenset[str] = frozenset()
    slow_ms: dict[str, int] = field(default_factory=dict)
    lookup_rate: float = 5.0
    access_logging: bool = True
    sealing: bool = True


def _banner(opts: DemoOptions, port: int, adapters: list[AdapterProcess],
            manifest: dict[str, Any]) -> str:
    base = f"http://{opts.host}:{port}"
    lines = [
        "", "Caseline demo is running.",
        f"  GraphQL + GraphiQL  {base}/graphql",
        f"  Health              {base}/healthz",
        f"  Ledger checkpoint   {base}/ledger/checkpoint  (verify: caseline audit verify "
        f"--url {base})",
        "  Adapters (gRPC)     " + ", ".join(f"{a.agency_id} {opts.host}:{a.port}"
                                            for a in adapters),
        f"  State directory     {opts.state_dir}  ({manifest['cases']:,} generated cases "
        f"per agency, as of {manifest['today']})",
        f"  Keyring             {_keyring_line(opts.state_dir)}",
    ]
    if not opts.sealing:
        lines.append("  SEALING OFF         sensitive fields travel in plaintext (benchmark "
                     "mode)")
    for agency_id in sorted(opts.down):
        lines.append(f"  DOWN on purpose     {agency_id} (shows up under 'unavailable')")
    for agency_id, ms in sorted(opts.slow_ms.items()):
        lines.append(f"  SLOW on purpose     {agency_id} (+{ms} ms per call)")
    lines += ["", "Case numbers to look up (no sign-in needed):"]
    for persona_id, cases in manifest["personas"].items():
        for case in cases:
            lines.append(f"  {case['agency']:<12} {case['number']:<20} {persona_id}'s "
                         f"{case['case_type']}  (access code {case['access_code']})")
    for agency_id, numbers in manifest["samples"].items():
        lines.append(f"  {agency_id:<12} {', '.join(numbers)}")
    lines += ["", "Sign in as a persona: caseline dev-token PERSONA, then send the header "
                  "'Authorization: Bearer <token>'"]
    for persona in PERSONAS.values():
        lines.append(f"  {persona.id:<7} {persona.about}")
    first = manifest["personas"]["ana"][0]["number"] if manifest["personas"]["ana"] else "-"
    lines += [
        "", "Try:",
        f"  curl -s {base}/graphql -H 'content-type: application/json' \\",
        f"    -d '{{\"query\": \"{{ caseStatus(number: \\\"{first}\\\") "
        "{ ... on CaseStatus { title category milestone } } }\"}'",
        "", "Press Ctrl-C to stop.", ""]
    return "\n".join(lines)


def _keyring_line(state_dir: Path) -> str:
    from aggregator.vault import Keyring

    protection = Keyring.in_state_dir(state_dir).protection
    if protection == "key file":
        return ("keys/keyring.json, opened by the key file beside it (demo only: set "
                "CASELINE_KEYRING_KEY or CASELINE_KEYRING_PASSPHRASE in production)")
    return f"keys/keyring.json, opened by a {protection} from the environment"


async def run_demo(opts: DemoOptions) -> None:
    """Seed on first run, start everything, serve until interrupted, stop cleanly."""
    unknown = (set(opts.down) | set(opts.slow_ms)) - set(REFERENCE_AGENCIES)
    if unknown:
        raise click.BadParameter(f"unknown agency {', '.join(sorted(unknown))}; expected one "
                                 f"of {', '.join(REFERENCE_AGENCIES)}")
    state = DemoState(opts.state_dir)
    sock = bind_socket(opts.host, opts.port)  # fail fast if the port is taken
    manifest = ensure_demo_data(state, cases=opts.cases, seed=opts.seed)
    adapters, ports = await start_reference_adapters(
        state.root, {a: state.store(a) for a in REFERENCE_AGENCIES}, host=opts.host,
        down=set(opts.down), slow_ms=opts.slow_ms, sealing=opts.sealing)
    try:
        service = bootstrap(registry_with(ports, opts.host), state.root,
                            access_logging=opts.access_logging, sealing=opts.sealing)
        verifier = TokenVerifier(load_or_create_ed25519(state.issuer_key).public_key())
        app = create_app(service, verifier,
                         GatewaySettings(demo=True, rate=RatePolicy.from_rate(opts.lookup_rate)))
        config = uvicorn.Config(app, http="httptools", lifespan="on", log_level="warning",
                                access_log=False)
        server = uvicorn.Server(config)
        click.echo(_banner(opts, sock.getsockname()[1], adapters, manifest))
        with contextlib.suppress(asyncio.CancelledError):
            await server.serve(sockets=[sock])
    finally:
        click.echo("Stopping adapters…")
        await stop_adapters(adapters)
        sock.close()
        click.echo("Stopped.")
