"""The shared acceptance operations notifications.graphql and mark_notifications_read.graphql,
exactly as written, against a running `caseline demo`: an agency records a change with
`caseline adapter record-event` (a subprocess, as an operator would), the demo's adapter
streams it, the watcher and matcher write the outbox, the in-app deliverer delivers it, and
the operation shows it. Nothing is faked between the command and the answer."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from support.demo_process import ENGINES, ROOT, Demo, module_demo

pytestmark = pytest.mark.integration

# How long a change may take to show before the test gives up (a bound, not a measurement:
# latency is measured in bench/).
WAIT_S = 15.0

ANA_RFE_CASE = "IOE0990000002"  # ana's I-130, under review at start
ANA_COURT_CASE = "A201555123"  # ana's removal case: courts numbers need IDENTITY to be read
RAJ_I485 = "IOE0990000012"


@pytest.fixture(scope="module", params=ENGINES)
def demo(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """One demo for the module on each engine (the operations pass on both), with a small
    generated data set and no activity (every change here is one the test recorded)."""
    yield from module_demo(request, tmp_path_factory, 50)


def _record(demo: Demo, agency: str, number: str, status: str) -> None:
    """`caseline adapter record-event` against the running demo's state, at the current
    second; waits into the next second first so two changes never share a time."""
    time.sleep(1.1)
    result = subprocess.run(
        [sys.executable, "-m", "deploy.cli", "adapter", "record-event", agency, number,
         status, "--state-dir", str(demo.state_dir)], capture_output=True, text=True,
        cwd=ROOT, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"recorded {agency} {number}"), result.stdout


def _viewer(demo: Demo, persona: str, language: str = "EN") -> dict[str, Any]:
    body = demo.graphql("notifications.graphql", {"language": language}, persona=persona)
    assert "errors" not in body, body
    data: Any = body["data"]
    viewer: dict[str, Any] = data["viewer"]
    return viewer


def _until(demo: Demo, persona: str, holds: Callable[[dict[str, Any]], bool],
           language: str = "EN") -> dict[str, Any]:
    """Poll notifications.graphql as ``persona`` until ``holds`` is true of the viewer;
    fails with the last answer after :data:`WAIT_S`."""
    deadline = time.monotonic() + WAIT_S
    viewer = _viewer(demo, persona, language)
    while not holds(viewer):
        if time.monotonic() > deadline:
            pytest.fail(f"{persona}'s notifications did not show the change within "
                        f"{WAIT_S} s: {viewer}")
        time.sleep(0.3)
        viewer = _viewer(demo, persona, language)
    return viewer


def _numbers(viewer: dict[str, Any]) -> list[str]:
    return [n["caseNumber"] for n in viewer["notifications"]]


def _recent(at: str) -> bool:
    moment = datetime.fromisoformat(at)
    return moment.tzinfo is not None and abs(datetime.now(UTC) - moment) < timedelta(minutes=5)


def test_ana_sees_changes_newest_first_unread_in_her_language_then_marks_one_read(
        demo: Demo) -> None:
    """Two changes recorded on ana's cases (immigration, then court) show newest first,
    unread and counted, titled in Spanish or English as asked; marking the newest read
    updates it and the count."""
    before = _viewer(demo, "ana")
    assert before["notifications"] == [] and before["unreadNotifications"] == 0

    _record(demo, "immigration", ANA_RFE_CASE, "Request for Evidence Was Sent")
    _until(demo, "ana", lambda v: len(v["notifications"]) == 1)
    _record(demo, "courts", ANA_COURT_CASE, "MASTER CALENDAR HEARING SCHEDULED")
    viewer = _until(demo, "ana", lambda v: len(v["notifications"]) == 2, language="ES")

    assert viewer["unreadNotifications"] == 2
    court, rfe = viewer["notifications"]
    assert court["at"] > rfe["at"] and _recent(court["at"]) and _recent(rfe["at"])
    assert court["id"] != rfe["id"]
    assert {k: v for k, v in court.items() if k not in ("id", "at")} == {
        "read": False, "agency": {"id": "courts"}, "caseNumber": ANA_COURT_CASE,
        "title": "Se fijó una audiencia corta", "category": "ACTIVE",
        "milestone": "HEARING_SCHEDULED", "actionRequired": True}
    assert {k: v for k, v in rfe.items() if k not in ("id", "at")} == {
        "read": False, "agency": {"id": "immigration"}, "caseNumber": ANA_RFE_CASE,
        "title": "Se necesitan más pruebas", "category": "ACTIVE",
        "milestone": "EVIDENCE_REQUESTED", "actionRequired": True}

    english = _viewer(demo, "ana", "EN")
    assert [(n["id"], n["title"]) for n in english["notifications"]] == [
        (court["id"], "Short first hearing scheduled"), (rfe["id"], "More evidence needed")]

    marked = demo.graphql("mark_notifications_read.graphql", {"ids": [court["id"]]},
                          persona="ana")
    assert marked == {"data": {"markNotificationsRead": [{"id": court["id"], "read": True}]}}
    after = _viewer(demo, "ana", "ES")
    assert after["unreadNotifications"] == 1
    assert [(n["id"], n["read"]) for n in after["notifications"]] == [
        (court["id"], True), (rfe["id"], False)]


def test_raj_sees_his_change_in_english_and_not_anas(demo: Demo) -> None:
    """A change on raj's I-485 reaches raj, titled in English; ana's changes never do."""
    _record(demo, "immigration", RAJ_I485, "Interview Was Rescheduled")
    viewer = _until(demo, "raj", lambda v: len(v["notifications"]) >= 1)
    assert viewer["unreadNotifications"] == 1
    (only,) = viewer["notifications"]
    assert {k: v for k, v in only.items() if k not in ("id", "at")} == {
        "read": False, "agency": {"id": "immigration"}, "caseNumber": RAJ_I485,
        "title": "Interview moved", "category": "ACTIVE", "milestone": "INTERVIEW_SCHEDULED",
        "actionRequired": True}
    assert _recent(only["at"])
    spanish = _viewer(demo, "raj", "ES")["notifications"]
    assert [n["title"] for n in spanish] == ["Entrevista cambiada"]


def test_lee_gets_only_what_anas_consent_covers_with_her_court_number_masked(
        demo: Demo) -> None:
    """Before any consent lee gets nothing of ana's; after ana grants him STATUS at the court
    (no IDENTITY), a court change reaches him with the A-number masked, and an immigration
    change, which the consent does not cover, does not."""
    ana_seen = len(_viewer(demo, "ana")["notifications"])

    _record(demo, "courts", ANA_COURT_CASE, "INDIVIDUAL HEARING SCHEDULED")
    _until(demo, "ana", lambda v: len(v["notifications"]) == ana_seen + 1)
    assert _viewer(demo, "lee") == {"unreadNotifications": 0, "notifications": []}

    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    granted = demo.graphql("grant_consent.graphql", {
        "grantee": "lee", "agencies": ["courts"], "scopes": ["STATUS"],
        "purpose": "representation in my removal proceedings", "validUntil": until},
        persona="ana")
    assert "errors" not in granted, granted

    _record(demo, "courts", ANA_COURT_CASE, "MASTER CALENDAR HEARING SCHEDULED")
    lee = _until(demo, "lee", lambda v: len(v["notifications"]) >= 1, language="ES")
    assert lee["unreadNotifications"] == 1
    (court,) = lee["notifications"]
    assert {k: v for k, v in court.items() if k not in ("id", "at")} == {
        "read": False, "agency": {"id": "courts"}, "caseNumber": "A•••••5123",
        "title": "Se fijó una audiencia corta", "category": "ACTIVE",
        "milestone": "HEARING_SCHEDULED", "actionRequired": True}

    ana_seen = len(_viewer(demo, "ana")["notifications"])
    _record(demo, "immigration", ANA_RFE_CASE, "Case Is Being Actively Reviewed By USCIS")
    _until(demo, "ana", lambda v: len(v["notifications"]) == ana_seen + 1)
    # The immigration change is matched (every recipient's row is written in one transaction)
    # and the outbox delivers oldest first: once lee has a court change recorded after it,
    # a row of his for the immigration change would have been delivered too.
    _record(demo, "courts", ANA_COURT_CASE, "INDIVIDUAL HEARING SCHEDULED")
    lee = _until(demo, "lee", lambda v: len(v["notifications"]) >= 2)
    assert [(n["agency"]["id"], n["caseNumber"]) for n in lee["notifications"]] == [
        ("courts", "A•••••5123"), ("courts", "A•••••5123")]
    assert lee["notifications"][1]["id"] == court["id"]
    assert lee["notifications"][0]["title"] == "Final hearing scheduled"

    # ana's notification ids are hers: lee marking one changes nothing.
    hers = _viewer(demo, "ana")["notifications"][0]["id"]
    marked = demo.graphql("mark_notifications_read.graphql", {"ids": [hers]}, persona="lee")
    assert marked == {"data": {"markNotificationsRead": []}}
    assert _viewer(demo, "ana")["notifications"][0]["read"] is False


def test_after_ana_revokes_lee_gets_nothing_more(demo: Demo) -> None:
    """Once ana revokes lee's consent, a court change reaches ana and nothing reaches lee;
    granted again, the next change reaches him, and the one made while revoked still not."""
    lee_before = [n["id"] for n in _viewer(demo, "lee")["notifications"]]
    assert lee_before, "runs after the consent test, which gave lee notifications"
    consents = demo.graphql("{ viewer { consents { id state grantee } } }", persona="ana")
    assert "errors" not in consents, consents
    data: Any = consents["data"]
    active = [c["id"] for c in data["viewer"]["consents"]
              if c["grantee"] == "lee" and c["state"] == "ACTIVE"]
    assert active
    for consent_id in active:
        revoked = demo.graphql("revoke_consent.graphql", {"id": consent_id}, persona="ana")
        assert revoked == {"data": {"revokeConsent": {"id": consent_id, "state": "REVOKED"}}}

    ana_seen = len(_viewer(demo, "ana")["notifications"])
    _record(demo, "courts", ANA_COURT_CASE, "HEARING RESCHEDULED")
    _until(demo, "ana", lambda v: len(v["notifications"]) == ana_seen + 1)

    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    granted = demo.graphql("grant_consent.graphql", {
        "grantee": "lee", "agencies": ["courts"], "scopes": ["STATUS"],
        "purpose": "representation in my removal proceedings", "validUntil": until},
        persona="ana")
    assert "errors" not in granted, granted
    _record(demo, "courts", ANA_COURT_CASE, "INDIVIDUAL HEARING SCHEDULED")
    lee = _until(demo, "lee", lambda v: len(v["notifications"]) > len(lee_before))
    # Exactly one new: the change made while the consent was revoked never reached lee.
    assert [n["id"] for n in lee["notifications"]][1:] == lee_before
    assert lee["notifications"][0]["title"] == "Final hearing scheduled"
