"""The benchmark's channels for a deliverer process of its own: the installation's webhooks,
allowed to call the receiver on loopback (as the demo and tests are). Loaded by `caseline
notify deliver --channel-factory _bench_channels:loopback_webhooks` with bench/ on the path."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from aggregator.bootstrap import open_state_vault
from aggregator.notify.ports import Channel
from aggregator.notify.ways_out import ways_out
from aggregator.notify.webhooks import WebhookSettings
from aggregator.state import StatePaths

__all__ = ["loopback_webhooks"]


def loopback_webhooks(root: Path) -> Sequence[Channel]:
    """Webhook delivery over ``root``'s vault, loopback receivers allowed."""
    vault = open_state_vault(StatePaths(root))
    return ways_out(vault, lambda: datetime.now(UTC),
                    webhooks=WebhookSettings(allow_local=True)).channels
