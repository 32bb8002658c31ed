"""/me/notifications/stream: Server-Sent Events on a real uvicorn server on a loopback port,
read as a browser's EventSource reads them: a delivered notification arrives as a
``notification`` event with the unread count, heartbeats keep the line open, the session
bounds who may listen, for how long and how many times at once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from aggregator.consent.vocabulary import Role
from gateway.auth import SignedIn
from gateway.web import notification_stream
from support.http_gateway import serving
from support.notify_fakes import notification
from support.notify_gateway import IMMIGRATION_NUMBER, SECRET, NotifyWorld, build_app
from support.pages import SESSION_COOKIE, session_cookie

pytestmark = pytest.mark.integration

STREAM = "/me/notifications/stream"


@pytest.fixture
async def served() -> AsyncIterator[tuple[NotifyWorld, httpx.AsyncClient]]:
    world, app = build_app()
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        yield world, client
    await world.client.aclose()
    await world.service.close()


def _session(cookie: str) -> dict[str, str]:
    """The page session cookie as a browser sends it."""
    return {"Cookie": f"{SESSION_COOKIE}={cookie}"}


async def _listening(world: NotifyWorld, who: str, count: int = 1) -> None:
    while world.fake.live.listeners(who) < count:
        await asyncio.sleep(0.01)


async def _event(lines: AsyncIterator[str], kind: str) -> dict[str, str]:
    """The next event of ``kind``: its fields (``data`` joined as SSE joins it)."""
    fields: dict[str, str] = {}
    async for line in lines:
        if line == "":
            if fields.get("event") == kind:
                return fields
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
    raise AssertionError(f"the stream ended before a {kind} event")


async def test_a_delivered_notification_arrives_with_the_unread_count(
        served: tuple[NotifyWorld, httpx.AsyncClient]) -> None:
    world, client = served
    world.fake.inbox.add(notification("ana", "immigration", IMMIGRATION_NUMBER, "old"))
    headers = {**_session(world.cookie("ana")), "Accept-Language": "es"}
    async with client.stream("GET", STREAM, headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-store"
        assert "default-src 'self'" in response.headers["content-security-policy"]
        lines = response.aiter_lines()
        await asyncio.wait_for(_listening(world, "ana"), 10)
        item = notification("ana", "immigration", IMMIGRATION_NUMBER, "new", minutes=3,
                            action_required=True)
        world.fake.deliver(item)
        event = await asyncio.wait_for(_event(lines, "notification"), 10)
    assert event["id"] == item.id
    data: dict[str, Any] = json.loads(event["data"])
    assert data == {"id": item.id, "at": "2026-05-01T14:03:00+00:00",
                    "when": "1 de mayo de 2026, 14:03 UTC", "agency": "Agencia de Inmigración",
                    "caseNumber": IMMIGRATION_NUMBER, "title": "Se solicitaron pruebas",
                    "actionRequired": True, "href": "/me?agency=immigration#events",
                    "unread": 2}


async def test_heartbeat_comments_keep_the_line_open(
        served: tuple[NotifyWorld, httpx.AsyncClient],
        monkeypatch: pytest.MonkeyPatch) -> None:
    world, client = served
    monkeypatch.setattr(notification_stream, "HEARTBEAT_S", 0.2)
    async with client.stream("GET", STREAM, headers=_session(world.cookie("ana"))) as response:
        seen = []
        async for line in response.aiter_lines():
            seen.append(line)
            if line.startswith(": ping"):
                break
    assert seen[:2] == [": connected", "retry: 5000"]


@pytest.mark.parametrize(("who", "status"), [(None, 401), ("audrey", 403)])
async def test_only_signed_in_applicants_and_representatives_may_listen(
        served: tuple[NotifyWorld, httpx.AsyncClient], who: str | None, status: int) -> None:
    world, client = served
    response = await client.get(STREAM, headers=_session(world.cookie(who)) if who else {})
    assert response.status_code == status
    assert world.fake.live.listeners("audrey") == 0


async def test_without_notifications_running_the_stream_says_no_content() -> None:
    world, app = build_app(running=False)
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as client:
        response = await client.get(STREAM, headers=_session(world.cookie("ana")))
    await world.client.aclose()
    await world.service.close()
    assert response.status_code == 204  # EventSource does not reconnect after a 204


async def test_a_session_holds_a_bounded_number_of_streams(
        served: tuple[NotifyWorld, httpx.AsyncClient]) -> None:
    world, client = served
    session = _session(world.cookie("ana"))
    limit = notification_stream.MAX_STREAMS_PER_SESSION
    opened = [client.stream("GET", STREAM, headers=session) for _ in range(limit)]
    responses = [await stream.__aenter__() for stream in opened]
    try:
        await asyncio.wait_for(_listening(world, "ana", limit), 10)
        refused = await client.get(STREAM, headers=session)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "30"
        # Another session of the same person is not this one's business.
        other = session_cookie(SECRET, SignedIn("ana", Role.APPLICANT, "Ana"), csrf="other")
        async with client.stream("GET", STREAM, headers=_session(other)) as more:
            assert more.status_code == 200
    finally:
        for stream, response in zip(opened, responses, strict=True):
            assert response.status_code == 200
            await stream.__aexit__(None, None, None)


async def test_the_stream_ends_when_the_session_does(
        served: tuple[NotifyWorld, httpx.AsyncClient]) -> None:
    world, client = served
    short = session_cookie(SECRET, SignedIn("ana", Role.APPLICANT, "Ana"), ttl_s=2)
    async with client.stream("GET", STREAM, headers=_session(short)) as response:
        assert response.status_code == 200
        lines = [line async for line in response.aiter_lines()]
    assert lines[0] == ": connected"
    assert world.fake.live.listeners("ana") == 0


async def test_the_stream_opens_with_the_unread_count(
        served: tuple[NotifyWorld, httpx.AsyncClient]) -> None:
    world, client = served
    world.fake.inbox.add(notification("ana", "immigration", IMMIGRATION_NUMBER, "a"))
    async with client.stream("GET", STREAM, headers=_session(world.cookie("ana"))) as response:
        event = await asyncio.wait_for(_event(response.aiter_lines(), "unread"), 10)
    assert json.loads(event["data"]) == {"unread": 1}


async def test_a_reconnect_gets_what_came_after_its_last_event_first(
        served: tuple[NotifyWorld, httpx.AsyncClient]) -> None:
    """Last-Event-ID: the newer ones, oldest first, then live ones (none twice)."""
    world, client = served
    made = [notification("ana", "immigration", IMMIGRATION_NUMBER, f"e{i}", minutes=i)
            for i in range(4)]
    for item in made:
        world.fake.inbox.add(item)
    headers = {**_session(world.cookie("ana")), "Last-Event-ID": made[1].id}
    async with client.stream("GET", STREAM, headers=headers) as response:
        lines = response.aiter_lines()
        caught_up = [await asyncio.wait_for(_event(lines, "notification"), 10)
                     for _ in range(2)]
        await asyncio.wait_for(_listening(world, "ana"), 10)
        world.fake.live.publish(world.fake.deliver(made[3]))  # a repeat: dropped
        fresh = notification("ana", "immigration", IMMIGRATION_NUMBER, "e9", minutes=9)
        world.fake.deliver(fresh)
        live = await asyncio.wait_for(_event(lines, "notification"), 10)
    assert [e["id"] for e in caught_up] == [made[2].id, made[3].id]
    assert live["id"] == fresh.id


async def test_a_head_request_gives_its_slot_back(
        served: tuple[NotifyWorld, httpx.AsyncClient]) -> None:
    world, client = served
    session = _session(world.cookie("ana"))
    for _ in range(notification_stream.MAX_STREAMS_PER_SESSION + 1):
        response = await client.head(STREAM, headers=session)
        assert response.status_code == 200
    async with client.stream("GET", STREAM, headers=session) as response:
        assert response.status_code == 200
