"""Signing per the Standard Webhooks specification, with its maintained reference library
(``standardwebhooks``): ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature``
headers, HMAC-SHA256 secrets written ``whsec_<base64>``.

Rotation: an endpoint has a current secret and may have older ones that still sign until
their grace period ends. The specification lets ``webhook-signature`` carry several
space-separated signatures, so a receiver that still has the old secret keeps verifying
while it switches to the new one.
"""

from __future__ import annotations

import base64
import secrets as random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from standardwebhooks import Webhook

__all__ = ["SECRET_PREFIX", "Secret", "new_secret", "rotate", "signature_headers",
           "signing_secrets"]

SECRET_PREFIX = "whsec_"
_SECRET_BYTES = 32  # the specification asks for 24 to 64


@dataclass(frozen=True, slots=True)
class Secret:
    """One signing secret: ``expires_at`` None while it is the current one; once replaced,
    when it stops signing."""

    value: str
    created_at: datetime
    expires_at: datetime | None = None


def new_secret(now: datetime) -> Secret:
    """A fresh random secret (``whsec_`` and 32 random bytes in base64)."""
    raw = random.token_bytes(_SECRET_BYTES)
    return Secret(SECRET_PREFIX + base64.b64encode(raw).decode(), now)


def signing_secrets(secrets: Iterable[Secret], now: datetime) -> list[Secret]:
    """The secrets that sign at ``now``: the current one and those still in their grace
    period, newest first."""
    live = [s for s in secrets if s.expires_at is None or s.expires_at > now]
    return sorted(live, key=lambda s: s.created_at, reverse=True)


def rotate(secrets: Iterable[Secret], now: datetime, grace: timedelta
           ) -> tuple[Secret, list[Secret]]:
    """A new current secret; the previous current one keeps signing for ``grace``; secrets
    whose grace already ended are dropped. Returns (the new secret, the new list)."""
    fresh = new_secret(now)
    kept = [replace(s, expires_at=now + grace) if s.expires_at is None else s
            for s in signing_secrets(secrets, now)]
    return fresh, [fresh, *kept]


def signature_headers(message_id: str, timestamp: datetime, body: str,
                      secrets: Sequence[Secret]) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body``, signed with every secret in
    ``secrets`` (ValueError when there is none: an unsigned webhook is never sent)."""
    if not secrets:
        raise ValueError("no signing secret: the endpoint's secrets are gone")
    signatures = [Webhook(s.value).sign(message_id, timestamp, body) for s in secrets]
    return {"webhook-id": message_id,
            "webhook-timestamp": str(int(timestamp.timestamp())),
            "webhook-signature": " ".join(signatures)}
