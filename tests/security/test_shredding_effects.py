"""Item 15: `caseline keys shred` beside a running demo ends the subject's consents (granted by
them and to them, each revocation in the ledger with its reason), and every later request
about them says plainly that their data was erased and when — never "Unexpected error." or
a false CONFLICT. Shredding an account that does not exist is refused and not recorded."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from aggregator.bootstrap import open_state
from aggregator.state import StatePaths
from support.demo_process import ROOT, Demo, start_demo

pytestmark = pytest.mark.integration

UNTIL = (datetime.now(UTC) + timedelta(days=30)).isoformat()
GRANT = """mutation($grantee: ID!, $agencies: [ID!]!, $until: DateTime!) {
  grantConsent(input: {grantee: $grantee, agencies: $agencies, scopes: [STATUS],
                       purpose: "help with my case", validUntil: $until}) { id state } }"""
ERASED_REQUESTS = {
    "own cases": "{ viewer { cases { number } } }",
    "own timeline": "{ viewer { timeline { events { title } } } }",
    "own consents": "{ viewer { consents { id state } } }",
    "own access log": "{ viewer { accessLog { actor } } }",
    "linking": 'mutation { linkCase(number: "IOE0990000001", accessCode: "X") '
               '{ alreadyLinked } }',
    "granting": GRANT,
    "revoking": 'mutation { revokeConsent(id: "cns_0") { state } }',
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    running = start_demo(tmp_path_factory.mktemp("state"), "--cases", "200")
    yield running
    assert running.stop() == 0


@pytest.fixture(scope="module")
def tokens(demo: Demo) -> dict[str, str]:
    return {p: demo.token(p) for p in ("ana", "raj", "lee", "audrey")}


def _post(demo: Demo, token: str, query: str, language: str = "en",
          **variables: Any) -> dict[str, Any]:
    response = httpx.post(f"{demo.base_url}/graphql", timeout=30,
                          headers={"Authorization": f"Bearer {token}",
                                   "Accept-Language": language},
                          json={"query": query, "variables": {"until": UNTIL, **variables}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def _shred(demo: Demo, subject: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deploy.cli", "keys", "shred", subject, "--yes",
         "--state-dir", str(demo.state_dir)], capture_output=True, text=True, cwd=ROOT,
        timeout=120, check=False)


def _recorded(demo: Demo) -> int:
    """Entries other than reads: the demo's alerts read the personas' cases in the background
    (accesses come at any time); a shred records key and consent entries."""
    with sqlite3.connect(demo.state_dir / "ledger.sqlite3") as conn:
        (count,) = conn.execute("SELECT count(*) FROM entries WHERE kind != 'access'").fetchone()
    return int(count)


def _consent_entries(demo: Demo, consent_id: str) -> list[dict[str, Any]]:
    with sqlite3.connect(demo.state_dir / "ledger.sqlite3") as conn:
        leaves = [row[0] for row in conn.execute("SELECT leaf FROM entries ORDER BY idx")]
    entries = [json.loads(leaf) for leaf in leaves]
    return [e for e in entries if e.get("kind") == "consent" and e.get("consent") == consent_id]


def test_shredding_nobody_is_refused_and_not_recorded(demo: Demo) -> None:
    before = _recorded(demo)
    refused = _shred(demo, "nobody")
    assert refused.returncode != 0
    assert "no account 'nobody'" in refused.stderr and "nothing was shredded" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _recorded(demo) == before


def test_after_shredding_ana_her_consents_end_and_every_request_says_erased(
        demo: Demo, tokens: dict[str, str]) -> None:
    to_lee = _data(_post(demo, tokens["ana"], GRANT, grantee="lee",
                         agencies=["immigration", "courts"]))["grantConsent"]
    to_ana = _data(_post(demo, tokens["raj"], GRANT, grantee="ana",
                         agencies=["labor"]))["grantConsent"]
    assert to_lee["state"] == to_ana["state"] == "ACTIVE"
    clients = _data(_post(demo, tokens["lee"], "{ viewer { clients { subject timeline { "
                                                "events { title } } } } }"))["viewer"]["clients"]
    assert [c["subject"] for c in clients] == ["ana"] and clients[0]["timeline"]["events"]

    started = datetime.now(UTC)
    shredded = _shred(demo, "ana")
    finished = datetime.now(UTC)
    assert shredded.returncode == 0, shredded.stderr
    assert "revoked 2 consent(s)" in shredded.stdout

    # Both consents are revoked, each by a ledger entry that says why.
    for consent, reason in ((to_lee, "SUBJECT_ERASED"), (to_ana, "GRANTEE_ERASED")):
        last = _consent_entries(demo, consent["id"])[-1]
        assert (last["event"], last["reason"]) == ("REVOKED", reason)
    raj_consents = _data(_post(demo, tokens["raj"], "{ viewer { consents { id state } } }"))
    assert {"id": to_ana["id"], "state": "REVOKED"} in raj_consents["viewer"]["consents"]

    # lee's client view has nothing of ana any more; the consent he held reads REVOKED.
    lee = _data(_post(demo, tokens["lee"], '{ viewer { clients { subject } '
                                           'client(subject: "ana") { consents { id state } } }'
                                           ' }'))["viewer"]
    assert lee["clients"] == []
    assert lee["client"]["consents"] == [{"id": to_lee["id"], "state": "REVOKED"}]

    requests = {**{f"ana: {name}": ("ana", query) for name, query in ERASED_REQUESTS.items()},
                "lee reading ana": ("lee", '{ viewer { client(subject: "ana") { timeline { '
                                           'events { title } } } } }')}
    for name, (persona, query) in requests.items():
        for language, words in (("en", "was erased at"), ("es", "se borraron el")):
            body = _post(demo, tokens[persona], query, language, grantee="lee",
                         agencies=["immigration"])
            errors = body.get("errors")
            assert errors, (name, body)
            (error,) = errors
            assert error["extensions"]["code"] == "SUBJECT_ERASED", (name, error)
            assert words in error["message"] and "ana" in error["message"], (name, error)
            erased_at = datetime.fromisoformat(error["extensions"]["erasedAt"])
            assert started - timedelta(seconds=1) <= erased_at <= finished, (name, error)

    # Someone never granted anything by ana learns nothing about her.
    stranger = _post(demo, tokens["raj"], '{ viewer { client(subject: "ana") { timeline { '
                                        'events { title } } } } }')
    assert _data(stranger)["viewer"]["client"]["timeline"]["events"] == []

    # Running it again records nothing new.
    before = _recorded(demo)
    again = _shred(demo, "ana")
    assert again.returncode == 0, again.stderr
    assert "already erased" in again.stdout and _recorded(demo) == before


def test_a_store_from_before_accounts_knows_who_was_already_erased(tmp_path: Path) -> None:
    """Subjects shredded before the account registry existed read as erased once the store
    is opened again (the migration takes the vault's tombstones), so their requests say so
    rather than fail."""
    paths = StatePaths(tmp_path)
    store, vault = open_state(paths)
    store.add_link("ana", "immigration", "IOE0990000001")
    store.add_link("raj", "labor", "G-100-26001-000001")
    vault.subject_keys.shred("ana")
    store.close()
    with sqlite3.connect(paths.database) as conn:  # as before accounts (and migrations)
        conn.execute("DROP TABLE accounts")
        conn.execute("DROP TABLE alembic_version")
    store, _ = open_state(paths)
    try:
        erased = store.erased_at("ana")
        assert erased is not None and erased <= datetime.now(UTC)
        assert store.erased_at("raj") is None
        raj = store.account("raj")
        assert raj is not None and raj.role == "applicant"
    finally:
        store.close()
