"""Trusted documents over graphql-transport-ws, on a real uvicorn server on a loopback
port: a trusted subscription runs by its text or its hash, anything else gets the
protocol's ``error`` message with the refusal's code, and the connection stays usable."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from gateway.trusted_manifest import TrustedDocuments, document_hash
from support.http_gateway import serving
from support.notify_fakes import notification
from support.notify_gateway import IMMIGRATION_NUMBER, NotifyWorld, build_app

pytestmark = pytest.mark.integration

SUBSCRIBE = "subscription Added { notificationAdded { id title } }"
UNTRUSTED = "subscription { notificationAdded { id } }"


@pytest.fixture
async def served() -> AsyncIterator[tuple[NotifyWorld, str]]:
    world, app = build_app(trusted=TrustedDocuments({document_hash(SUBSCRIBE): SUBSCRIBE}))
    async with serving(app) as base:
        yield world, base.replace("http://", "ws://") + "/graphql"
    await world.client.aclose()
    await world.service.close()


async def _receive(socket: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), 10))
    return message


async def _signed_in(world: NotifyWorld, url: str) -> ClientConnection:
    socket = await connect(url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await socket.send(json.dumps({"type": "connection_init",
                                  "payload": {"Authorization": f"Bearer {world.token('ana')}"}}))
    assert await _receive(socket) == {"type": "connection_ack"}
    return socket


async def _listening(world: NotifyWorld, count: int) -> None:
    while world.fake.live.listeners("ana") < count:
        await asyncio.sleep(0.01)


async def test_untrusted_then_trusted_by_text_and_by_hash(
        served: tuple[NotifyWorld, str]) -> None:
    world, url = served
    socket = await _signed_in(world, url)
    await socket.send(json.dumps({"id": "u", "type": "subscribe",
                                  "payload": {"query": UNTRUSTED}}))
    refused = await _receive(socket)
    assert (refused["id"], refused["type"]) == ("u", "error")
    assert refused["payload"][0]["extensions"] == {"code": "DOCUMENT_NOT_TRUSTED"}
    await socket.send(json.dumps({"id": "h", "type": "subscribe", "payload": {
        "documentId": "sha256:" + "0" * 64}}))
    unknown = await _receive(socket)
    assert unknown["payload"][0]["extensions"] == {"code": "PERSISTED_QUERY_NOT_FOUND"}

    await socket.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": SUBSCRIBE}}))
    await socket.send(json.dumps({"id": "2", "type": "subscribe", "payload": {
        "extensions": {"persistedQuery": {"version": 1,
                                          "sha256Hash": document_hash(SUBSCRIBE)}}}}))
    await asyncio.wait_for(_listening(world, 2), 10)
    item = notification("ana", "immigration", IMMIGRATION_NUMBER, "e9")
    world.fake.deliver(item, language="en")
    received = {m["id"]: m for m in [await _receive(socket), await _receive(socket)]}
    assert set(received) == {"1", "2"}
    for message in received.values():
        assert message["type"] == "next"
        assert message["payload"]["data"]["notificationAdded"]["id"] == item.id
    await socket.close()
