"""Signed webhooks (Standard Webhooks) to accounts' own systems.

urls.py       which URLs may be called (https, public addresses only): a plain policy
http.py       the POST itself, pinned to the vetted address (no DNS rebinding, no redirects)
signing.py    secrets, rotation and the three Standard Webhooks headers
payload.py    the JSON bodies, and whether a verification answer echoed its challenge
model.py      endpoints, their states and the delivery log as plain data
tables.py     the tables; store.py endpoints (URL and secrets sealed) and the bounded log
calls.py      one signed, logged request; channel.py the notify Channel
service.py    register, verify, rotate, delete: what accounts do (``Webhooks``)

For receivers (what an account's own system sees):

- Every request is a POST of JSON ``{"type", "timestamp", "data"}`` with the Standard
  Webhooks headers ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature``; verify
  them with any Standard Webhooks library and the ``whsec_`` secret shown at registration.
  After a rotation the header carries two signatures (new and old secret) for 24 hours.
- ``webhook.verification``: ``data.challenge`` holds a random value; answer 2xx within 10 s
  with the JSON body ``{"challenge": "<value>"}`` (or the value alone as plain text). Only
  then does the endpoint receive notifications.
- ``case.status_changed``: ``data`` has ``notificationId`` (also the ``webhook-id``; the
  same change is retried with the same id, so de-duplicate on it), ``agency`` {id, name},
  ``caseNumber`` (masked, with ``caseNumberMasked`` true, when the consent does not release
  it), ``title``, ``category``, ``milestone``, ``actionRequired``, ``dueDate``,
  ``occurredAt`` and ``language``.
- Answer 2xx when done. 5xx, 408, 429 and timeouts are retried; 410 Gone disables the
  endpoint until verified again; any other 4xx gives up on that notification. Redirects are
  not followed.
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
