"""The shared acceptance operations notifications.graphql and mark_notifications_read.graphql,
exactly as written, over HTTP against a gateway on a real loopback server.

The notifications are fed to an in-memory hub (support/notify_fakes.py) as the in-app
deliverer would deliver them: `caseline adapter record-event`, the watchers and the outbox
are built beside this work, and the end-to-end run against `caseline demo` belongs with
them. What the operations must show is checked here: newest first, unread, counted, titled
in the language asked for, marked read in both places, and lee's numbers no wider than his
consent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from caseline.v1.lib.scopes import Scope
from support.demo_process import ACCEPTANCE
from support.http_gateway import serving
from support.notify_fakes import notification
from support.notify_gateway import COURT_NUMBER, IMMIGRATION_NUMBER, NotifyWorld, build_app

pytestmark = pytest.mark.integration


@pytest.fixture
async def served() -> AsyncIterator[tuple[NotifyWorld, httpx.AsyncClient]]:
    world, app = build_app()
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=15) as client:
        yield world, client
    await world.client.aclose()
    await world.service.close()


async def _run(client: httpx.AsyncClient, world: NotifyWorld, operation: str, persona: str,
               variables: dict[str, Any] | None = None) -> dict[str, Any]:
    query = (ACCEPTANCE / operation).read_text()
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}},
                                 headers={"Authorization": f"Bearer {world.token(persona)}"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_ana_sees_a_change_newest_first_unread_in_spanish_then_marks_it_read(
        served: tuple[NotifyWorld, httpx.AsyncClient]) -> None:
    world, client = served
    older = notification("ana", "courts", COURT_NUMBER, "c1", minutes=1,
                         titles={"en": "Hearing scheduled", "es": "Audiencia programada"},
                         milestone="HEARING_SCHEDULED")
    newer = notification("ana", "immigration", IMMIGRATION_NUMBER, "e1", minutes=5,
                         action_required=True)
    world.fake.deliver(older)
    world.fake.deliver(newer)
    viewer = (await _run(client, world, "notifications.graphql", "ana",
                         {"language": "ES"}))["viewer"]
    assert viewer["unreadNotifications"] == 2
    assert viewer["notifications"] == [
        {"id": newer.id, "at": "2026-05-01T14:05:00+00:00", "read": False,
         "agency": {"id": "immigration"}, "caseNumber": IMMIGRATION_NUMBER,
         "title": "Se solicitaron pruebas", "category": "ACTIVE",
         "milestone": "EVIDENCE_REQUESTED", "actionRequired": True},
        {"id": older.id, "at": "2026-05-01T14:01:00+00:00", "read": False,
         "agency": {"id": "courts"}, "caseNumber": COURT_NUMBER,
         "title": "Audiencia programada", "category": "ACTIVE",
         "milestone": "HEARING_SCHEDULED", "actionRequired": False}]
    english = (await _run(client, world, "notifications.graphql", "ana"))["viewer"]
    assert english["notifications"][0]["title"] == "Evidence requested"

    marked = await _run(client, world, "mark_notifications_read.graphql", "ana",
                        {"ids": [newer.id]})
    assert marked == {"markNotificationsRead": [{"id": newer.id, "read": True}]}
    viewer = (await _run(client, world, "notifications.graphql", "ana"))["viewer"]
    assert viewer["unreadNotifications"] == 1
    assert [(n["id"], n["read"]) for n in viewer["notifications"]] == [
        (newer.id, True), (older.id, False)]


async def test_lee_gets_only_what_his_consent_covers_masked_without_identity(
        served: tuple[NotifyWorld, httpx.AsyncClient]) -> None:
    world, client = served
    await world.grant_lee(Scope.STATUS)  # courts only, no IDENTITY
    world.fake.deliver(notification("lee", "courts", COURT_NUMBER, "c1", subject="ana"))
    viewer = (await _run(client, world, "notifications.graphql", "lee"))["viewer"]
    assert viewer["unreadNotifications"] == 1
    assert [(n["agency"]["id"], n["caseNumber"]) for n in viewer["notifications"]] == [
        ("courts", "A•••••5123")]
    # ana's ids are hers: lee marking one changes nothing and learns nothing.
    hers = notification("ana", "immigration", IMMIGRATION_NUMBER, "e1")
    world.fake.deliver(hers)
    marked = await _run(client, world, "mark_notifications_read.graphql", "lee",
                        {"ids": [hers.id]})
    assert marked == {"markNotificationsRead": []}
    assert (await _run(client, world, "notifications.graphql", "ana"))["viewer"][
        "unreadNotifications"] == 1


async def test_raj_without_changes_has_an_empty_list(
        served: tuple[NotifyWorld, httpx.AsyncClient]) -> None:
    world, client = served
    viewer = (await _run(client, world, "notifications.graphql", "raj"))["viewer"]
    assert viewer == {"unreadNotifications": 0, "notifications": []}
