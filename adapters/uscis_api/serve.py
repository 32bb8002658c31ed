"""Putting the bridge together: credentials, HTTP client, limits, source and servicer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from adapters.uscis_api.client import CaseStatusClient
from adapters.uscis_api.limits import DailyQuota, RateLimiter
from adapters.uscis_api.profile import Environment
from adapters.uscis_api.servicer import BridgeServicer
from adapters.uscis_api.source import UscisCaseSource
from adapters.uscis_api.token import Credentials, TokenCache

__all__ = ["BridgeSettings", "credentials_from", "open_bridge", "poll_interval"]

HTTP_TIMEOUT_S = 5.0
LOOKUP_SHARE = 0.5  # of the daily quota kept for lookups; the rest may go to polling
MAX_CREDENTIAL_LENGTH = 512


def credentials_from(environ: Mapping[str, str]) -> Credentials:
    """USCIS_CLIENT_ID and USCIS_CLIENT_SECRET, or ValueError saying which is missing."""
    values = {name: environ.get(name, "").strip()
              for name in ("USCIS_CLIENT_ID", "USCIS_CLIENT_SECRET")}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ValueError(f"set {' and '.join(missing)} to the Developer App's credentials "
                         "from developer.uscis.gov")
    long = [name for name, value in values.items() if len(value) > MAX_CREDENTIAL_LENGTH]
    if long:
        raise ValueError(f"{', '.join(long)}: longer than {MAX_CREDENTIAL_LENGTH} characters")
    return Credentials(values["USCIS_CLIENT_ID"], values["USCIS_CLIENT_SECRET"])


@dataclass(frozen=True, slots=True)
class BridgeSettings:
    """How to reach the API and how much of it the bridge may use."""

    environment: Environment
    credentials: Credentials
    base_url: str | None = None  # overrides the environment's (a local fake, a proxy)
    daily_quota: int | None = None  # overrides the environment's
    poll_interval_s: float | None = None  # overrides what the quota allows

    @property
    def url(self) -> str:
        """The API's base URL."""
        return (self.base_url or self.environment.base_url).rstrip("/")

    @property
    def quota(self) -> int:
        """Calls a day."""
        return self.daily_quota or self.environment.daily_quota


def poll_interval(settings: BridgeSettings) -> float:
    """Seconds between polls so that polling all day spends at most the share of the
    quota not kept for lookups, and never faster than the rate limit."""
    if settings.poll_interval_s is not None:
        return settings.poll_interval_s
    budget = max(settings.quota * (1 - LOOKUP_SHARE), 1)
    return max(86_400 / budget, 1 / settings.environment.requests_per_second)


@asynccontextmanager
async def open_bridge(settings: BridgeSettings) -> AsyncIterator[BridgeServicer]:
    """The bridge's servicer, its HTTP client and poller closed on exit."""
    rate = settings.environment.requests_per_second
    async with httpx.AsyncClient(base_url=settings.url, timeout=HTTP_TIMEOUT_S,
                                 follow_redirects=False) as http:
        quota = DailyQuota(settings.quota, reserve=LOOKUP_SHARE)
        limiter = RateLimiter(rate, burst=max(int(rate), 1))
        client = CaseStatusClient(http, TokenCache(http, settings.credentials), limiter, quota)
        source = UscisCaseSource(client, quota, poll_interval_s=poll_interval(settings))
        try:
            # A batch the rate limit lets through at once: answered within about a second.
            yield BridgeServicer(source, max_batch_size=max(int(rate), 1))
        finally:
            await source.close()
