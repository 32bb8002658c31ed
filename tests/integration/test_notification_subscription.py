"""notificationAdded over graphql-transport-ws on /graphql, on a real uvicorn server on a
loopback port: the token in connection_init, refusals with the protocol's close codes, a
delivered notification arriving in the language asked for, the end at token expiry."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from caseline.v1.lib.scopes import Scope
from gateway.app import MAX_SUBSCRIPTIONS_PER_ACCOUNT, MAX_SUBSCRIPTIONS_PER_CONNECTION
from support.http_gateway import serving
from support.notify_fakes import notification
from support.notify_gateway import COURT_NUMBER, IMMIGRATION_NUMBER, NotifyWorld, build_app

pytestmark = pytest.mark.integration

SUBSCRIBE = ("subscription($language: Language) { notificationAdded(language: $language) "
             "{ id read title caseNumber agency { id name } actionRequired } }")


@pytest.fixture
async def served() -> AsyncIterator[tuple[NotifyWorld, str]]:
    world, app = build_app()
    async with serving(app) as base:
        yield world, base.replace("http://", "ws://") + "/graphql"
    await world.client.aclose()
    await world.service.close()


async def _receive(socket: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await socket.recv())
    return message


async def _open(url: str, init: dict[str, Any] | None) -> ClientConnection:
    socket = await connect(url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await socket.send(json.dumps({"type": "connection_init", **({"payload": init}
                                                                   if init is not None
                                                                   else {})}))
    return socket


async def _listening(world: NotifyWorld, who: str, count: int = 1) -> None:
    """Until ``count`` subscriptions are registered with the live feed."""
    while world.fake.live.listeners(who) < count:
        await asyncio.sleep(0.01)


async def test_a_delivered_notification_arrives_in_the_language_asked_for(
        served: tuple[NotifyWorld, str]) -> None:
    world, url = served
    socket = await _open(url, {"Authorization": f"Bearer {world.token('ana')}"})
    assert await _receive(socket) == {"type": "connection_ack"}
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
        "query": SUBSCRIBE, "variables": {"language": "ES"}}}))
    await asyncio.wait_for(_listening(world, "ana"), 10)
    item = notification("ana", "immigration", IMMIGRATION_NUMBER, "e9", action_required=True)
    world.fake.deliver(item, language="en")
    message = await _receive(socket)
    assert message == {"id": "1", "type": "next", "payload": {"data": {"notificationAdded": {
        "id": item.id, "read": False, "title": "Se solicitaron pruebas",
        "caseNumber": IMMIGRATION_NUMBER,
        "agency": {"id": "immigration", "name": "Agencia de Inmigración"},
        "actionRequired": True}}}}
    await socket.send(json.dumps({"id": "1", "type": "complete"}))
    await socket.close()
    await asyncio.wait_for(_gone(world, "ana"), 10)


async def _gone(world: NotifyWorld, who: str) -> None:
    while world.fake.live.listeners(who):
        await asyncio.sleep(0.01)


async def test_without_language_the_release_keeps_its_language_and_masking(
        served: tuple[NotifyWorld, str]) -> None:
    """lee's live update is in the language it was released in, its number as released
    (masked: his consent lacks IDENTITY)."""
    world, url = served
    await world.grant_lee(Scope.STATUS)
    socket = await _open(url, {"Authorization": f"Bearer {world.token('lee')}"})
    assert (await _receive(socket))["type"] == "connection_ack"
    await socket.send(json.dumps({"id": "a", "type": "subscribe",
                                  "payload": {"query": SUBSCRIBE}}))
    await asyncio.wait_for(_listening(world, "lee"), 10)
    item = notification("lee", "courts", COURT_NUMBER, "c7", subject="ana")
    world.fake.deliver(item, language="es", agency_name="Tribunal de Inmigración",
                       shown_number="A•••••5123")
    payload = (await _receive(socket))["payload"]["data"]["notificationAdded"]
    assert payload["caseNumber"] == "A•••••5123"
    assert payload["title"] == "Se solicitaron pruebas"
    await socket.close()


@pytest.mark.parametrize("init", [None, {}, {"Authorization": "Bearer not-a-token"},
                                  {"Authorization": "Basic abc"}])
async def test_a_connection_without_a_valid_token_is_closed_forbidden(
        served: tuple[NotifyWorld, str], init: dict[str, Any] | None) -> None:
    _, url = served
    socket = await _open(url, init)
    with pytest.raises(ConnectionClosed) as closed:
        await _receive(socket)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4403, "Forbidden")


async def test_subscribing_before_connection_init_is_unauthorized(
        served: tuple[NotifyWorld, str]) -> None:
    _, url = served
    socket = await connect(url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await socket.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": SUBSCRIBE}}))
    with pytest.raises(ConnectionClosed) as closed:
        await _receive(socket)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_the_subscription_ends_when_the_token_expires(
        served: tuple[NotifyWorld, str]) -> None:
    world, url = served
    token = world.issuer.issue("ana", "applicant", "Ana", ttl_s=2)
    socket = await _open(url, {"Authorization": f"Bearer {token}"})
    assert (await _receive(socket))["type"] == "connection_ack"
    await socket.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": SUBSCRIBE}}))
    assert await asyncio.wait_for(_receive(socket), 30) == {"id": "1", "type": "complete"}
    assert world.fake.live.listeners("ana") == 0
    await socket.close()


async def test_without_notifications_running_the_subscription_says_so() -> None:
    world, app = build_app(running=False)
    async with serving(app) as base:
        socket = await _open(base.replace("http://", "ws://") + "/graphql",
                             {"Authorization": f"Bearer {world.token('ana')}"})
        assert (await _receive(socket))["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "1", "type": "subscribe",
                                      "payload": {"query": SUBSCRIBE}}))
        message = await _receive(socket)
        await socket.close()
    await world.client.aclose()
    await world.service.close()
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["message"] == "notifications are not running on this server"
    assert errors[0]["extensions"]["code"] == "NOTIFICATIONS_OFF"


async def test_queries_and_mutations_go_over_http_not_the_socket(
        served: tuple[NotifyWorld, str]) -> None:
    """A query on the socket is refused: the connection's context outlives a request, and
    its cached reads would outlive a revoked consent."""
    world, url = served
    socket = await _open(url, {"Authorization": f"Bearer {world.token('ana')}"})
    assert (await _receive(socket))["type"] == "connection_ack"
    await socket.send(json.dumps({"id": "q", "type": "subscribe", "payload": {
        "query": "{ viewer { unreadNotifications } }"}}))
    message = await _receive(socket)
    await socket.close()
    assert message["type"] == "error" and message["id"] == "q"
    assert message["payload"][0]["message"] == "queries are not allowed"


async def test_an_account_holds_a_bounded_number_of_live_subscriptions(
        served: tuple[NotifyWorld, str]) -> None:
    """Five per connection (strawberry's limit), ten per account across connections."""
    world, url = served
    sockets = []
    for _ in range(3):
        socket = await _open(url, {"Authorization": f"Bearer {world.token('ana')}"})
        assert (await _receive(socket))["type"] == "connection_ack"
        sockets.append(socket)
    for socket in sockets[:2]:
        for number in range(MAX_SUBSCRIPTIONS_PER_CONNECTION):
            await socket.send(json.dumps({"id": str(number), "type": "subscribe",
                                          "payload": {"query": SUBSCRIBE}}))
    await asyncio.wait_for(_listening(world, "ana", MAX_SUBSCRIPTIONS_PER_ACCOUNT), 10)
    await sockets[2].send(json.dumps({"id": "x", "type": "subscribe",
                                      "payload": {"query": SUBSCRIBE}}))
    message = await _receive(sockets[2])
    for socket in sockets:
        await socket.close()
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"] == {"code": "TOO_MANY_STREAMS",
                                       "limit": MAX_SUBSCRIPTIONS_PER_ACCOUNT}
    assert errors[0]["message"] == ("at most 10 live notification streams per account are "
                                    "open at once; close one first")
