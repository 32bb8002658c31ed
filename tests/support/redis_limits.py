"""Shared limits' tests: the machine's Redis (127.0.0.1:6379, or $CASELINE_TEST_REDIS_URL),
each test under a key prefix of its own, its keys deleted afterwards. Redis not reachable
fails the test with a message saying so: never a silent skip. ``closed_port_url`` names a
loopback port nothing listens on (Redis unreachable)."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import pytest
import redis.asyncio

from aggregator.shared_limits import SharedLimits

__all__ = ["REDIS_URL", "closed_port_url", "require_redis", "unique_limits"]

REDIS_URL = os.environ.get("CASELINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require_redis() -> None:
    """Fail (not skip) when nothing listens at REDIS_URL."""
    parts = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379),
                                      timeout=2):
            pass
    except OSError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({exc}); the shared limits' tests "
                    "need it: start it with 'redis-server --bind 127.0.0.1 --port 6379' (CI's "
                    "machine runs one)", pytrace=False)


def closed_port_url() -> str:
    """A redis:// URL of a loopback port that was just free, so connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@asynccontextmanager
async def unique_limits() -> AsyncIterator[SharedLimits]:
    """Settings with a key prefix of this test's own; its keys are deleted afterwards."""
    require_redis()
    settings = SharedLimits(REDIS_URL, prefix=f"caseline-test-{uuid.uuid4().hex[:12]}")
    try:
        yield settings
    finally:
        client = redis.asyncio.Redis.from_url(REDIS_URL)
        try:
            keys = [key async for key in client.scan_iter(match=f"{settings.prefix}:*")]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()
