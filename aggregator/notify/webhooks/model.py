"""Webhook endpoints and their delivery log as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from aggregator.notify.webhooks.signing import Secret

__all__ = ["DEADLINE_EVENT", "INQUIRY_EVENT", "STATUS_EVENT", "VERIFICATION_EVENT", "Attempt",
           "Endpoint", "EndpointState", "Problem"]

VERIFICATION_EVENT = "webhook.verification"
STATUS_EVENT = "case.status_changed"
# Alerts: a legal deadline 30 or 7 days away; a case past its inquiry date.
DEADLINE_EVENT = "case.deadline"
INQUIRY_EVENT = "case.inquiry_date"


class EndpointState(StrEnum):
    """Where an endpoint stands. Only ACTIVE endpoints receive notifications."""

    # Registered; the verification handshake has not succeeded yet.
    UNVERIFIED = "UNVERIFIED"
    ACTIVE = "ACTIVE"
    # The receiver answered 410 Gone: no more deliveries until verified again.
    DISABLED = "DISABLED"


@dataclass(frozen=True, slots=True)
class Problem:
    """Why an endpoint is not ACTIVE. ``code``: NO_ANSWER (no HTTP answer in time),
    STATUS (a non-2xx answer, ``status``), WRONG_ECHO (2xx without the challenge), REFUSED
    (the URL may no longer be called), GONE (410 to a delivery: DISABLED). ``message`` says
    it in English with the details; the pages translate by ``code``."""

    code: str
    message: str
    status: int | None = None


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One registered endpoint, its URL and secrets open."""

    id: str
    account_id: str
    url: str
    state: EndpointState
    created_at: datetime
    verified_at: datetime | None
    # Why it is not ACTIVE (the last verification's failure, what disabled it).
    problem: Problem | None
    secrets: tuple[Secret, ...] = field(repr=False, default=())


@dataclass(frozen=True, slots=True)
class Attempt:
    """One request to an endpoint, as the delivery log keeps it."""

    message_id: str
    event_type: str
    at: datetime
    status: int | None  # None: no HTTP answer came
    duration_ms: int
    error: str = ""
