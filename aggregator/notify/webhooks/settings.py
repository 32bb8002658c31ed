"""How an installation runs webhooks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

__all__ = ["WebhookSettings"]


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """``allow_local``: http and loopback targets, for the demo and the tests only — never
    a production default (a webhook URL must not reach into the operator's network).
    ``timeout_s`` bounds one delivery request, ``verification_timeout_s`` the verification
    handshake; ``rotation_grace``: how long a replaced secret keeps signing;
    ``max_endpoints`` per account; ``log_limit``: delivery log rows kept per endpoint."""

    allow_local: bool = False
    timeout_s: float = 10.0
    verification_timeout_s: float = 10.0
    rotation_grace: timedelta = timedelta(hours=24)
    max_endpoints: int = 10
    log_limit: int = 100
