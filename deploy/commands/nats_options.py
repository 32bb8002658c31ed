"""The JetStream settings of a `--nats-url` (`caseline demo`, `caseline gateway serve`: see
engine_options.py; `caseline notify match`): change events travel on NATS JetStream instead
of staying in one process."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from aggregator.notify.wire import JetStreamSettings

__all__ = ["jetstream_settings"]

def jetstream_settings(url: str | None, longest_backoff_s: float = 30.0, *,
                       stream: str | None = None, subject_prefix: str | None = None,
                       consumer: str | None = None) -> JetStreamSettings | None:
    """The settings for ``url`` (None without one), with the stream, subject prefix or
    consumer ``names`` given; a usage error naming the option when they cannot work."""
    if url is None:
        return None
    from aggregator.notify.wire import JetStreamSettings

    settings = JetStreamSettings(url)
    settings = replace(settings, stream=stream or settings.stream,
                       subject_prefix=subject_prefix or settings.subject_prefix,
                       consumer=consumer or settings.consumer)
    try:
        settings.check(longest_backoff_s)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--nats-url") from exc
    return settings
