"""Endpoints at rest: URL and secrets sealed under the account's key, the log bounded; on
SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from aggregator.notify.webhooks.model import Attempt, EndpointState, Problem
from aggregator.notify.webhooks.signing import new_secret, rotate
from aggregator.notify.webhooks.store import WebhookStore
from aggregator.notify.webhooks.tables import webhook_endpoints
from aggregator.store import make_engine
from support.databases import fresh_database_url
from support.sealing import MemorySealer

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 1, tzinfo=UTC)
Made = tuple[WebhookStore, MemorySealer]


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database on each engine (PostgreSQL in a throwaway schema)."""
    with fresh_database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def made(engine_url: str) -> Iterator[Made]:
    sealer = MemorySealer()
    engine = make_engine(engine_url)
    yield WebhookStore(engine, sealer, log_limit=3), sealer
    engine.dispose()


def test_url_and_secret_are_sealed_at_rest(made: Made) -> None:
    """Neither the URL nor the secret appears in the table; both open again."""
    store, _ = made
    secret = new_secret(NOW)
    endpoint = store.add("rep-1", "https://hooks.example.com/x", secret, NOW)
    with store._engine.connect() as conn:
        row = conn.execute(select(webhook_endpoints)).one()
    assert "hooks.example.com" not in str(tuple(row))
    assert secret.value not in str(tuple(row))
    got = store.get(endpoint.id)
    assert got is not None
    assert (got.url, got.secrets, got.state) == ("https://hooks.example.com/x", (secret,),
                                                 EndpointState.UNVERIFIED)


def test_shredding_the_account_key_makes_its_endpoints_gone(made: Made) -> None:
    """After erasure the endpoint no longer opens: it reads as missing."""
    store, sealer = made
    endpoint = store.add("rep-1", "https://hooks.example.com/x", new_secret(NOW), NOW)
    del sealer.keys["rep-1"]
    assert store.get(endpoint.id) is None
    assert store.of_account("rep-1") == []


def test_only_active_endpoints_are_listed_as_targets(made: Made) -> None:
    """UNVERIFIED and DISABLED endpoints are not targets; ACTIVE ones are, per account."""
    store, _ = made
    a = store.add("rep-1", "https://a.example.com/", new_secret(NOW), NOW)
    b = store.add("rep-1", "https://b.example.com/", new_secret(NOW), NOW)
    c = store.add("rep-2", "https://c.example.com/", new_secret(NOW), NOW)
    store.set_state(a.id, EndpointState.ACTIVE, verified_at=NOW)
    store.set_state(b.id, EndpointState.DISABLED, problem=Problem("GONE", "410", 410))
    store.set_state(c.id, EndpointState.ACTIVE, verified_at=NOW)
    assert store.active_ids("rep-1") == [a.id]
    disabled = store.get(b.id)
    assert disabled is not None and disabled.problem == Problem("GONE", "410", 410)


def test_rotated_secrets_keep_their_grace_at_rest(made: Made) -> None:
    """Both secrets, with the old one's end of grace, survive a round trip."""
    store, _ = made
    endpoint = store.add("rep-1", "https://a.example.com/", new_secret(NOW), NOW)
    _, secrets = rotate(endpoint.secrets, NOW, timedelta(hours=24))
    store.set_secrets(endpoint, secrets)
    got = store.get(endpoint.id)
    assert got is not None
    assert list(got.secrets) == secrets
    assert got.secrets[1].expires_at == NOW + timedelta(hours=24)


def test_the_log_keeps_the_newest_attempts_per_endpoint(made: Made) -> None:
    """Past the limit the oldest attempts go; other endpoints' logs are untouched."""
    store, _ = made
    a = store.add("rep-1", "https://a.example.com/", new_secret(NOW), NOW)
    b = store.add("rep-1", "https://b.example.com/", new_secret(NOW), NOW)
    store.log(b.id, Attempt("m-b", "case.status_changed", NOW, 200, 5))
    for i in range(5):
        store.log(a.id, Attempt(f"m{i}", "case.status_changed", NOW, 500, i, "HTTP 500"))
    assert [x.message_id for x in store.attempts(a.id, 10)] == ["m4", "m3", "m2"]
    assert [x.message_id for x in store.attempts(b.id, 10)] == ["m-b"]
    assert store.remove("rep-1", a.id)
    assert store.attempts(a.id, 10) == []
    assert not store.remove("rep-2", b.id)  # not theirs
