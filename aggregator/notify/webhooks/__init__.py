"""Signed webhooks (Standard Webhooks) to accounts' own systems.

urls.py       which URLs may be called (https, public addresses only): a plain policy
http.py       the POST itself, pinned to the vetted address (no DNS rebinding, no redirects)
signing.py    secrets, rotation and the three Standard Webhooks headers
payload.py    the JSON bodies, and whether a verification answer echoed its challenge
model.py      endpoints, their states and the delivery log as plain data
tables.py     the tables; store.py endpoints (URL and secrets sealed) and the bounded log
calls.py      one signed, logged request; channel.py the notify Channel
service.py    register, verify, rotate, delete: what accounts do (``Webhooks``)
"""

from __future__ import annotations

from aggregator.notify.webhooks.channel import WebhookChannel
from aggregator.notify.webhooks.model import Attempt, Endpoint, EndpointState, Problem
from aggregator.notify.webhooks.service import (
    Registered,
    Verification,
    WebhookError,
    Webhooks,
)
from aggregator.notify.webhooks.settings import WebhookSettings
from aggregator.notify.webhooks.store import WebhookStore
from aggregator.notify.webhooks.urls import UrlRefused

__all__ = ["Attempt", "Endpoint", "EndpointState", "Problem", "Registered", "UrlRefused",
           "Verification", "WebhookChannel", "WebhookError", "WebhookSettings",
           "WebhookStore", "Webhooks"]
