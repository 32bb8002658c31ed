"""The HTTP client of the Case Status API: one receipt per call, within the limits.

How each answer is taken: 200 with a ``case_status`` object is the case (with its fields
empty, an unknown receipt: USCIS answers those 200, not 404); 401 re-authenticates once;
404 is no such case; 422 a number USCIS refuses; 429 waits as ``Retry-After`` asks, a few
times, then gives up with RESOURCE_EXHAUSTED; 503 (the sandbox outside business hours, an
outage) is UNAVAILABLE with USCIS's reason; a body that is not the documented JSON is
UNAVAILABLE too, never a crash.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
import orjson

from adapters.uscis_api.errors import RateLimitedError, UnavailableError
from adapters.uscis_api.limits import DailyQuota, RateLimiter
from adapters.uscis_api.token import TokenCache
from adapters.uscis_api.translate import ApiCase, parse_case_status, plain_text

__all__ = ["CaseStatusClient", "RejectedNumberError"]

log = logging.getLogger("caseline.adapter.uscis_api")

MAX_BODY_BYTES = 1024 * 1024  # real answers are a few kB; anything larger is not one
MAX_RATE_RETRIES = 2
MAX_RETRY_AFTER_S = 10.0  # a longer wait than this is answered RESOURCE_EXHAUSTED at once
_REASON_LENGTH = 200


class RejectedNumberError(Exception):
    """USCIS refused the receipt number as malformed (422); the message is its reason."""


def _reason(response: httpx.Response) -> str:
    """What USCIS said, as one short plain line (its JSON ``message``/``error``, else the
    body's text), never markup."""
    content = response.content[:MAX_BODY_BYTES]
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        return plain_text(content.decode("utf-8", "replace"), _REASON_LENGTH)
    if isinstance(body, Mapping):
        for key in ("message", "error_description", "error", "fault"):
            value = body.get(key)
            if isinstance(value, Mapping):  # Apigee faults: {"fault": {"faultstring": ...}}
                value = value.get("faultstring")
            if text := plain_text(value, _REASON_LENGTH):
                return text
    return ""


def _retry_after(response: httpx.Response, attempt: int) -> float:
    """Seconds ``Retry-After`` asks for (seconds or an HTTP date); doubling from 1 s when
    it is missing or unreadable."""
    raw = response.headers.get("retry-after", "").strip()[:64]
    if raw.isdigit():
        return float(raw)
    if raw:
        try:
            return max((parsedate_to_datetime(raw) - datetime.now(UTC)).total_seconds(), 0.0)
        except (TypeError, ValueError):
            pass
    return float(2 ** attempt)


class CaseStatusClient:
    """Looks up one receipt number at a time on the API at ``http.base_url``.

    Every request waits for the rate limiter; the first request of a lookup is counted on
    the daily quota by the caller (which knows the batch), each retry here.
    """

    def __init__(self, http: httpx.AsyncClient, tokens: TokenCache, limiter: RateLimiter,
                 quota: DailyQuota, *,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._http = http
        self._tokens = tokens
        self._limiter = limiter
        self._quota = quota
        self._sleep = sleep

    async def case_status(self, receipt: str) -> ApiCase | None:
        """The case, or None when USCIS has no such case."""
        reauthenticated = False
        rate_retries = 0
        while True:
            await self._limiter.acquire()
            token = await self._tokens.get()
            try:
                response = await self._http.get(
                    f"/case-status/{receipt}",
                    headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
            except httpx.HTTPError as exc:
                raise UnavailableError(f"the USCIS Case Status API did not answer: "
                                       f"{type(exc).__name__}") from exc
            status = response.status_code
            if status == 401 and not reauthenticated:
                # The token lapsed or was revoked early: one new token, one more try.
                self._tokens.invalidate(token)
                reauthenticated = True
                self._quota.take(1)
                continue
            if status == 429 and rate_retries < MAX_RATE_RETRIES:
                wait = _retry_after(response, rate_retries)
                if wait <= MAX_RETRY_AFTER_S:
                    log.info("rate limited by USCIS", extra={"wait_s": wait})
                    await self._sleep(wait)
                    rate_retries += 1
                    self._quota.take(1)
                    continue
            return self._answer(receipt, response)

    def _answer(self, receipt: str, response: httpx.Response) -> ApiCase | None:
        status = response.status_code
        if status == 200:
            return self._case(receipt, response)
        if status == 404:
            return None
        if status == 422:
            raise RejectedNumberError(_reason(response) or "USCIS refused the receipt number")
        if status == 429:
            wait = _retry_after(response, MAX_RATE_RETRIES)
            raise RateLimitedError(f"USCIS is limiting this client's calls; try again in "
                                   f"{max(int(wait), 1)} s")
        if status == 401:
            raise UnavailableError("USCIS refused a freshly issued access token (401); check "
                                   "the Developer App's access to the Case Status API",
                                   "USCIS_API_CREDENTIALS_REFUSED")
        reason = _reason(response)
        if status == 503:
            raise UnavailableError("the USCIS Case Status API is unavailable (503)"
                                   + (f": {reason}" if reason else "")
                                   + " (the sandbox answers only in business hours)")
        raise UnavailableError(f"the USCIS Case Status API answered {status}"
                               + (f": {reason}" if reason else ""))

    def _case(self, receipt: str, response: httpx.Response) -> ApiCase | None:
        if len(response.content) > MAX_BODY_BYTES:
            raise UnavailableError(f"the USCIS Case Status API answered more than "
                                   f"{MAX_BODY_BYTES} bytes", "USCIS_API_BAD_ANSWER")
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise UnavailableError("the USCIS Case Status API answered a body that is not "
                                   "JSON", "USCIS_API_BAD_ANSWER") from exc
        case_status = body.get("case_status") if isinstance(body, Mapping) else None
        if not isinstance(case_status, Mapping):
            raise UnavailableError("the USCIS Case Status API answered JSON without a "
                                   "case_status object", "USCIS_API_BAD_ANSWER")
        case = parse_case_status(case_status, receipt)
        return case if case.found else None
