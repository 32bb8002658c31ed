"""`caseline notify match`: the JetStream matcher as a process of its own. It consumes the
change stream's durable consumer and writes notifications, their deliveries and its stream
position in one transaction per change; watchers (the gateway with --nats-url) publish, and
deliverers (`caseline notify deliver`, or the gateway) drain the outbox."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from deploy.commands.engine_options import Engines, database_errors
from deploy.commands.nats_options import jetstream_settings
from deploy.commands.notify import DATABASE_URL, _load_channels, installation_channels
from deploy.commands.state_options import DEMO_URL, STATE_DIR, database_url_for, state_dir_for

if TYPE_CHECKING:
    from aggregator.notify.ports import Channel
    from aggregator.notify.wire import JetStreamSettings

__all__ = ["match"]


@click.command("match")
@click.option("--nats-url", required=True, metavar="URL",
              help="The NATS server whose JetStream carries change events "
                   "(e.g. nats://127.0.0.1:4222).")
@click.option("--stream", default="CASELINE_CHANGES", show_default=True,
              help="The JetStream stream (installations sharing a NATS use their own).")
@click.option("--subject-prefix", default="caseline.changes", show_default=True,
              help="Its subjects: PREFIX.<agency>.")
@click.option("--consumer", default="caseline-matcher", show_default=True,
              help="The durable consumer every matcher process shares.")
@click.option("--ack-wait-seconds", default=30.0, show_default=True,
              type=click.FloatRange(0.5, 3600),
              help="When the consumer is created: how long a message handed to a matcher "
                   "that died unacked waits before another gets it.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Agency registry (default: deploy/agencies.toml).")
@click.option("--channel-factory", default=None, hidden=True,
              help="module:function returning the channels besides in-app (given the state "
                   "directory): which deliveries a change plans.")
@STATE_DIR
@DEMO_URL
@DATABASE_URL
def match(nats_url: str, stream: str, subject_prefix: str, consumer: str,
          ack_wait_seconds: float, config_path: Path | None, channel_factory: str | None,
          state_dir: Path | None, url: str, database_url: str | None) -> None:
    """Match change events from NATS JetStream into the outbox until SIGTERM or Ctrl-C.
    Prints one JSON line once it runs. Several may run: one matches at a time, in stream
    order, the others wait."""
    import uvloop

    from aggregator.config import ConfigError, load_config
    from aggregator.notify.jetstream import JetStreamUnavailable
    from deploy.processes.launcher import AGENCIES_TOML

    settings = jetstream_settings(nats_url, stream=stream, subject_prefix=subject_prefix,
                                  consumer=consumer)
    if settings is None:  # required: click has said so already
        raise click.UsageError("--nats-url is required")
    settings = replace(settings, ack_wait_s=ack_wait_seconds)
    root = state_dir_for(state_dir, url)
    database_url = database_url_for(database_url, root, url)
    try:
        config = load_config(config_path or AGENCIES_TOML)
    except (ConfigError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    channels = _load_channels(channel_factory, root)
    try:
        with database_errors(Engines(database_url=database_url)):  # down, or schema behind
            uvloop.run(_match(root, database_url, config, channels, settings))
    except JetStreamUnavailable as exc:
        raise click.ClickException(str(exc)) from exc


async def _match(root: Path, database_url: str | None, config: Any,
                 channels: Sequence[Channel] | None, settings: JetStreamSettings) -> None:
    from functools import partial

    from aggregator.bootstrap import ServiceKeys, open_ledger, open_state
    from aggregator.model import AgencyInfo
    from aggregator.notify.runtime import NotifySettings, build_notifications
    from aggregator.state import StatePaths
    from aggregator.vault.pseudonyms import pseudonym

    paths = StatePaths(root)
    store, vault = open_state(paths, database_url)
    keys = ServiceKeys.from_keyring(paths, vault.keyring)
    ledger = open_ledger(paths, vault.keyring, database_url=database_url)  # unused by matching
    agencies = {a.id: AgencyInfo(a.id, a.name, a.name_es, a.number_scope)
                for a in config.agencies}
    parts = build_notifications(
        store, keys.ledger_references, ledger, partial(pseudonym, keys.pseudonym), agencies,
        {}, lambda: datetime.now(UTC),
        channels=installation_channels(root, vault) if channels is None else channels,
        settings=NotifySettings(watch=False, deliver=False, nats=settings, match=True))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await parts.notifier.start()
        click.echo(json.dumps({"event": "ready", "matcher": True,
                               "stream": settings.stream, "consumer": settings.consumer}))
        sys.stdout.flush()
        await stop.wait()
    finally:
        try:
            await parts.notifier.stop()
        finally:  # a task that would not stop must not leave queued ledger entries unwritten
            ledger.close()
            store.close()
