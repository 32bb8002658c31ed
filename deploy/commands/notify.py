"""`caseline notify dead-letters|replay|deliver`: the notifications' outbox, for operators.

They work on the state directory (--state-dir, else $CASELINE_STATE_DIR, else that of the
demo running at --url) and may run beside the gateway: the outbox is in the shared database
and every change to it is a transaction. `deliver` runs the delivery loop as a process of its
own (the gateway then runs without it: `caseline gateway serve --no-notify-deliver`).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import signal
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

from deploy.commands.engine_options import Engines, database_errors
from deploy.commands.state_options import (
    DEMO_URL,
    STATE_DIR,
    database_url_for,
    open_aggregator_state,
    state_dir_for,
)

if TYPE_CHECKING:
    from aggregator.notify.outbox import Outbox
    from aggregator.notify.ports import Channel
    from aggregator.vault import Vault

__all__ = ["installation_channels", "mask_target", "notify"]

MAX_ID = 32  # delivery ids are 32 hex characters
DATABASE_URL = click.option(
    "--database-url", default=None,
    help="SQLAlchemy URL of the aggregator database (default: SQLite in the state directory).")


def mask_target(channel: str, target: str) -> str:
    """A delivery target as an operator's table shows it: an address's first letter and
    domain, a URL's scheme and host, an account id as it is."""
    target = target[:512]
    if channel == "email" and "@" in target:
        local, _, domain = target.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if channel == "webhook":
        parts = urlsplit(target)
        return f"{parts.scheme}://{parts.hostname or '?'}/…" if parts.scheme else "***"
    return target


@contextmanager
def _open_outbox(state_dir: Path | None, url: str, database_url: str | None
                 ) -> Iterator[Outbox]:
    """The state's outbox, its database closed afterwards (the commands also run in-process,
    from tests and tools: a PostgreSQL connection left open would outlive them)."""
    from aggregator.bootstrap import ledger_reference_key
    from aggregator.notify.outbox import Outbox

    paths, store, vault = open_aggregator_state(state_dir, url, database_url)
    try:
        yield Outbox(store.engine, store.sealer, ledger_reference_key(paths, vault.keyring))
    finally:
        store.close()


@click.group()
def notify() -> None:
    """The notifications' outbox: dead letters, replay, a delivery process."""


@notify.command("dead-letters")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@STATE_DIR
@DEMO_URL
@DATABASE_URL
def dead_letters(limit: int, as_json: bool, state_dir: Path | None, url: str,
                 database_url: str | None) -> None:
    """Deliveries that gave up (retries spent, or refused for good), newest first."""
    with _open_outbox(state_dir, url, database_url) as outbox:
        rows = outbox.dead_letters(limit)
    if as_json:
        for d in rows:
            click.echo(json.dumps({
                "id": d.id, "notification": d.notification_id, "channel": d.channel.value,
                "target": mask_target(d.channel, d.target), "attempts": d.attempts,
                "last_error": d.last_error, "at": d.next_attempt_at.isoformat()}))
        return
    if not rows:
        click.echo("No dead letters.")
        return
    header = ("ID", "CHANNEL", "TARGET", "ATTEMPTS", "LAST ERROR", "WHEN")
    table = [header] + [(d.id, d.channel.value, mask_target(d.channel, d.target),
                         str(d.attempts), d.last_error.replace("\n", " ")[:60],
                         d.next_attempt_at.strftime("%Y-%m-%d %H:%M:%SZ")) for d in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths,
                                                                      strict=True)).rstrip())


@notify.command("replay")
@click.argument("delivery_id")
@STATE_DIR
@DEMO_URL
@DATABASE_URL
def replay(delivery_id: str, state_dir: Path | None, url: str,
           database_url: str | None) -> None:
    """Make the dead delivery DELIVERY_ID (from `dead-letters`) pending again, its attempts
    reset; the delivery loop sends it at once."""
    if len(delivery_id) > MAX_ID or not delivery_id.isalnum():
        raise click.BadParameter(f"expected a delivery id of up to {MAX_ID} letters and "
                                 "digits, as `caseline notify dead-letters` shows",
                                 param_hint="DELIVERY_ID")
    with _open_outbox(state_dir, url, database_url) as outbox:
        found = outbox.delivery(delivery_id)
        if found is None:
            raise click.ClickException(f"no delivery {delivery_id}")
        if not outbox.replay(delivery_id, datetime.now(UTC)):
            raise click.ClickException(f"delivery {delivery_id} is {found.state.value}, not "
                                       "dead: only dead letters are replayed")
    click.echo(f"delivery {delivery_id} is pending again")


def _load_channels(factory: str | None, root: Path) -> Sequence[Channel] | None:
    """The channels ``module:function`` builds for ``root`` (None without a factory: the
    installation's own, see ``installation_channels``)."""
    if factory is None:
        return None
    module, _, name = factory.partition(":")
    if not module or not name:
        raise click.BadParameter("expected module:function", param_hint="--channel-factory")
    try:
        build: Any = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise click.BadParameter(f"cannot load {factory}: {exc}",
                                 param_hint="--channel-factory") from exc
    return tuple(build(root))


def installation_channels(root: Path, vault: Vault,
                          environ: Mapping[str, str] | None = None) -> Sequence[Channel]:
    """The ways out the gateway builds (aggregator.notify.ways_out): accounts' webhooks and,
    with CASELINE_SMTP_HOST set, e-mail. In a demo's state directory (its mail sink
    recorded there) e-mail goes to that sink and webhooks may target loopback, as in the
    demo's gateway."""
    from aggregator.notify.email.settings import EmailSettings
    from aggregator.notify.ways_out import ways_out
    from aggregator.notify.webhooks import WebhookSettings
    from deploy.demo.mail import sink_email_settings
    from deploy.demo.state import DemoState

    try:
        email = EmailSettings.from_environ(os.environ if environ is None else environ)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    demo_email = sink_email_settings(DemoState(root))
    return ways_out(vault, lambda: datetime.now(UTC),
                    webhooks=WebhookSettings(allow_local=demo_email is not None),
                    email=email or demo_email).channels


@notify.command("deliver")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Agency registry (default: deploy/agencies.toml): the "
                                 "agencies' names and which numbers identify a person.")
@click.option("--max-attempts", default=8, show_default=True, type=click.IntRange(1, 100))
@click.option("--lease-seconds", default=60.0, show_default=True,
              type=click.FloatRange(min=0.1),
              help="How long a claimed delivery is held before another deliverer may take it.")
@click.option("--max-backoff-seconds", default=600.0, show_default=True,
              type=click.FloatRange(min=0.01))
@click.option("--channel-factory", default=None, hidden=True,
              help="module:function returning the channels besides in-app (given the state "
                   "directory).")
@STATE_DIR
@DEMO_URL
@DATABASE_URL
def deliver(config_path: Path | None, max_attempts: int, lease_seconds: float,
            max_backoff_seconds: float, channel_factory: str | None,
            state_dir: Path | None, url: str, database_url: str | None) -> None:
    """Run the delivery loop in this process until SIGTERM or Ctrl-C. Prints one JSON line
    once it runs."""
    import uvloop

    from aggregator.config import ConfigError, load_config
    from aggregator.notify.delivery import DeliveryPolicy
    from deploy.processes.launcher import AGENCIES_TOML

    root = state_dir_for(state_dir, url)
    database_url = database_url_for(database_url, root, url)
    try:
        config = load_config(config_path or AGENCIES_TOML)
    except (ConfigError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    channels = _load_channels(channel_factory, root)
    policy = DeliveryPolicy(max_attempts=max_attempts, lease_s=lease_seconds,
                            max_backoff_s=max_backoff_seconds,
                            base_backoff_s=min(2.0, max_backoff_seconds))
    with database_errors(Engines(database_url=database_url)):  # down, or its schema behind
        uvloop.run(_deliver(root, database_url, config, channels, policy))


async def _deliver(root: Path, database_url: str | None, config: Any,
                   channels: Sequence[Channel] | None, policy: Any) -> None:
    from functools import partial

    from aggregator.bootstrap import ServiceKeys, open_ledger, open_state
    from aggregator.model import AgencyInfo
    from aggregator.notify.runtime import NotifySettings, build_notifications
    from aggregator.state import StatePaths
    from aggregator.vault.pseudonyms import pseudonym

    paths = StatePaths(root)
    store, vault = open_state(paths, database_url)
    keys = ServiceKeys.from_keyring(paths, vault.keyring)
    ledger = open_ledger(paths, vault.keyring, database_url=database_url)
    agencies = {a.id: AgencyInfo(a.id, a.name, a.name_es, a.number_scope)
                for a in config.agencies}
    parts = build_notifications(
        store, keys.ledger_references, ledger, partial(pseudonym, keys.pseudonym), agencies,
        {}, lambda: datetime.now(UTC),
        channels=installation_channels(root, vault) if channels is None else channels,
        settings=NotifySettings(watch=False, delivery=policy))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await parts.notifier.start()
    click.echo(json.dumps({"event": "ready", "deliverer": True}))
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        try:
            await parts.notifier.stop()
        finally:  # a task that would not stop must not leave queued ledger entries unwritten
            ledger.close()
            store.close()
