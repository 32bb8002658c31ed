"""The consent, access-log and audit acceptance operations, exactly as written, against a
running `caseline demo`, and `caseline audit verify` against it."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from aggregator.ledger.merkle import verify_inclusion
from support.demo_process import ENGINES, ROOT, Demo, module_demo

pytestmark = pytest.mark.integration

DETAILS_FIELDS = ("agencyText", "dueDate", "office", "hearing")


@pytest.fixture(scope="module", params=ENGINES)
def demo(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """One demo for the module on each engine (the operations pass on both), with a small
    generated data set."""
    yield from module_demo(request, tmp_path_factory, 200)


def _data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def _grant(demo: Demo, agencies: list[str], scopes: list[str]) -> dict[str, Any]:
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    consent: dict[str, Any] = _data(demo.graphql("grant_consent.graphql", {
        "grantee": "lee", "agencies": agencies, "scopes": scopes,
        "purpose": "representation in my removal proceedings", "validUntil": until},
        persona="ana"))["grantConsent"]
    return consent


def _client_events(demo: Demo) -> list[dict[str, Any]]:
    clients = _data(demo.graphql("client_timeline.graphql", persona="lee"))["viewer"]["clients"]
    return [e for c in clients if c["subject"] == "ana" for e in c["timeline"]["events"]]


def _audit(demo: Demo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deploy.cli", "audit", *args, "--state-dir",
         str(demo.state_dir)], check=False, capture_output=True, text=True, cwd=ROOT,
        timeout=120)


def test_grant_shows_one_agency_in_scope_and_revoke_shows_none(demo: Demo) -> None:
    """Granting lee STATUS at immigration returns the consent with a receipt; lee then sees
    ana's immigration events only, without DETAILS fields; after revoking, nothing."""
    assert _client_events(demo) == []
    consent = _grant(demo, ["immigration"], ["STATUS"])
    assert consent["state"] == "ACTIVE" and consent["grantee"] == "lee"
    assert consent["agencies"] == ["immigration"] and consent["scopes"] == ["STATUS"]
    receipt = consent["receipt"]
    verify_inclusion(_leaf_hash(demo, receipt["leafIndex"]), receipt["leafIndex"],
                     receipt["treeSize"], [base64.b64decode(h) for h in
                                           receipt["inclusionProof"]],
                     base64.b64decode(receipt["rootHash"]))

    events = _client_events(demo)
    assert events and {e["agency"]["id"] for e in events} == {"immigration"}
    assert all(e["agencyText"] is None for e in events)
    assert all(e["title"] and e["category"] for e in events)
    detailed = demo.graphql("""query { viewer { clients { timeline { events {
        agencyText dueDate office hearing { court } withheld { field scope reason } } } } } }""",
                            persona="lee")
    for event in _data(detailed)["viewer"]["clients"][0]["timeline"]["events"]:
        assert all(event[name] is None for name in ("agencyText", "dueDate", "office",
                                                    "hearing"))
        assert {w["field"] for w in event["withheld"]} == set(DETAILS_FIELDS)
        assert {w["scope"] for w in event["withheld"]} == {"DETAILS"}

    revoked = _data(demo.graphql("revoke_consent.graphql", {"id": consent["id"]},
                                 persona="ana"))["revokeConsent"]
    assert revoked == {"id": consent["id"], "state": "REVOKED"}
    assert _client_events(demo) == []


def test_access_log_lists_lees_reads_with_consent_and_purpose(demo: Demo) -> None:
    """ana sees who read her data, when, under which consent and for what purpose."""
    consent = _grant(demo, ["immigration", "courts"], ["STATUS", "DETAILS"])
    before = datetime.now(UTC)
    assert {e["agency"]["id"] for e in _client_events(demo)} == {"immigration", "courts"}
    log = _data(demo.graphql("access_log.graphql", persona="ana"))["viewer"]["accessLog"]
    lee_reads = [e for e in log if e["actor"] == "lee" and e["consentId"] == consent["id"]]
    assert lee_reads, log
    latest = lee_reads[0]
    assert latest["decision"] == "ALLOW" and latest["purpose"] == "OTHER"
    assert sorted(latest["agencies"]) == ["courts", "immigration"]
    assert sorted(latest["scopes"]) == ["DETAILS", "STATUS"]
    assert datetime.fromisoformat(latest["at"]) >= before - timedelta(seconds=1)
    _data(demo.graphql("revoke_consent.graphql", {"id": consent["id"]}, persona="ana"))
    # An attempt after revocation is refused at once, and ana sees the attempt.
    attempt = demo.graphql('query { viewer { client(subject: "ana") { timeline { events { '
                           'caseNumber } } } } }', persona="lee")
    assert _data(attempt)["viewer"]["client"]["timeline"]["events"] == []
    log = _data(demo.graphql("access_log.graphql", persona="ana"))["viewer"]["accessLog"]
    assert log[0]["actor"] == "lee" and log[0]["decision"] == "DENY"


def test_audit_checkpoint_is_signed_and_the_ledger_verifies(demo: Demo) -> None:
    """audrey gets a signed checkpoint; `caseline audit verify --url` exits 0 on the honest
    ledger and names the entry once a byte of one was altered."""
    _grant(demo, ["labor"], ["STATUS"])
    checkpoint = _data(demo.graphql("audit_checkpoint.graphql",
                                    persona="audrey"))["audit"]["checkpoint"]
    assert checkpoint["treeSize"] > 0
    assert len(base64.b64decode(checkpoint["rootHash"])) == 32
    assert len(base64.b64decode(checkpoint["signature"])) == 68
    datetime.fromisoformat(checkpoint["signedAt"])
    refused = demo.graphql("audit_checkpoint.graphql", persona="ana")
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # type: ignore[index]

    honest = _audit(demo, "verify", "--url", demo.base_url)
    assert honest.returncode == 0, honest.stderr
    assert "entries verified" in honest.stdout

    exported = _audit(demo, "export", "--url", demo.base_url)
    assert exported.returncode == 0, exported.stderr
    lines = exported.stdout.splitlines()
    header = json.loads(lines[0])
    assert header["type"] == "ledger" and header["key"].startswith(header["origin"] + "+")
    assert json.loads(lines[-1])["type"] == "checkpoint"
    assert sum(json.loads(line)["type"] == "entry" for line in lines) >= checkpoint["treeSize"]

    # Alter one byte of entry 1 in the ledger's storage itself, as an intruder would.
    with _ledger_database(demo) as conn:
        leaf = conn.execute(sa.text("SELECT leaf FROM entries WHERE idx = 1")).scalar_one()
        conn.execute(sa.text("UPDATE entries SET leaf = :leaf WHERE idx = 1"),
                     {"leaf": bytes(leaf).replace(b'"kind":"', b'"kind":"X', 1)})
        conn.commit()
    tampered = _audit(demo, "verify", "--url", demo.base_url)
    assert tampered.returncode != 0
    assert "entry 1" in tampered.stderr


@contextmanager
def _ledger_database(demo: Demo) -> Iterator[sa.Connection]:
    """The demo's ledger storage: its own SQLite file, or under --engine postgres the
    aggregator's database."""
    args = list(demo.engine_args)
    url = (args[args.index("--database-url") + 1] if "--database-url" in args
           else f"sqlite:///{demo.state_dir / 'ledger.sqlite3'}")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def _leaf_hash(demo: Demo, index: int) -> bytes:
    with _ledger_database(demo) as conn:
        leaf = conn.execute(sa.text("SELECT leaf FROM entries WHERE idx = :i"),
                            {"i": index}).scalar_one()
    return hashlib.sha256(b"\x00" + bytes(leaf)).digest()
