"""Every shared acceptance operation against `caseline demo --trusted-documents` with the
shipped manifest: each runs as its full text (exactly as written, as the acceptance clients
send it), by ``documentId`` and by Apollo's ``persistedQuery`` hash; a document outside the
manifest, and an unknown hash, are refused."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from gateway.trusted_manifest import SHIPPED, document_hash
from support.demo_process import ACCEPTANCE, Demo, start_demo

pytestmark = pytest.mark.integration

WAYS = ("text", "documentId", "persistedQuery")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """One demo trusting only the shipped manifest."""
    running = start_demo(tmp_path_factory.mktemp("state"), "--cases", "20",
                         "--trusted-documents", str(SHIPPED))
    yield running
    assert running.stop() == 0


def _post(demo: Demo, operation: str, way: str, variables: dict[str, object] | None = None,
          persona: str | None = None) -> tuple[int, dict[str, Any]]:
    text = (ACCEPTANCE / operation).read_text(encoding="utf-8")
    ways: dict[str, dict[str, object]] = {
        "text": {"query": text},
        "documentId": {"documentId": f"sha256:{document_hash(text)}"},
        "persistedQuery": {"extensions": {"persistedQuery": {
            "version": 1, "sha256Hash": document_hash(text)}}},
    }
    named = ways[way]
    headers = {"Authorization": f"Bearer {_token(demo, persona)}"} if persona else {}
    response = httpx.post(f"{demo.base_url}/graphql", headers=headers, timeout=15,
                          json={**named, "variables": variables or {}})
    body: dict[str, Any] = response.json()
    return response.status_code, body


_TOKENS: dict[str, str] = {}


def _token(demo: Demo, persona: str) -> str:
    # `caseline dev-token` is a process each time: one per persona is enough.
    if persona not in _TOKENS:
        _TOKENS[persona] = demo.token(persona)
    return _TOKENS[persona]


def _data(result: tuple[int, dict[str, Any]]) -> dict[str, Any]:
    status, body = result
    assert status == 200 and "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def _number(demo: Demo, persona: str, agency: str) -> str:
    manifest = json.loads((demo.state_dir / "demo.json").read_text())
    return str(next(c["number"] for c in manifest["personas"][persona]
                    if c["agency"] == agency))


READS: dict[str, tuple[str | None, Callable[[Demo], dict[str, object]]]] = {
    "public_status.graphql": (None, lambda d: {"number": _number(d, "ana", "immigration")}),
    "bulk_status.graphql": (None, lambda d: {"numbers": [_number(d, "raj", "labor"),
                                                         "IOE12"]}),
    "my_timeline.graphql": ("ana", lambda d: {"language": "ES"}),
    "client_timeline.graphql": ("lee", lambda d: {}),
    "access_log.graphql": ("ana", lambda d: {}),
    "audit_checkpoint.graphql": ("audrey", lambda d: {}),
    "notifications.graphql": ("raj", lambda d: {}),
    "mark_notifications_read.graphql": ("raj", lambda d: {"ids": []}),
    "processing_times.graphql": (None, lambda d: {"agency": "immigration",
                                                  "caseType": "I-765"}),
    "case_estimates.graphql": ("ana", lambda d: {}),
    "journeys.graphql": ("raj", lambda d: {}),
}


def test_every_acceptance_operation_is_covered_here() -> None:
    covered = {*READS, "grant_consent.graphql", "revoke_consent.graphql"}
    assert covered == {p.name for p in ACCEPTANCE.glob("*.graphql")}


@pytest.mark.parametrize("operation", sorted(READS))
def test_an_operation_runs_as_text_and_by_either_hash(demo: Demo, operation: str) -> None:
    persona, variables = READS[operation]
    answers = [_data(_post(demo, operation, way, variables(demo), persona)) for way in WAYS]
    assert all(answers), answers
    if operation in {"public_status.graphql", "bulk_status.graphql", "journeys.graphql"}:
        assert answers[0] == answers[1] == answers[2]


def test_consents_are_granted_and_revoked_each_way(demo: Demo) -> None:
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    grant: dict[str, object] = {"grantee": "lee", "agencies": ["courts"], "scopes": ["STATUS"],
                                 "purpose": "representation", "validUntil": until}
    for way in WAYS:
        consent = _data(_post(demo, "grant_consent.graphql", way, grant, "ana"))["grantConsent"]
        assert consent["state"] == "ACTIVE"
        revoked = _data(_post(demo, "revoke_consent.graphql", way, {"id": consent["id"]},
                              "ana"))["revokeConsent"]
        assert revoked == {"id": consent["id"], "state": "REVOKED"}


def test_a_document_outside_the_manifest_is_refused(demo: Demo) -> None:
    status, body = _post_text(demo, "query { caseStatus(number: \"IOE12\") { __typename } }")
    assert status == 400
    assert body["errors"][0]["extensions"] == {"code": "DOCUMENT_NOT_TRUSTED"}
    # An acceptance operation changed by one character is another document.
    text = (ACCEPTANCE / "public_status.graphql").read_text(encoding="utf-8")
    status, body = _post_text(demo, text.rstrip("\n"), {"number": "IOE12"})
    assert (status, body["errors"][0]["extensions"]["code"]) == (400, "DOCUMENT_NOT_TRUSTED")


def test_an_unknown_hash_is_not_found_in_spanish(demo: Demo) -> None:
    response = httpx.post(f"{demo.base_url}/graphql", timeout=15,
                          headers={"Accept-Language": "es"},
                          json={"documentId": "sha256:" + "ab" * 32})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "PERSISTED_QUERY_NOT_FOUND"}
    assert error["message"].startswith("ningún documento de confianza")


def _post_text(demo: Demo, query: str, variables: dict[str, object] | None = None
               ) -> tuple[int, dict[str, Any]]:
    response = httpx.post(f"{demo.base_url}/graphql", timeout=15,
                          json={"query": query, "variables": variables or {}})
    body: dict[str, Any] = response.json()
    return response.status_code, body
