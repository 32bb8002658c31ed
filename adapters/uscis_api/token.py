"""The OAuth 2.0 access token (client credentials), cached and refreshed before it expires.

USCIS issues tokens at ``POST /oauth/accesstoken`` with ``grant_type=client_credentials``
and the client id and secret as form fields; they last about 30 minutes, and the answer
gives ``expires_in`` as a string of seconds ("1799").
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import orjson

from adapters.uscis_api.errors import UnavailableError

__all__ = ["REFRESH_MARGIN_S", "Credentials", "TokenCache"]

TOKEN_PATH = "/oauth/accesstoken"
# Renewed this long before it would expire, so no call goes out with a token that lapses on
# the way; also covers the clock drift between USCIS and us.
REFRESH_MARGIN_S = 60.0
# What USCIS documents when an answer's expires_in is missing or unreadable.
DEFAULT_LIFETIME_S = 1800.0
MAX_TOKEN_BODY = 64 * 1024


@dataclass(frozen=True, slots=True)
class Credentials:
    """A Developer App's client id and secret (USCIS_CLIENT_ID, USCIS_CLIENT_SECRET)."""

    client_id: str
    client_secret: str

    def __repr__(self) -> str:  # never the secret in a log or a traceback
        return f"Credentials(client_id={self.client_id!r}, client_secret='***')"


def _lifetime(raw: object) -> float:
    """Seconds from ``expires_in``: a string in USCIS's answers, a number in OAuth's RFC."""
    try:
        seconds = float(raw) if isinstance(raw, str | int | float) else DEFAULT_LIFETIME_S
    except ValueError:
        return DEFAULT_LIFETIME_S
    return seconds if 0 < seconds < 86_400 * 7 else DEFAULT_LIFETIME_S


class TokenCache:
    """One access token for all calls; ``get`` fetches a new one when there is none or it
    is within REFRESH_MARGIN_S of expiring, ``invalidate`` drops it (after a 401)."""

    def __init__(self, http: httpx.AsyncClient, credentials: Credentials, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._http = http
        self._credentials = credentials
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self.fetched = 0  # tokens fetched so far (for logs and tests)

    def invalidate(self, token: str) -> None:
        """Forget ``token`` (if it is still the cached one): the API refused it."""
        if self._token == token:
            self._token = None

    async def get(self) -> str:
        """A token valid for at least REFRESH_MARGIN_S more."""
        async with self._lock:  # concurrent calls share one refresh
            if self._token is None or self._clock() >= self._expires_at - REFRESH_MARGIN_S:
                self._token, lifetime = await self._fetch()
                self._expires_at = self._clock() + lifetime
                self.fetched += 1
            return self._token

    async def _fetch(self) -> tuple[str, float]:
        try:
            response = await self._http.post(TOKEN_PATH, data={
                "grant_type": "client_credentials",
                "client_id": self._credentials.client_id,
                "client_secret": self._credentials.client_secret})
        except httpx.HTTPError as exc:
            raise UnavailableError(f"the USCIS token endpoint did not answer: "
                                   f"{type(exc).__name__}") from exc
        if response.status_code in (400, 401, 403):
            # Not the request's fault and not worth retrying: the app's credentials.
            raise UnavailableError(
                f"USCIS refused the client credentials ({response.status_code}); check "
                "USCIS_CLIENT_ID and USCIS_CLIENT_SECRET", "USCIS_API_CREDENTIALS_REFUSED")
        if response.status_code != 200:
            raise UnavailableError(f"the USCIS token endpoint answered "
                                   f"{response.status_code}")
        try:
            body = orjson.loads(response.content[:MAX_TOKEN_BODY])
            token = body["access_token"]
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise UnavailableError("the USCIS token endpoint answered without an "
                                   "access_token in JSON") from exc
        if not isinstance(token, str) or not token:
            raise UnavailableError("the USCIS token endpoint answered an empty access_token")
        return token, _lifetime(body.get("expires_in"))
