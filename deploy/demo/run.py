"""`caseline demo`: three adapters, the gateway and demo data on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import signal
import socket
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import click
import uvicorn
from starlette.applications import Starlette

from adapters.reference.catalog import REFERENCE_AGENCIES
from aggregator.bootstrap import (
    bootstrap,
    migrate_state,
    open_state_vault,
    processing_alert_facts,
)
from aggregator.federation.transport import ClientIdentity
from aggregator.installation import install_id
from aggregator.notify.runtime import NotifySettings
from aggregator.notify.webhooks import WebhookSettings
from aggregator.notify.wire import JetStreamSettings
from aggregator.shared_limits import SharedLimits
from aggregator.state import StatePaths
from caseline.v1.lib.tracing import configure_tracing
from deploy.commands.engine_options import Engines
from deploy.demo import mail as demo_mail
from deploy.demo.activity import DEFAULT_RATE, activity_line, start_activity
from deploy.demo.local_ca import ensure_demo_tls
from deploy.demo.mail_sink import MailSink
from deploy.demo.personas import PERSONAS
from deploy.demo.run_files import RunningDemo, announce, demo_url
from deploy.demo.sample_numbers import demo_numbers
from deploy.demo.seeding import ensure_demo_data
from deploy.demo.sign_in import DemoSignIn, issuer_url, prepare
from deploy.demo.state import DemoState, default_state_dir
from deploy.processes.heap import freeze_startup_heap
from deploy.processes.launcher import (
    AdapterProcess,
    await_ready_line,
    bind_socket,
    join_socket,
    registry_with,
    spawn_logged,
    start_reference_adapters,
    stop_processes,
)
from deploy.processes.serving import uvicorn_config
from deploy.processes.supervision import Child, Supervisor
from gateway.app import GatewaySettings, create_app
from gateway.bodylimit import DEFAULT_MAX_BODY_BYTES
from gateway.ratelimit import REPRESENTATIVE_RATE, RatePolicy
from gateway.trusted_manifest import load_manifests

__all__ = ["DemoOptions", "GatewaySpec", "demo_stream", "run_demo", "serve_gateway_worker"]

# GatewaySpec's fields that may hold a password, and the variable passing them to workers.
_SECRET_FIELDS = ("database_url", "redis_url")
_SECRETS_ENV = "CASELINE_DEMO_WORKER_URLS"
# A demo's change events are few: a small stream (the server reserves what streams ask).
_DEMO_STREAM_BYTES = 64 * 1024 * 1024


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
    workers: int = 1
    representative_burst: float = REPRESENTATIVE_RATE.burst
    representative_rate: float = REPRESENTATIVE_RATE.per_second
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    # Agencies move a few cases every minute (deploy/demo/activity.py).
    activity: bool = False
    activity_rate: float = DEFAULT_RATE
    # Change events on NATS JetStream (None: in the gateway's process, over SQLite).
    nats_url: str | None = None
    # `--engine`: "embedded" or "postgres" (deploy/commands/engine_options.py).
    engine: str = "embedded"
    # The aggregator's database (None: SQLite in the state directory); the adapters keep
    # their own stores, the agencies' systems.
    database_url: str | None = None
    # Redis for the limits every gateway process shares (None: each process's memory).
    redis_url: str | None = None
    redis_prefix: str = "caseline"
    # Manifests of the only documents /graphql runs (empty: any document runs).
    trusted_documents: tuple[Path, ...] = ()


@dataclass(frozen=True)
class GatewaySpec:
    """What each gateway process of a demo needs, also passed to extra workers as JSON."""

    state_dir: str
    host: str
    ports: dict[str, int]
    lookup_rate: float
    workers: int
    # The demo CA, and the gateway's client certificate and key for mutual TLS.
    tls_ca: str
    tls_cert: str
    tls_key: str
    representative_burst: float = REPRESENTATIVE_RATE.burst
    representative_rate: float = REPRESENTATIVE_RATE.per_second
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    # The demo sign-in provider's issuer URL (deploy/demo/sign_in.py).
    issuer: str = ""
    # The demo's SMTP sink on ``host`` (deploy/demo/mail.py); 0: no e-mail pages.
    smtp_port: int = 0
    # NATS JetStream for change events ("": none).
    nats_url: str = ""
    # The aggregator's database ("": SQLite in the state directory) and Redis for shared
    # limits ("": none). They may hold a password: extra workers get them in their
    # environment (readable by this user only), never on their command line.
    database_url: str = ""
    redis_url: str = ""
    redis_prefix: str = "caseline"
    # Trusted-documents manifests, each process reading them (none: any document runs).
    trusted_documents: tuple[str, ...] = ()

    def to_json(self) -> str:
        """The spec as one JSON object, without the URLs that may hold a password (see
        :meth:`secrets_env`)."""
        return json.dumps({**asdict(self), **dict.fromkeys(_SECRET_FIELDS, "")})

    def secrets_env(self) -> dict[str, str]:
        """The environment variable carrying what :meth:`to_json` leaves out."""
        return {_SECRETS_ENV: json.dumps({key: getattr(self, key) for key in _SECRET_FIELDS})}

    @classmethod
    def from_json(cls, text: str, environ: Mapping[str, str] | None = None) -> GatewaySpec:
        """The spec written by :meth:`to_json`, with the URLs from ``environ``'s
        :meth:`secrets_env` variable."""
        secrets = json.loads((environ or {}).get(_SECRETS_ENV) or "{}")
        fields = json.loads(text)
        fields["trusted_documents"] = tuple(fields.get("trusted_documents", ()))
        return cls(**{**fields, **{key: str(secrets.get(key) or "")
                                   for key in _SECRET_FIELDS}})


def build_gateway(spec: GatewaySpec, worker: int | None) -> Starlette:
    """One gateway process's app: its own aggregator service over the shared state."""
    state = DemoState(Path(spec.state_dir))
    configure_tracing("caseline-demo-gateway")  # only with the OTEL_* variables set
    identity = ClientIdentity.from_files(Path(spec.tls_cert), Path(spec.tls_key))
    database_url = spec.database_url or None
    vault = open_state_vault(state, database_url)
    limits = SharedLimits(spec.redis_url, spec.redis_prefix) if spec.redis_url else None
    sign_in = DemoSignIn(state, spec.issuer)
    # E-mail through the demo's sink: the same settings for the pages and the channel.
    email = (demo_mail.demo_email_settings(spec.host, spec.smtp_port, sign_in.base_url)
             if spec.smtp_port else None)
    # The demo's webhook receivers run on this machine: loopback and http allowed here only.
    service = bootstrap(registry_with(spec.ports, spec.host, Path(spec.tls_ca)), state.root,
                        database_url=database_url, client_identity=identity, vault=vault,
                        webhooks=WebhookSettings(allow_local=True), email=email,
                        notify=_notify_settings(spec), alert_facts=processing_alert_facts,
                        shared_limits=limits)
    web = sign_in.web_settings()
    if email is not None:
        web = demo_mail.with_email(web, vault, email)
    rate = RatePolicy.from_rate(spec.lookup_rate)
    representative = RatePolicy(spec.representative_burst, spec.representative_rate)
    if limits is None:  # each process counts alone: each enforces its part
        rate = rate.shared_by(spec.workers)
        representative = representative.shared_by(spec.workers)
    app = create_app(service, sign_in.verifier(), GatewaySettings(
        demo=True, rate=rate, representative_rate=representative, worker=worker,
        max_body_bytes=spec.max_body_bytes, web=web, shared_limits=limits,
        trusted_documents=load_manifests(map(Path, spec.trusted_documents))
        if spec.trusted_documents else None))
    # Every process serves the provider: codes live in a file they share.
    sign_in.mount_on(app)
    return app


def demo_stream(state: StatePaths, nats_url: str) -> JetStreamSettings:
    """The demo's JetStream stream, subjects and consumer: named after its installation, so
    that demos (and tests) sharing one NATS server never match each other's changes."""
    tag = install_id(state.install_id)
    return JetStreamSettings(nats_url, stream=f"CASELINE_CHANGES_{tag}",
                             subject_prefix=f"caseline.{tag}.changes",
                             consumer=f"caseline-matcher-{tag}", max_bytes=_DEMO_STREAM_BYTES)


def _notify_settings(spec: GatewaySpec) -> NotifySettings | None:
    """With a NATS URL, the main process's watchers publish to JetStream and it matches."""
    if not spec.nats_url:
        return None
    return NotifySettings(nats=demo_stream(StatePaths(Path(spec.state_dir)), spec.nats_url))


class _Server(uvicorn.Server):
    """uvicorn's server, minus raising the stop signal again once it has stopped, plus a
    call once it serves and one as soon as a stop signal arrives.

    uvicorn re-raises the signal so that a program without its own shutdown stops; asyncio's
    runner then cancels the main task, cutting short ours: stopping the other processes and
    the adapters.
    """

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None],
                 on_exit: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_started = on_started
        self._on_exit = on_exit

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """Stop serving; first tell ``on_exit`` (a Ctrl-C at the terminal reaches the
        children too, and their exits are then no crashes to restart)."""
        self._on_exit()
        super().handle_exit(sig, frame)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's startup, then ``on_started`` unless startup failed."""
        await super().startup(sockets)
        if self.started and not self.should_exit:
            self._on_started()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Stop gracefully on SIGINT or SIGTERM, then return."""
        originals = {sig: signal.signal(sig, self.handle_exit)
                     for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


async def _serve(app: Starlette, sock: socket.socket,
                 on_started: Callable[[], None] = lambda: None,
                 on_exit: Callable[[], None] = lambda: None) -> None:
    # On loopback, with no proxy in front: forwarded headers are never believed.
    server = _Server(uvicorn_config(app), on_started, on_exit)
    freeze_startup_heap()
    with contextlib.suppress(asyncio.CancelledError):
        await server.serve(sockets=[sock])


async def serve_gateway_worker(spec: GatewaySpec, port: int, worker: int) -> None:
    """An extra gateway process: joins the demo's ``port`` with a listening socket of its own,
    and says so on stdout with one JSON line, ``{"event": "ready", "worker": N}``."""
    def ready() -> None:
        click.echo(json.dumps({"event": "ready", "worker": worker}))
        sys.stdout.flush()

    # gRPC channels bind to the running loop, so the service is built inside it; the socket
    # joins last, as the kernel hands connections to it from then on.
    app = build_gateway(spec, worker)
    await _serve(app, join_socket(spec.host, port), ready)


def _worker_log(logs: Path, worker: int) -> Path:
    return logs / f"gateway-{worker}.log"


def _worker_child(spec: GatewaySpec, port: int, logs: Path, worker: int) -> Child:
    """Gateway process ``worker``, serving ``port`` beside this one, not started yet."""
    log = _worker_log(logs, worker)
    command = (sys.executable, "-m", "deploy.cli", "gateway", "demo-worker", "--port", str(port),
               "--worker", str(worker), "--spec", spec.to_json())

    async def spawn() -> asyncio.subprocess.Process:
        return await spawn_logged(command, log, env={**os.environ, **spec.secrets_env()})

    async def ready(process: asyncio.subprocess.Process) -> object:
        return await await_ready_line(process, log, f"gateway process {worker}", "worker")

    return Child(f"Gateway process {worker}", log, spawn, ready)


def _adapter_child(adapter: AdapterProcess) -> Child:
    """A started adapter, to start again with the same command on the same port."""
    assert adapter.log is not None and adapter.process is not None
    log = adapter.log

    async def spawn() -> asyncio.subprocess.Process:
        return await spawn_logged(adapter.command, log)

    async def ready(process: asyncio.subprocess.Process) -> object:
        return await await_ready_line(process, log, f"the {adapter.agency_id} adapter", "port")

    return Child(f"The {adapter.agency_id} adapter (port {adapter.port})", log, spawn, ready,
                 adapter.process)


async def _spawn_workers(spec: GatewaySpec, port: int, logs: Path,
                         started: list[Child]) -> list[Child]:
    """Workers 2..N as processes serving ``port`` beside this one (worker 1), appended to
    ``started`` as each is spawned (so that a failure leaves none unstopped)."""
    workers = [_worker_child(spec, port, logs, worker) for worker in range(2, spec.workers + 1)]
    for child in workers:
        child.process = await child.spawn()
        started.append(child)
    return workers


async def _await_workers(workers: list[Child]) -> None:
    """Return once every worker serves; LaunchError (quoting its log) if one does not."""
    # Every wait finishes before the first failure is raised, so none is left running.
    outcomes = await asyncio.gather(*(child.ready(child.process) for child in workers
                                      if child.process), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome


def _banner(opts: DemoOptions, port: int, adapters: list[AdapterProcess],
            manifest: dict[str, Any], mail: MailSink | None = None) -> str:
    base = f"http://{opts.host}:{port}"
    lines = [
        "", "Caseline demo is running.",
        f"  Web pages           {base}/  (look up a case: {base}/status?number=IOE0990000001)",
        f"  Sign in (pages)     {base}/sign-in  (the demo's sign-in page lists the personas; "
        f"its OpenID provider: {issuer_url(opts.host, port)})",
        f"  GraphQL + GraphiQL  {base}/graphql",
        f"  Health              {base}/healthz  (load balancers: {base}/readyz)",
        f"  Ledger checkpoint   {base}/ledger/checkpoint  (verify: caseline audit verify "
        f"--url {base})",
        f"  Ledger key          {base}/ledger/key  (pin it: caseline audit verify --url {base} "
        f"--key \"$(curl -s {base}/ledger/key)\")",
        "  Adapters (gRPC)     " + ", ".join(f"{a.agency_id} {opts.host}:{a.port}"
                                            for a in adapters),
        f"  State directory     {opts.state_dir}  ({manifest['cases']:,} generated cases "
        f"per agency, as of {manifest['today']})",
        f"  Keyring             {_keyring_line(opts.state_dir)}",
    ]
    if mail is not None:
        lines.append(f"  Mail sink (SMTP)    {mail.address}  (each e-mail received is a file in "
                     f"{mail.folder}/)")
    if opts.workers > 1 and not opts.redis_url:
        lines.append(f"  Gateway processes   {opts.workers}, sharing port {port} (each enforces "
                     f"1/{opts.workers} of the lookup rate limit)")
    elif opts.workers > 1:
        lines.append(f"  Gateway processes   {opts.workers}, sharing port {port}")
    lines += _engine_lines(_engines(opts), opts.state_dir)
    for agency_id in sorted(opts.down):
        lines.append(f"  DOWN on purpose     {agency_id} (shows up under 'unavailable')")
    for agency_id, ms in sorted(opts.slow_ms.items()):
        lines.append(f"  SLOW on purpose     {agency_id} (+{ms} ms per call)")
    if opts.activity:
        lines.append(activity_line(opts.activity_rate))
    numbers = demo_numbers(manifest)
    lines += ["", "Case numbers to look up (no sign-in needed):"]
    lines += [f"  {n.describe(manifest['today'])}" for n in numbers if n.persona]
    generated: dict[str, list[str]] = {}
    for n in numbers:
        if not n.persona:
            generated.setdefault(n.agency, []).append(n.number)
    if generated:
        # Generated numbers follow the day of seeding, so no document can list them.
        again = "caseline sample-numbers"
        if opts.state_dir != default_state_dir():
            again += f" --state-dir {shlex.quote(str(opts.state_dir))}"
        lines.append(f"  Generated cases, numbered by their seeding day ({manifest['today']}); "
                     f"'{again}' lists them again:")
        lines += [f"  {agency:<12} {', '.join(found)}" for agency, found in generated.items()]
    lines += ["", f"Sign in as a persona: on the pages at {base}/sign-in; for GraphQL, "
                  "caseline dev-token PERSONA, then send the header 'Authorization: Bearer "
                  "<token>'"]
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


def _engine_lines(engines: Engines, state_dir: Path) -> list[str]:
    """The banner's lines on where the shared state lives (URLs without passwords)."""
    shown = engines.described()
    lines = [f"  Engine              {engines.engine}"]
    if shown["database_url"]:
        lines.append(f"  Database            {shown['database_url']} (store, outbox, subject "
                     "keys; the adapters keep their own SQLite stores)")
    if shown["redis_url"]:
        lines.append(f"  Shared limits       Redis at {shown['redis_url']}: every process "
                     "counts against one limit")
    if shown["nats_url"]:
        stream = demo_stream(StatePaths(state_dir), shown["nats_url"]).stream
        lines.append(f"  Change events       NATS JetStream at {shown['nats_url']} (stream "
                     f"{stream})")
    return lines


def _keyring_line(state_dir: Path) -> str:
    from aggregator.vault import Keyring

    protection = Keyring.in_state_dir(state_dir).protection
    if protection == "key file":
        return ("keys/keyring.json, opened by the key file beside it (demo only: set "
                "CASELINE_KEYRING_KEY or CASELINE_KEYRING_PASSPHRASE in production)")
    return f"keys/keyring.json, opened by a {protection} from the environment"


def _engines(opts: DemoOptions) -> Engines:
    return Engines(opts.engine, opts.database_url, opts.redis_url, opts.nats_url)


def _announce(root: Path, host: str, port: int, engines: Engines) -> RunningDemo | None:
    try:
        return announce(root, host, port, engines=engines.described())
    except OSError as exc:  # the demo serves all the same; commands then need --state-dir
        click.echo(f"Could not write the run file that lets `caseline dev-token` and others "
                   f"find this demo's state ({exc}); pass them --state-dir {root}", err=True)
        return None


async def run_demo(opts: DemoOptions) -> None:
    """Seed on first run, start everything, serve until interrupted, stop cleanly."""
    unknown = (set(opts.down) | set(opts.slow_ms)) - set(REFERENCE_AGENCIES)
    if unknown:
        raise click.BadParameter(f"unknown agency {', '.join(sorted(unknown))}; expected one "
                                 f"of {', '.join(REFERENCE_AGENCIES)}")
    state = DemoState(opts.state_dir)
    sock = bind_socket(opts.host, opts.port, shared=opts.workers > 1)  # fail fast if taken
    port = sock.getsockname()[1]
    # The demo starts every process that uses the database, none of an older release: it
    # migrates it itself, on either engine.
    migrate_state(state, opts.database_url)
    manifest = ensure_demo_data(state, cases=opts.cases, seed=opts.seed,
                                database_url=opts.database_url)
    # Gateway <-> adapter traffic over mutual TLS, as in production, from a CA of its own.
    tls = ensure_demo_tls(state.root, REFERENCE_AGENCIES, opts.host)
    adapters, ports = await start_reference_adapters(
        state.root, {a: state.store(a) for a in REFERENCE_AGENCIES}, host=opts.host,
        down=set(opts.down), slow_ms=opts.slow_ms, tls=tls, database_url=opts.database_url)
    sink = await demo_mail.start_mail_sink(state, opts.host, demo_url(opts.host, port))
    spec = GatewaySpec(str(state.root), opts.host, ports, opts.lookup_rate, opts.workers,
                       tls_ca=str(tls.ca), tls_cert=str(tls.gateway.cert),
                       tls_key=str(tls.gateway.key),
                       representative_burst=opts.representative_burst,
                       representative_rate=opts.representative_rate,
                       max_body_bytes=opts.max_body_bytes, issuer=issuer_url(opts.host, port),
                       smtp_port=sink.port, nats_url=opts.nats_url or "",
                       database_url=opts.database_url or "", redis_url=opts.redis_url or "",
                       redis_prefix=opts.redis_prefix,
                       trusted_documents=tuple(str(p.resolve())
                                               for p in opts.trusted_documents))
    prepare(state, spec.issuer)
    logs = state.logs
    children = [_adapter_child(adapter) for adapter in adapters]
    supervisor = Supervisor(lambda line: click.echo(line, err=True))
    running: RunningDemo | None = None
    activity: asyncio.Task[None] | None = None
    try:
        # Before this process opens any gRPC channel: the workers start as fresh processes.
        workers = await _spawn_workers(spec, port, logs, children)
        app = build_gateway(spec, 1 if opts.workers > 1 else None)
        # The banner promises every process serves, so it waits for them.
        await _await_workers(workers)
        for child in children:
            supervisor.watch(child)

        def serving() -> None:
            # Once uvicorn handles SIGINT and SIGTERM (so the `finally` below runs) and before
            # the banner, so whoever reads it finds this demo's state from its URL
            # (`caseline dev-token`, `keys`, `audit`).
            nonlocal running, activity
            running = _announce(state.root, opts.host, port, _engines(opts))
            click.echo(_banner(opts, port, adapters, manifest, sink))
            if opts.activity:
                activity = start_activity(state, opts.seed, opts.activity_rate, click.echo)

        await _serve(app, sock, serving, on_exit=supervisor.stopping)
    finally:
        if activity is not None:
            activity.cancel()
        if running is not None:
            running.remove()
        await supervisor.stop()
        click.echo("Stopping…")
        await stop_processes([child.process for child in children if child.process])
        await sink.stop()
        sock.close()
        click.echo("Stopped.")
