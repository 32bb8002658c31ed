"""`--redis-prefix`, shared by `caseline demo` and `caseline gateway serve` beside
`--redis-url` (deploy/commands/engine_options.py): the public-lookup rate limit and the
access-code throttle counted in Redis, so every replica limits a client as one
(aggregator/shared_limits.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:
    from aggregator.shared_limits import SharedLimits

__all__ = ["redis_options", "shared_limits"]

F = TypeVar("F", bound=Callable[..., object])

REDIS_PREFIX = click.option(
    "--redis-prefix", default="caseline", show_default=True, metavar="PREFIX",
    help="With --redis-url: the prefix of this installation's keys (replicas of one "
         "installation use the same; another installation on the same Redis, another).")


def redis_options(command: F) -> F:
    """``--redis-prefix`` on ``command``."""
    return REDIS_PREFIX(command)


def shared_limits(url: str | None, prefix: str) -> SharedLimits | None:
    """The settings for ``url`` (None without one); a usage error naming the option when
    they cannot work."""
    if url is None:
        return None
    from aggregator.shared_limits import SharedLimits

    settings = SharedLimits(url, prefix=prefix)
    try:
        settings.check()
    except ValueError as exc:
        hint = "--redis-prefix" if "prefix" in str(exc) else "--redis-url"
        raise click.BadParameter(str(exc), param_hint=hint) from exc
    return settings
