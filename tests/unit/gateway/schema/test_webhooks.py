"""Webhooks through GraphQL: register (secret once), verify against a real receiver,
rotate (new secret once, both sign), delete; refusals worded in the reader's language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from aggregator.bootstrap import bootstrap
from aggregator.notify.webhooks import WebhookSettings
from aggregator.service import CaselineService
from aggregator.vault.key_files import load_or_create_ed25519
from gateway.app import GatewaySettings, create_app
from gateway.auth import DevIssuer, TokenVerifier
from support.http_gateway import CONFIG, NoCases
from support.webhook_receiver import WebhookReceiver, webhook_receiver

REGISTER = "mutation($url: String!) { registerWebhook(url: $url) { id url state secret } }"
VERIFY = "mutation($id: ID!) { verifyWebhook(id: $id) { id state verifiedAt problem } }"
ROTATE = "mutation($id: ID!) { rotateWebhookSecret(id: $id) { id secret state } }"
DELETE = "mutation($id: ID!) { deleteWebhook(id: $id) }"
LIST = ("{ viewer { webhooks { id url state createdAt verifiedAt secret problem "
        "deliveries(first: 5) { at status durationMs error type messageId } } } }")


class World:
    def __init__(self, client: httpx.AsyncClient, issuer: DevIssuer,
                 service: CaselineService, receiver: WebhookReceiver) -> None:
        self.client = client
        self.service = service
        self.receiver = receiver
        self.tokens = {"lee": issuer.issue("lee", "representative", "Lee"),
                       "ana": issuer.issue("ana", "applicant", "Ana"),
                       "aud": issuer.issue("aud", "auditor", "Audrey")}

    async def gql(self, who: str, query: str, language: str = "en",
                  **variables: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {self.tokens[who]}",
                     "Accept-Language": language})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def ok(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        body = await self.gql(who, query, **variables)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def error(self, who: str, query: str, language: str = "en",
                    **variables: Any) -> tuple[str, str]:
        body = await self.gql(who, query, language, **variables)
        assert body.get("errors"), body
        error = body["errors"][0]
        return error["extensions"]["code"], error["message"]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    service = bootstrap(CONFIG, tmp_path, adapters={"fake": NoCases()},
                        webhooks=WebhookSettings(allow_local=True,
                                                 verification_timeout_s=2.0))
    key = load_or_create_ed25519(tmp_path / "issuer.pem")
    app = create_app(service, TokenVerifier(key.public_key()), GatewaySettings())
    async with webhook_receiver() as receiver, httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        yield World(client, DevIssuer(key), service, receiver)
    await service.close()


async def test_register_verify_rotate_delete(world: World) -> None:
    """The whole flow for a representative: the secret is shown at registration and at
    rotation only; verification makes it ACTIVE; both secrets sign after rotation."""
    registered = (await world.ok("lee", REGISTER, url=world.receiver.url))["registerWebhook"]
    assert registered["state"] == "UNVERIFIED"
    assert registered["secret"].startswith("whsec_")
    hook_id = registered["id"]
    world.receiver.secrets.append(registered["secret"])

    listed = (await world.ok("lee", LIST))["viewer"]["webhooks"]
    assert [(w["id"], w["state"], w["secret"]) for w in listed] == [
        (hook_id, "UNVERIFIED", None)]

    verified = (await world.ok("lee", VERIFY, id=hook_id))["verifyWebhook"]
    assert verified["state"] == "ACTIVE" and verified["verifiedAt"] and not verified["problem"]
    assert world.receiver.received[-1].type == "webhook.verification"

    rotated = (await world.ok("lee", ROTATE, id=hook_id))["rotateWebhookSecret"]
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != registered["secret"]
    world.receiver.secrets[:] = [rotated["secret"]]
    again = (await world.ok("lee", VERIFY, id=hook_id))["verifyWebhook"]
    assert again["state"] == "ACTIVE"
    assert len(world.receiver.received[-1].signatures) == 2  # old and new both sign

    listed = (await world.ok("lee", LIST))["viewer"]["webhooks"]
    log = listed[0]["deliveries"]
    assert [(d["type"], d["status"], d["error"]) for d in log] == [
        ("webhook.verification", 200, ""), ("webhook.verification", 200, "")]
    assert listed[0]["secret"] is None

    assert (await world.ok("lee", DELETE, id=hook_id))["deleteWebhook"] == hook_id
    assert (await world.ok("lee", LIST))["viewer"]["webhooks"] == []


async def test_a_failed_verification_says_why(world: World) -> None:
    """A receiver answering 500 leaves the endpoint UNVERIFIED with the reason in words."""
    world.receiver.status = 500
    registered = (await world.ok("ana", REGISTER, url=world.receiver.url))["registerWebhook"]
    world.receiver.secrets.append(registered["secret"])
    verified = (await world.ok("ana", VERIFY, id=registered["id"]))["verifyWebhook"]
    assert verified["state"] == "UNVERIFIED"
    assert verified["problem"] == ("it answered HTTP 500 to the verification; expected a 2xx "
                                   "answer with the challenge")


async def test_a_private_address_is_refused_in_english_and_spanish(world: World) -> None:
    """The refusal names the host, the address and its class, in the reader's language."""
    url = "https://10.1.2.3/hook"
    assert await world.error("lee", REGISTER, url=url) == (
        "LOCAL_ADDRESS", "10.1.2.3 is a private network address; a webhook URL must reach "
                         "a public address on the internet")
    code, text = await world.error("lee", REGISTER, "es", url=url)
    assert code == "LOCAL_ADDRESS"
    assert text == ("10.1.2.3 es una dirección de red privada; la URL de un webhook debe "
                    "llegar a una dirección pública de internet")


async def test_an_over_long_url_is_refused_before_anything(world: World) -> None:
    """A URL past the limit is refused by the input limits, naming the argument."""
    code, _ = await world.error("lee", REGISTER, url="https://example.com/" + "a" * 2100)
    assert code == "INPUT_TOO_LONG"


async def test_another_accounts_webhook_is_not_found(world: World) -> None:
    """Ana cannot verify, rotate or delete Lee's endpoint: it reads as missing."""
    hook_id = (await world.ok("lee", REGISTER, url=world.receiver.url))["registerWebhook"]["id"]
    for mutation in (VERIFY, ROTATE, DELETE):
        assert (await world.error("ana", mutation, id=hook_id))[0] == "NOT_FOUND"
    assert (await world.ok("ana", LIST))["viewer"]["webhooks"] == []
    assert world.receiver.received == []


async def test_auditors_have_no_webhooks(world: World) -> None:
    """Auditors read the ledger; registering a webhook is refused as FORBIDDEN."""
    assert (await world.error("aud", REGISTER, url=world.receiver.url))[0] == "FORBIDDEN"


async def test_the_log_page_size_is_bounded(world: World) -> None:
    """deliveries(first:) outside 1..100 is refused saying the range."""
    await world.ok("lee", REGISTER, url=world.receiver.url)
    code, text = await world.error(
        "lee", "{ viewer { webhooks { deliveries(first: 1000) { at } } } }")
    assert (code, text) == ("BAD_USER_INPUT", "first: from 1 to 100")
