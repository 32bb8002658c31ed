"""The JetStream variant of the notification tests: the machine's NATS (127.0.0.1:4222, or
$CASELINE_TEST_NATS_URL), a stream and consumer of the test's own, deleted afterwards. NATS
not reachable fails the test with a message saying so: never a silent skip."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import pytest

from aggregator.notify.wire import JetStreamSettings

__all__ = ["NATS_URL", "require_nats", "unique_stream"]

NATS_URL = os.environ.get("CASELINE_TEST_NATS_URL", "nats://127.0.0.1:4222")


def require_nats() -> None:
    """Fail (not skip) when nothing listens at NATS_URL."""
    parts = urlsplit(NATS_URL)
    host, port = parts.hostname or "127.0.0.1", parts.port or 4222
    try:
        with socket.create_connection((host, port), timeout=2):
            pass
    except OSError as exc:
        pytest.fail(f"NATS with JetStream is not reachable at {NATS_URL} ({exc}); the "
                    "notification tests' 'nats' variant needs it: start it with "
                    "'nats-server -js -a 127.0.0.1 -p 4222' (CI's machine runs one)",
                    pytrace=False)


@asynccontextmanager
async def unique_stream(**overrides: float) -> AsyncIterator[JetStreamSettings]:
    """Settings naming a stream, subjects and consumer of this test's own (ack wait 1 s, so
    a message left unacked comes back soon); the stream is deleted afterwards."""
    require_nats()
    tag = uuid.uuid4().hex[:12]
    values: dict[str, float] = {"duplicate_window_s": 60.0, "max_age_s": 600.0,
                                "ack_wait_s": 1.0, **overrides}
    settings = JetStreamSettings(
        NATS_URL, stream=f"TEST_CHANGES_{tag}", subject_prefix=f"test.{tag}.changes",
        consumer=f"test-matcher-{tag}", max_bytes=16 * 1024 * 1024,
        duplicate_window_s=values["duplicate_window_s"], max_age_s=values["max_age_s"],
        ack_wait_s=values["ack_wait_s"])
    try:
        yield settings
    finally:
        import nats
        import nats.js.errors

        nc = await nats.connect(NATS_URL, connect_timeout=2)
        try:
            await nc.jetstream().delete_stream(settings.stream)
        except nats.js.errors.NotFoundError:
            pass
        finally:
            await nc.close()
