"""Standard Webhooks signatures: what we sign verifies with the reference library, and a
rotated secret keeps verifying for its grace period only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from aggregator.notify.webhooks.signing import (
    SECRET_PREFIX,
    new_secret,
    rotate,
    signature_headers,
    signing_secrets,
)

BODY = '{"type":"case.status_changed","data":{"notificationId":"n1"}}'


def test_signature_round_trip() -> None:
    """A body we sign verifies with the standardwebhooks library and the same secret."""
    now = datetime.now(UTC)
    secret = new_secret(now)
    assert secret.value.startswith(SECRET_PREFIX)
    headers = signature_headers("n1", now, BODY, [secret])
    assert headers["webhook-id"] == "n1"
    assert headers["webhook-timestamp"] == str(int(now.timestamp()))
    assert Webhook(secret.value).verify(BODY, headers)["data"]["notificationId"] == "n1"


def test_a_tampered_body_does_not_verify() -> None:
    """Changing one character of the body breaks the signature."""
    now = datetime.now(UTC)
    secret = new_secret(now)
    headers = signature_headers("n1", now, BODY, [secret])
    with pytest.raises(WebhookVerificationError):
        Webhook(secret.value).verify(BODY.replace("n1", "n2"), headers)


def test_rotation_signs_with_old_and_new_during_the_grace() -> None:
    """After rotation both secrets sign (two signatures), so either verifies."""
    start = datetime.now(UTC) - timedelta(hours=1)
    old = new_secret(start)
    now = datetime.now(UTC)
    fresh, secrets = rotate([old], now, timedelta(hours=24))
    live = signing_secrets(secrets, now)
    assert [s.value for s in live] == [fresh.value, old.value]
    headers = signature_headers("n1", now, BODY, live)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old.value).verify(BODY, headers)
    Webhook(fresh.value).verify(BODY, headers)


def test_the_old_secret_stops_signing_after_the_grace() -> None:
    """Once the grace period ends only the new secret signs; the old one fails."""
    now = datetime.now(UTC)
    old = new_secret(now - timedelta(days=3))
    fresh, secrets = rotate([old], now - timedelta(days=2), timedelta(hours=24))
    live = signing_secrets(secrets, now)
    assert [s.value for s in live] == [fresh.value]
    headers = signature_headers("n1", now, BODY, live)
    Webhook(fresh.value).verify(BODY, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old.value).verify(BODY, headers)


def test_rotating_twice_drops_expired_and_keeps_the_grace_of_the_rest() -> None:
    """A second rotation keeps the first replaced secret only while its grace lasts."""
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    first = new_secret(t0)
    second, secrets = rotate([first], t0 + timedelta(hours=1), timedelta(hours=24))
    third, secrets = rotate(secrets, t0 + timedelta(hours=2), timedelta(hours=24))
    assert [s.value for s in secrets] == [third.value, second.value, first.value]
    # first's grace was set by the first rotation, not extended by the second
    assert secrets[2].expires_at == t0 + timedelta(hours=25)
    _, secrets = rotate(secrets, t0 + timedelta(hours=30), timedelta(hours=24))
    assert first.value not in [s.value for s in secrets]


def test_no_secret_no_signature() -> None:
    """An endpoint without a live secret is never sent an unsigned request."""
    with pytest.raises(ValueError, match="no signing secret"):
        signature_headers("n1", datetime.now(UTC), BODY, [])


@given(st.text(max_size=200), st.text(alphabet="abcdef0123456789", min_size=1, max_size=40))
def test_any_body_and_id_round_trip(body: str, message_id: str) -> None:
    """Whatever the body and id, the reference library verifies what we signed."""
    now = datetime.now(UTC)
    secret = new_secret(now)
    headers = signature_headers(message_id, now, body, [secret])
    Webhook(secret.value).verify(body, headers, json_parse=False)
