"""The `caseline` command line: demo, adapters, vocabulary tools, seeding, dev tokens."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from adapters.reference.catalog import REFERENCE_AGENCIES, profile
from deploy.commands.audit import audit
from deploy.commands.engine_options import database_errors, engine_options, resolve_engines
from deploy.commands.keys import keys
from deploy.commands.migrate import migrate
from deploy.commands.nats_options import jetstream_settings
from deploy.commands.notify import notify
from deploy.commands.notify_match import match as notify_match
from deploy.commands.record_event import record_event_command
from deploy.commands.redis_options import redis_options, shared_limits
from deploy.commands.sign_in_options import SignInOptions, sign_in_options
from deploy.commands.state_options import DEMO_URL, persona_token, state_dir_for
from deploy.commands.state_options import STATE_DIR as DEMO_STATE_DIR
from deploy.commands.telemetry_options import OTLP_ENDPOINT, gateway_telemetry, start_tracing
from deploy.commands.telemetry_options import gateway_telemetry_options as telemetry_options
from deploy.commands.trusted_documents import TRUSTED_DOCUMENTS, trusted_documents, trusted_from
from deploy.commands.uscis_api import run_uscis_api, uscis_api_options
from deploy.commands.vocab import vocab
from deploy.demo.personas import PERSONAS
from deploy.demo.state import DemoState, default_state_dir

__all__ = ["main"]

AGENCY = click.Choice(REFERENCE_AGENCIES)
STATE_DIR = click.option(
    "--state-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Where demo data and keys live (default: $CASELINE_STATE_DIR or ~/.caseline).")
MAX_BODY_BYTES = click.option(
    "--max-body-bytes", default=256 * 1024, show_default=True, type=click.IntRange(min=1024),
    help="Request bodies over this size are refused (413) before they are read.")

REPRESENTATIVE_BURST = click.option(
    "--representative-burst", default=1000, show_default=True, type=click.IntRange(min=100),
    help="Lookups a signed-in representative may make at once (their own quota, per account).")
REPRESENTATIVE_RATE = click.option(
    "--representative-rate", default=10.0, show_default=True, type=click.FloatRange(min=0.1),
    help="Lookups per second refilling a representative's quota.")


F = TypeVar("F", bound=Callable[..., Any])
PEM_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _tls_options(cert_help: str, key_help: str, ca_help: str | None) -> Callable[[F], F]:
    """--tls-cert, --tls-key and (where the peer's CA is not in a registry) --tls-ca."""
    def apply(command: F) -> F:
        if ca_help is not None:
            command = click.option("--tls-ca", type=PEM_FILE, default=None,
                                   help=ca_help)(command)
        command = click.option("--tls-key", type=PEM_FILE, default=None, help=key_help)(command)
        return click.option("--tls-cert", type=PEM_FILE, default=None, help=cert_help)(command)
    return apply


def _tls_files(**files: Path | None) -> list[Path] | None:
    """The TLS files in order when every one was given, None when none was; a usage error
    naming the missing options otherwise."""
    given = [path for path in files.values() if path is not None]
    if not given:
        return None
    if len(given) < len(files):
        options = [f"--{name.replace('_', '-')}" for name in files]
        missing = [o for o, path in zip(options, files.values(), strict=True) if path is None]
        raise click.UsageError(f"mutual TLS needs {', '.join(options)} together; missing "
                               f"{', '.join(missing)}")
    return given


@click.group()
def main() -> None:
    """Caseline: one timeline of a person's government cases across agencies."""
    # State files (keys, databases, access codes, logs) are written 0600 by aggregator.files;
    # this also covers what libraries and child processes create, whatever the caller's umask.
    os.umask(0o077)


def _parse_slow(values: tuple[str, ...]) -> dict[str, int]:
    from deploy.demo.slow_agency import DEFAULT_SLOW_MS

    result = {}
    for value in values:
        agency, _, ms = value.partition(":")
        if ms and not ms.isdigit():
            raise click.BadParameter(f"{value!r}: expected AGENCY or AGENCY:MILLISECONDS")
        result[agency] = int(ms) if ms else DEFAULT_SLOW_MS
    return result


@main.command()
@STATE_DIR
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address.")
@click.option("--port", default=8000, show_default=True, help="Gateway port (0: any free).")
@click.option("--cases", default=20_000, show_default=True,
              help="Generated cases per agency on first run.")
@click.option("--seed", default=2026, show_default=True, help="Seed of the data generator.")
@click.option("--down", multiple=True, type=AGENCY,
              help="Keep this agency's adapter down (repeatable).")
@click.option("--slow", multiple=True, metavar="AGENCY[:MS]",
              help="Delay every call to this agency but Describe (repeatable; default "
                   "3000 ms, past the deadline).")
@click.option("--lookup-rate", default=5.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Public lookups per second per client (burst: 60 seconds' worth, >= 300).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 32),
              help="Gateway processes sharing the port, to use more than one CPU core.")
@REPRESENTATIVE_BURST
@REPRESENTATIVE_RATE
@MAX_BODY_BYTES
@click.option("--activity", is_flag=True,
              help="Agencies move a few cases every minute, the personas' included, as "
                   "`caseline adapter record-event` would (their stories stay open; ana "
                   "keeps her open action).")
@click.option("--activity-rate", default=None, type=click.FloatRange(min=0.1, max=600),
              metavar="N",
              help="Case moves per minute at each agency (default 3); implies --activity.")
@engine_options
@redis_options
@TRUSTED_DOCUMENTS
def demo(state_dir: Path | None, host: str, port: int, cases: int, seed: int,
         down: tuple[str, ...], slow: tuple[str, ...], lookup_rate: float, workers: int,
         representative_burst: int, representative_rate: float, max_body_bytes: int,
         activity: bool, activity_rate: float | None, engine: str, database_url: str | None,
         redis_url: str | None, nats_url: str | None, redis_prefix: str,
         trusted_documents: tuple[Path, ...]) -> None:
    """Run all three adapters and the gateway with demo data on loopback.

    Gateway and adapters talk mutual TLS, with a CA and certificates the demo creates in the
    state directory on first run (tls/: keys 0600, reused later). With --engine postgres the
    aggregator's store, outbox and subject keys live in PostgreSQL, shared limits in Redis
    and change events on NATS JetStream (the local services unless the URLs say otherwise);
    the demo migrates the database's schema first.
    """
    import uvloop

    from aggregator.vault import VaultError
    from deploy.demo.activity import activity_setting
    from deploy.demo.local_ca import LocalCAError
    from deploy.demo.run import DemoOptions, run_demo
    from deploy.processes.launcher import LaunchError

    activity, rate = activity_setting(activity, activity_rate)
    trusted_from(trusted_documents)  # a bad manifest stops here, before anything starts
    engines = resolve_engines(engine, database_url, redis_url, nats_url)
    opts = DemoOptions(state_dir=state_dir or default_state_dir(), host=host, port=port,
                       cases=cases, seed=seed, down=frozenset(down), slow_ms=_parse_slow(slow),
                       lookup_rate=lookup_rate, workers=workers,
                       representative_burst=representative_burst,
                       representative_rate=representative_rate,
                       max_body_bytes=max_body_bytes, activity=activity,
                       activity_rate=rate, trusted_documents=trusted_documents,
                       nats_url=engines.nats_url if jetstream_settings(engines.nats_url)
                       else None, engine=engines.engine, database_url=engines.database_url,
                       redis_url=engines.redis_url
                       if shared_limits(engines.redis_url, redis_prefix) else None,
                       redis_prefix=redis_prefix)
    try:
        with database_errors(engines):
            uvloop.run(run_demo(opts))
    except KeyboardInterrupt:
        pass
    except (LaunchError, VaultError, LocalCAError) as exc:  # keys missing or unreadable
        raise click.ClickException(str(exc)) from exc


@main.group()
def adapter() -> None:
    """Run reference agency adapters."""


@adapter.command("run")
@click.argument("agency", type=click.Choice([*REFERENCE_AGENCIES, "uscis-api"]))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; without --tls-* only a loopback address.")
@click.option("--port", default=0, show_default=True, help="0: any free port (printed).")
@click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The agency's SQLite store (default: the demo state directory's).")
@click.option("--jwks", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="JWKS file with the aggregator's consent-token keys.")
@_tls_options(cert_help="This adapter's certificate chain (PEM) for mutual TLS; it must name "
                        "the host the gateway dials.",
              key_help="The private key (PEM, unencrypted) of --tls-cert.",
              ca_help="The CA (PEM) callers' client certificates must chain to: the "
                      "aggregator's. Callers without one are refused at the handshake.")
@click.option("--demo-delay-ms", default=0, show_default=True, type=click.IntRange(min=0),
              metavar="MS", help="Demo fault injection (what `caseline demo --slow` uses): "
                                 "delay every call but Describe by MS milliseconds.")
@click.option("--log-level", default="WARNING", show_default=True)
@OTLP_ENDPOINT
@STATE_DIR
@uscis_api_options
def adapter_run(agency: str, host: str, port: int, store: Path | None, jwks: Path | None,
                tls_cert: Path | None, tls_key: Path | None, tls_ca: Path | None,
                demo_delay_ms: int, log_level: str, otlp_endpoint: str | None,
                state_dir: Path | None, **uscis: Any) -> None:
    """Serve one agency's adapter; prints {"event": "listening", "port": N} when ready.

    With --tls-cert, --tls-key and --tls-ca it serves mutual TLS; without, plaintext on a
    loopback address only. `uscis-api` serves the immigration agency from the official USCIS
    Case Status API (credentials from USCIS_CLIENT_ID and USCIS_CLIENT_SECRET).
    """
    if agency != "uscis-api" and (uscis["base_url"] or uscis["daily_quota"]):
        raise click.UsageError("--base-url and --daily-quota are for uscis-api only")
    start_tracing(f"caseline-adapter-{agency}", otlp_endpoint)
    if agency == "uscis-api":
        run_uscis_api(host=host, port=port, tls_files=_tls_files(
            tls_cert=tls_cert, tls_key=tls_key, tls_ca=tls_ca), log_level=log_level, **uscis)
        return
    from adapters.reference.demo_store import DemoStore
    from adapters.sdk.logs import configure_logging
    from adapters.sdk.server import build_servicer, run_adapter
    from adapters.sdk.transport import ServerTLS, check_listen_address
    from aggregator.state import StatePaths
    from deploy.demo.slow_agency import SlowAgency
    from deploy.processes.heap import freeze_startup_heap

    configure_logging(log_level.upper())
    root = state_dir or default_state_dir()
    store = store or DemoState(root).store(agency)
    jwks = jwks or StatePaths(root).jwks
    try:
        files = _tls_files(tls_cert=tls_cert, tls_key=tls_key, tls_ca=tls_ca)
        tls = ServerTLS.from_files(*files) if files else None
        check_listen_address(host, tls)
        servicer = build_servicer(profile(agency), DemoStore(store), jwks)
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc

    def listening(bound: int) -> None:
        freeze_startup_heap()
        click.echo(json.dumps({"event": "listening", "agency": agency, "port": bound}))
        sys.stdout.flush()

    import uvloop  # a leaner event loop: measurably less CPU per call

    slow = [SlowAgency(demo_delay_ms / 1000)] if demo_delay_ms else []
    uvloop.run(run_adapter(servicer, host=host, port=port, on_listening=listening, tls=tls,
                           interceptors=slow))


@adapter.command("check")
@click.argument("address")
@_tls_options(cert_help="Client certificate (PEM) to present, for an adapter that serves "
                        "mutual TLS; one its --tls-ca accepts.",
              key_help="The private key (PEM, unencrypted) of --tls-cert.",
              ca_help="The CA (PEM) the adapter's certificate must chain to.")
@click.option("--consent-key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The aggregator's consent-signing key (Ed25519 PEM) whose public key the "
                   "adapter's JWKS holds: the kit signs real tokens with it to check what "
                   "they release. Without it (or --state-dir) those checks fail as not run.")
@click.option("--state-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Instead of --consent-key: the aggregator state directory whose keyring "
                   "holds that key (a demo's, e.g. ~/.caseline).")
def adapter_check(address: str, tls_cert: Path | None, tls_key: Path | None,
                  tls_ca: Path | None, consent_key: Path | None,
                  state_dir: Path | None) -> None:
    """Run the conformance kit against the adapter at ADDRESS (host:port).

    With --tls-cert, --tls-key and --tls-ca it connects with mutual TLS; without, plaintext.
    """
    from adapters.conformance import run_checks
    from adapters.sdk.transport import ClientTLS
    from deploy.commands.conformance import consent_signer

    try:
        files = _tls_files(tls_cert=tls_cert, tls_key=tls_key, tls_ca=tls_ca)
        tls = ClientTLS.from_files(*files) if files else None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    signer = consent_signer(consent_key, state_dir)
    results = asyncio.run(run_checks(address, tls.credentials() if tls else None, signer))
    for result in results:
        mark = "ok  " if result.passed else "FAIL" if result.offered else "n/a "
        click.echo(f"{mark} {result.name}" + (f": {result.detail}" if result.detail else ""))
    failed = sum(r.offered and not r.passed for r in results)
    not_offered = sum(not r.offered for r in results)
    click.echo(f"{sum(r.passed for r in results)} passed, {failed} failed"
               + (f", {not_offered} not offered" if not_offered else ""))
    if failed:
        raise SystemExit(1)


@main.group()
def gateway() -> None:
    """Run the GraphQL gateway (production settings)."""


@gateway.command("serve")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="Agency registry and federation settings (TOML).")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Aggregator state: database, consent-signing key, published JWKS.")
@sign_in_options
@engine_options
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--lookup-rate", default=5.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Public lookups per second per client.")
@REPRESENTATIVE_BURST
@REPRESENTATIVE_RATE
@_tls_options(cert_help="The gateway's client certificate chain (PEM), presented to every "
                        "adapter whose registry entry names a 'ca' (mutual TLS).",
              key_help="The private key (PEM, unencrypted) of --tls-cert.", ca_help=None)
@click.option("--forwarded-allow-ips", default="", metavar="IP[,IP...]",
              help="Reverse proxies whose X-Forwarded-For/-Proto headers name the client "
                   "(addresses or networks, comma-separated). Default: none, every client "
                   "is the address it connects from.")
@MAX_BODY_BYTES
@click.option("--max-token-lifetime", default=24 * 3600, show_default=True,
              type=click.IntRange(min=60), metavar="SECONDS",
              help="Sign-in tokens valid for longer than this (exp - iat) are refused.")
@click.option("--notify-deliver/--no-notify-deliver", default=True, show_default=True,
              help="Deliver notifications in this process; off when `caseline notify "
                   "deliver` runs as a process of its own.")
@redis_options
@click.option("--notify-match/--no-notify-match", default=True, show_default=True,
              help="With --nats-url: match change events in this process; off when "
                   "`caseline notify match` runs as a process of its own.")
@click.option("--alerts-every", default=60.0, show_default=True,
              type=click.FloatRange(min=0.5, max=1440), metavar="MINUTES",
              help="How often alerts (legal deadlines 30 and 7 days ahead, cases past "
                   "their inquiry date) are looked for. Several gateways may all look: "
                   "each alert is written once.")
@telemetry_options
@TRUSTED_DOCUMENTS
def gateway_serve(config_path: Path, state_dir: Path, engine: str, database_url: str | None,
                  redis_url: str | None, nats_url: str | None, host: str,
                  port: int, lookup_rate: float, representative_burst: int,
                  representative_rate: float, tls_cert: Path | None,
                  tls_key: Path | None, forwarded_allow_ips: str, max_body_bytes: int,
                  max_token_lifetime: int, notify_deliver: bool,
                  notify_match: bool, alerts_every: float, otlp_endpoint: str | None,
                  log_format: str, metrics_allow_ips: str, redis_prefix: str,
                  trusted_documents: tuple[Path, ...], **sign_in: Any) -> None:
    """Serve /graphql with production defaults: no GraphiQL, no introspection, masked errors.

    Adapters whose registry entry names a 'ca' (a PEM file; a relative path is taken from
    the registry file's directory) are reached with mutual TLS, the gateway presenting
    --tls-cert; others in plaintext, which is allowed to loopback addresses only.

    Bearer tokens are verified against --jwt-public-key or the issuer's JWKS
    (--jwt-jwks-url); the pages sign in at --oidc-issuer (OpenID Connect).

    E-mail notifications go through the SMTP server named by CASELINE_SMTP_HOST (with
    CASELINE_SMTP_PORT, _STARTTLS, _USERNAME, _PASSWORD, CASELINE_PUBLIC_URL and
    CASELINE_MAIL_FROM); without it, no e-mail.

    On SQLite the database's schema is migrated at start; on PostgreSQL (shared by replicas)
    a schema that is behind stops it: run `caseline migrate` first.
    """
    import os
    from dataclasses import replace

    import uvicorn
    import uvloop

    from aggregator.bootstrap import bootstrap, open_state_vault, processing_alert_facts
    from aggregator.config import ConfigError, load_config
    from aggregator.federation.transport import ClientIdentity, check_transport
    from aggregator.notify.email.settings import EmailSettings
    from aggregator.notify.email.setup import email_accounts, email_secret
    from aggregator.notify.runtime import NotifySettings
    from aggregator.notify.scheduler import AlertPolicy
    from aggregator.state import StatePaths
    from aggregator.vault import VaultError
    from deploy.processes.heap import freeze_startup_heap
    from deploy.processes.serving import uvicorn_config
    from gateway.app import GatewaySettings, create_app
    from gateway.ratelimit import RatePolicy

    engines = resolve_engines(engine, database_url, redis_url, nats_url)
    database_url = engines.database_url
    nats = jetstream_settings(engines.nats_url)
    metrics_allow = gateway_telemetry(otlp_endpoint, log_format, metrics_allow_ips)
    limits = shared_limits(engines.redis_url, redis_prefix)
    trusted = trusted_from(trusted_documents)
    options = SignInOptions(**sign_in)
    verifier = options.verifier(max_token_lifetime)
    web = options.web()
    try:
        config = load_config(config_path)
        files = _tls_files(tls_cert=tls_cert, tls_key=tls_key)
        identity = ClientIdentity.from_files(*files) if files else None
        check_transport(config, identity)  # an agency it cannot reach safely stops it here
        email = EmailSettings.from_environ(os.environ)
    except (ConfigError, OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc

    async def serve() -> None:
        nonlocal web
        vault = open_state_vault(StatePaths(state_dir), database_url)
        if email is not None:  # the pages that verify addresses and unsubscribe
            web = replace(web, email=email_accounts(
                vault.subject_keys.engine, vault.subject_keys, email_secret(vault.keyring),
                email))
        # gRPC channels bind to the running loop, so the service is built inside it.
        service = bootstrap(config, state_dir, database_url=database_url,
                            client_identity=identity, vault=vault, email=email,
                            notify=NotifySettings(deliver=notify_deliver, nats=nats,
                                                  match=notify_match,
                                                  alerts=AlertPolicy(alerts_every * 60)),
                            alert_facts=processing_alert_facts, shared_limits=limits)
        app = create_app(service, verifier, GatewaySettings(
            rate=RatePolicy.from_rate(lookup_rate),
            representative_rate=RatePolicy(representative_burst, representative_rate),
            max_body_bytes=max_body_bytes, web=web, metrics_allow=metrics_allow,
            shared_limits=limits, trusted_documents=trusted))
        server = uvicorn.Server(uvicorn_config(
            app, host=host, port=port, forwarded_allow_ips=forwarded_allow_ips.split(",")))
        freeze_startup_heap()
        await server.serve()

    try:
        with database_errors(engines):  # down, or its schema behind: said before serving
            uvloop.run(serve())
    except VaultError as exc:  # keys missing or unreadable: said before anything serves
        raise click.ClickException(str(exc)) from exc


@gateway.command("demo-worker", hidden=True)
@click.option("--port", type=int, required=True, help="The demo's port, to serve beside it.")
@click.option("--worker", type=int, required=True, help="This process's number (2..N).")
@click.option("--spec", required=True, help="GatewaySpec as JSON.")
def gateway_demo_worker(port: int, worker: int, spec: str) -> None:
    """One more gateway process of `caseline demo --workers N` (started by the demo)."""
    import uvloop

    from deploy.demo.run import GatewaySpec, serve_gateway_worker

    uvloop.run(serve_gateway_worker(GatewaySpec.from_json(spec, os.environ), port, worker))


@main.command()
@click.argument("agency", type=AGENCY)
@click.option("--cases", default=20_000, show_default=True, help="Generated cases.")
@click.option("--seed", default=2026, show_default=True)
@click.option("--today", default=None, help="Anchor date YYYY-MM-DD (default: today).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The SQLite file to create.")
def seed(agency: str, cases: int, seed: int, today: str | None, out: Path) -> None:
    """Generate a demo store (scale mode: --cases 5000000)."""
    from adapters.reference.seed import seed_store

    anchor = date.fromisoformat(today) if today else date.today()
    try:
        report = seed_store(out, agency, cases=cases, seed=seed, today=anchor)
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps({"agency": agency, "path": str(report.path), "cases": report.cases,
                           "events": report.events, "seconds": round(report.seconds, 1),
                           "cases_per_second": round(report.cases / report.seconds)}))


@main.command("dev-token")
@click.argument("persona", type=click.Choice(sorted(PERSONAS)))
@DEMO_STATE_DIR
@DEMO_URL
def dev_token(persona: str, state_dir: Path | None, url: str) -> None:
    """Print a bearer token the running demo accepts for PERSONA (demo mode only).

    The demo's sign-in key is read from --state-dir, else $CASELINE_STATE_DIR, else the
    state directory of the demo running at --url.
    """
    click.echo(persona_token(state_dir_for(state_dir, url), persona))


@main.command("sample-numbers")
@DEMO_STATE_DIR
@DEMO_URL
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per line (agency, number, persona, case_type, "
                   "access_code) instead of aligned text.")
def sample_numbers(state_dir: Path | None, url: str, as_json: bool) -> None:
    """Print the case numbers the seeded demo can look up: the personas' (fixed for every
    seed and day, with their access codes) and the generated ones (numbered by the day the
    demo was seeded)."""
    from deploy.demo.sample_numbers import ManifestError, read_demo_numbers

    # Only reads: a state directory that was never seeded is refused, not created.
    try:
        seeded_on, numbers = read_demo_numbers(DemoState(state_dir_for(state_dir, url)))
    except ManifestError as exc:
        raise click.ClickException(str(exc)) from exc
    for number in numbers:
        click.echo(number.to_json() if as_json else number.describe(seeded_on))


adapter.add_command(record_event_command)
main.add_command(audit)
main.add_command(keys)
main.add_command(migrate)
main.add_command(notify)
main.add_command(trusted_documents)
main.add_command(vocab)
notify.add_command(notify_match)


if __name__ == "__main__":
    main()
