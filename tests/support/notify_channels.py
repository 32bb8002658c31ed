"""A channel for delivery tests: records each notification id it sends, one line per
delivery, to a file (``received.txt`` in the state directory), as a receiver that
de-duplicates by id would see them. Loaded by `caseline notify deliver --channel-factory
support.notify_channels:recording` in a subprocess."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path

from aggregator.notify.model import ChannelKind, Delivery, Released

__all__ = ["RECEIVED", "TARGET", "RecordingChannel", "received_ids", "recording"]

RECEIVED = "received.txt"
TARGET = "https://receiver.test/hook"


class RecordingChannel:
    """Webhook-like: one target per recipient; each delivery appends its id and syncs."""

    kind = ChannelKind.WEBHOOK

    def __init__(self, path: Path, pause_s: float = 0.02) -> None:
        self.path = path
        self.pause_s = pause_s

    def targets(self, recipient_id: str) -> Sequence[str]:
        return [TARGET]

    async def deliver(self, message: Released, delivery: Delivery) -> None:
        await asyncio.sleep(self.pause_s)  # a receiver takes a moment: kills land mid-send
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, f"{message.id}\n".encode())
            os.fsync(fd)
        finally:
            os.close(fd)


def recording(root: Path) -> list[RecordingChannel]:
    """The channel factory `caseline notify deliver` loads."""
    return [RecordingChannel(root / RECEIVED)]


def received_ids(root: Path) -> list[str]:
    """Every id the channel sent, in order, repeats included."""
    path = root / RECEIVED
    return path.read_text().split() if path.exists() else []
