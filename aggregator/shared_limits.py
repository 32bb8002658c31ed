"""Limits shared by every gateway replica, kept in Redis through the `limits` library.

The public-lookup rate limit (gateway/shared_ratelimit.py) and the access-code throttle
(aggregator/consent/shared_throttle.py) each count in this process's memory by default; with
a Redis URL they count in Redis instead, so N replicas let a client through once, not N
times. The counting itself is the `limits` library's (its Lua scripts run atomically in
Redis); this module opens its async storage with bounded timeouts and turns every way Redis
can fail (refused, reset, slow, a script error) into one exception, :class:`LimitsUnavailable`,
which each limit answers by its own rule (lookups fail open, access codes fail closed).

Keys are ``<prefix>:<namespace>/<parts>/<amount>/<window>/second``: the prefix names the
installation (replicas of one installation share it; two installations on one Redis do
not), and every key expires with its window, so Redis holds only what still counts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlsplit

if TYPE_CHECKING:
    from limits.aio.storage import RedisStorage

__all__ = ["LimitsUnavailable", "RedisLimits", "SharedLimits", "key_part"]

_T = TypeVar("_T")
_SCHEMES = ("redis", "rediss", "unix")
log = logging.getLogger(__name__)


class LimitsUnavailable(Exception):
    """Redis could not answer a limit's question in time (down, refusing, slow)."""


@dataclass(frozen=True, slots=True)
class SharedLimits:
    """Where shared limits live: a Redis ``url`` (redis://, rediss:// or unix://), the key
    ``prefix`` of this installation, and ``timeout_s`` for connecting and for each reply.
    After a failure Redis is left alone for ``pause_s``, so a Redis that hangs costs one
    timeout per pause rather than one per request."""

    url: str
    prefix: str = "caseline"
    timeout_s: float = 0.25
    pause_s: float = 1.0

    def check(self) -> None:
        """ValueError saying what is wrong when the settings cannot work."""
        scheme = urlsplit(self.url).scheme
        if scheme not in _SCHEMES:
            raise ValueError(f"expected a Redis URL such as redis://127.0.0.1:6379/0 "
                             f"(redis://, rediss:// or unix://), got {self.url!r}")
        if not self.prefix or not self.prefix.isprintable() or any(
                c.isspace() for c in self.prefix):
            raise ValueError(f"the Redis key prefix must be printable without spaces, got "
                             f"{self.prefix!r}")
        if not 0 < self.timeout_s <= 10 or not 0 <= self.pause_s <= 60:
            raise ValueError("the Redis timeout must be in (0, 10] s and the pause in [0, 60] s")


def key_part(value: str) -> str:
    """One identifier as a key segment: '/' separates segments in the library's keys, so
    it is escaped (with '%'), and no two identifiers share a key."""
    return quote(value, safe="")


class RedisLimits:
    """The `limits` library's async Redis storage, with every call bounded and its failures
    counted (``failures``) and logged as :class:`LimitsUnavailable`."""

    def __init__(self, settings: SharedLimits,
                 clock: Callable[[], float] = time.monotonic) -> None:
        # Imported here: the embedded default never loads Redis's client (0.2 s at start).
        from limits.aio.storage import RedisStorage
        from limits.errors import StorageError
        from redis.asyncio import ConnectionPool
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
        from redis.exceptions import RedisError

        settings.check()
        self.settings = settings
        self._wrapped = StorageError
        self._errors = (StorageError, RedisError, OSError, TimeoutError)
        self._clock = clock
        # redis-py's asyncio client (implementation "redispy"): the Redis maintainers' own
        # client. No retries: a refused connection must fail now, not after backoffs.
        self._pool = ConnectionPool.from_url(
            settings.url, socket_timeout=settings.timeout_s,
            socket_connect_timeout=settings.timeout_s, retry=Retry(NoBackoff(), 0))
        options: dict[str, Any] = {"connection_pool": self._pool}
        self.storage: RedisStorage = RedisStorage(
            f"async+{settings.url}", wrap_exceptions=True, implementation="redispy",
            key_prefix=settings.prefix, **options)
        self.failures = 0
        self._paused_until = 0.0
        self._last_warning = -float("inf")

    async def run(self, call: Callable[[], Awaitable[_T]]) -> _T:
        """``call``'s answer; LimitsUnavailable when Redis fails or takes longer than a
        connect and a reply may (or failed less than ``pause_s`` ago)."""
        now = self._clock()
        if now < self._paused_until:
            raise LimitsUnavailable(f"Redis at {self._where()} failed less than "
                                    f"{self.settings.pause_s:g} s ago")
        try:
            # The socket timeouts bound each step; this bounds the whole (a script's reply
            # may arrive in parts).
            async with asyncio.timeout(3 * self.settings.timeout_s):
                return await call()
        except self._errors as exc:
            self.failures += 1
            self._paused_until = self._clock() + self.settings.pause_s
            # The library wraps the client's error; the client's says what happened.
            reason = (exc.__cause__ or exc) if isinstance(exc, self._wrapped) else exc
            self._warn(f"{type(reason).__name__}: {reason}" if str(reason)
                       else type(reason).__name__)
            raise LimitsUnavailable(f"Redis at {self._where()} did not answer: {reason!r}"
                                    ) from exc

    def _where(self) -> str:
        parts = urlsplit(self.settings.url)
        return parts.netloc.rpartition("@")[2] or parts.path  # never the password

    def _warn(self, reason: str) -> None:
        # At most once a minute: a Redis outage must not flood the log at request rate.
        now = self._clock()
        if now - self._last_warning >= 60:
            self._last_warning = now
            log.warning("shared limits: Redis at %s failed (%s); %d failures so far",
                        self._where(), reason, self.failures)

    async def aclose(self) -> None:
        """Close the connections to Redis (again: nothing more to close)."""
        await self._pool.aclose()
