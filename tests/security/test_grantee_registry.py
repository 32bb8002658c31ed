"""Item 16: a consent can only name an existing account. A typo gets UNKNOWN_GRANTEE and
leaves no consent and no ledger entry; an account exists once its person signed in, and every
demo persona has one from the start — also in a state directory from before accounts."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from aggregator.vault.key_files import load_or_create_ed25519
from deploy.demo.state import DemoState
from gateway.auth import DevIssuer
from support.demo_process import Demo, start_demo

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    running = start_demo(tmp_path_factory.mktemp("state"), "--cases", "200")
    yield running
    running.stop()


def _variables(grantee: str) -> dict[str, object]:
    return {"grantee": grantee, "agencies": ["immigration"], "scopes": ["STATUS"],
            "purpose": "help with my case",
            "validUntil": (datetime.now(UTC) + timedelta(days=30)).isoformat()}


def _post(demo: Demo, token: str, query: str, variables: dict[str, object] | None = None,
          language: str = "en") -> dict[str, Any]:
    response = httpx.post(f"{demo.base_url}/graphql", timeout=30,
                          headers={"Authorization": f"Bearer {token}",
                                   "Accept-Language": language},
                          json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _ledger_size(demo: Demo) -> int:
    with sqlite3.connect(demo.state_dir / "ledger.sqlite3") as conn:
        (count,) = conn.execute("SELECT count(*) FROM entries").fetchone()
    return int(count)


def _consents(demo: Demo, token: str) -> list[dict[str, Any]]:
    body = _post(demo, token, "{ viewer { consents { id grantee state } } }")
    assert "errors" not in body, body
    consents: list[dict[str, Any]] = body["data"]["viewer"]["consents"]
    return consents


def _grant(demo: Demo, token: str, grantee: str, language: str = "en") -> dict[str, Any]:
    return demo.graphql("grant_consent.graphql", _variables(grantee),
                        headers={"Authorization": f"Bearer {token}",
                                 "Accept-Language": language})


def test_lee_is_a_valid_grantee_on_a_fresh_demo(demo: Demo) -> None:
    body = _grant(demo, demo.token("ana"), "lee")
    assert "errors" not in body, body
    consent = body["data"]["grantConsent"]  # type: ignore[index]
    assert (consent["grantee"], consent["state"]) == ("lee", "ACTIVE")


def test_an_unknown_grantee_is_refused_and_nothing_is_recorded(demo: Demo) -> None:
    ana = demo.token("ana")
    consents, size = _consents(demo, ana), _ledger_size(demo)
    for language, words in (("en", "no account nobody"), ("es", "ninguna cuenta nobody")):
        body = _grant(demo, ana, "nobody", language)
        assert body["data"] is None, body
        (error,) = body["errors"]  # type: ignore[misc]
        assert error["extensions"]["code"] == "UNKNOWN_GRANTEE", error
        assert words in error["message"] and "Caseline" in error["message"], error
    assert _consents(demo, ana) == consents
    assert _ledger_size(demo) == size


def test_a_new_account_becomes_a_grantee_once_it_signed_in(demo: Demo) -> None:
    # kim is no persona: a token from the sign-in issuer, as a real identity provider gives.
    issuer = DevIssuer(load_or_create_ed25519(DemoState(demo.state_dir).issuer_key))
    kim = issuer.issue("kim", "representative", "Kim Lopez")
    ana = demo.token("ana")
    refused = _grant(demo, ana, "kim")
    assert refused["errors"][0]["extensions"]["code"] == "UNKNOWN_GRANTEE"  # type: ignore[index]

    signed_in = _post(demo, kim, "{ viewer { subject role } }")
    assert signed_in["data"] == {"viewer": {"subject": "kim", "role": "representative"}}
    granted = _grant(demo, ana, "kim")
    assert "errors" not in granted, granted
    assert granted["data"]["grantConsent"]["grantee"] == "kim"  # type: ignore[index]


def test_a_state_directory_from_before_accounts_gets_them(demo: Demo) -> None:
    """Started again over a state directory whose database has no accounts table (as every
    one written before it), the demo gives the personas and every known subject accounts."""
    demo.stop()
    with sqlite3.connect(demo.state_dir / "aggregator.sqlite3") as conn:
        conn.execute("DROP TABLE accounts")
        conn.execute("DROP TABLE alembic_version")  # written before migrations, too
    again = start_demo(demo.state_dir)
    try:
        raj = again.token("raj")
        for grantee in ("lee", "ana"):
            body = _grant(again, raj, grantee)
            assert "errors" not in body, (grantee, body)
    finally:
        assert again.stop() == 0
