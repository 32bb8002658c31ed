"""Webhooks against a real receiver on loopback: the verification handshake, signed
deliveries whose id is the notification id, and how answers are classified."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest

from aggregator.notify.model import (
    ChannelKind,
    Delivery,
    DeliveryError,
    DeliveryState,
    Notification,
    Released,
)
from aggregator.notify.ports import Channel
from aggregator.notify.preferences import SqlPreferences
from aggregator.notify.ways_out import turn_on
from aggregator.notify.webhooks import (
    EndpointState,
    Verification,
    WebhookError,
    Webhooks,
    WebhookSettings,
    WebhookStore,
)
from aggregator.notify.webhooks.http import PER_HOST
from aggregator.notify.webhooks.urls import IpAddress
from aggregator.store import make_engine
from deploy.demo.local_ca import LocalCA
from support.sealing import MemorySealer
from support.webhook_receiver import WebhookReceiver, webhook_receiver

pytestmark = pytest.mark.integration

ACCOUNT = "rep-lee"
AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@dataclass
class World:
    webhooks: Webhooks
    receiver: WebhookReceiver


def _webhooks(tmp_path: Path, **settings: object) -> Webhooks:
    store = WebhookStore(make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}"), MemorySealer())
    return Webhooks(store, WebhookSettings(allow_local=True, **settings))  # type: ignore[arg-type]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    webhooks = _webhooks(tmp_path, verification_timeout_s=1.0, timeout_s=2.0)
    async with webhook_receiver() as receiver:
        try:
            yield World(webhooks, receiver)
        finally:
            await webhooks.aclose()


def _released(notification_id: str = "f" * 32, recipient: str = ACCOUNT) -> Released:
    notification = Notification(
        id=notification_id, recipient_id=recipient, subject_id="ana", agency_id="immigration",
        case_number="IOE0912345678", event_id="ev-7", occurred_at=AT, created_at=AT,
        category="ACTIVE", milestone="EVIDENCE_REQUESTED", action_required=True,
        titles={"en": "Request for Evidence Was Sent"})
    return Released(notification, "en", "U.S. Citizenship and Immigration Services",
                    "Request for Evidence Was Sent", "IOE0912345678", "IOE0912345678")


def _delivery(target: str, notification_id: str = "f" * 32) -> Delivery:
    return Delivery(id="d1", notification_id=notification_id, channel=ChannelKind.WEBHOOK,
                    target=target, state=DeliveryState.PENDING, attempts=0,
                    next_attempt_at=AT, created_at=AT)


async def _active(world: World) -> str:
    registered = await world.webhooks.register(ACCOUNT, world.receiver.url)
    world.receiver.secrets.append(registered.secret)
    outcome = await world.webhooks.verify(ACCOUNT, registered.endpoint.id)
    assert outcome.ok, outcome.endpoint.problem
    return registered.endpoint.id


async def test_echoed_challenge_makes_the_endpoint_active(world: World) -> None:
    """A signed webhook.verification event; the JSON echo makes the endpoint ACTIVE."""
    registered = await world.webhooks.register(ACCOUNT, world.receiver.url)
    assert registered.endpoint.state == EndpointState.UNVERIFIED
    assert world.webhooks.channel.targets(ACCOUNT) == []
    world.receiver.secrets.append(registered.secret)
    outcome = await world.webhooks.verify(ACCOUNT, registered.endpoint.id)
    assert outcome.ok
    assert outcome.endpoint.verified_at is not None and outcome.endpoint.problem is None
    assert [r.type for r in world.receiver.received] == ["webhook.verification"]
    assert world.webhooks.channel.targets(ACCOUNT) == [registered.endpoint.id]


async def test_plain_echo_is_accepted_too(world: World) -> None:
    """The challenge alone as the body also verifies."""
    world.receiver.echo = "plain"
    await _active(world)


@pytest.mark.parametrize(("setup", "code"), [
    ({"echo": "wrong"}, "WRONG_ECHO"),
    ({"status": 500}, "STATUS"),
    ({"status": 404}, "STATUS"),
    ({"delay_s": 2.0}, "NO_ANSWER"),
])
async def test_failed_handshake_stays_unverified_with_a_reason(
        world: World, setup: dict[str, object], code: str) -> None:
    """Wrong echo, non-2xx or no answer in time: UNVERIFIED, not a target, reason kept."""
    for name, value in setup.items():
        setattr(world.receiver, name, value)
    registered = await world.webhooks.register(ACCOUNT, world.receiver.url)
    world.receiver.secrets.append(registered.secret)
    outcome = await world.webhooks.verify(ACCOUNT, registered.endpoint.id)
    assert not outcome.ok
    assert outcome.endpoint.state == EndpointState.UNVERIFIED
    assert outcome.endpoint.problem is not None and outcome.endpoint.problem.code == code
    assert world.webhooks.channel.targets(ACCOUNT) == []
    log = world.webhooks.attempts(registered.endpoint.id, 5)
    assert [a.event_type for a in log] == ["webhook.verification"]


async def test_wrong_echo_reason_says_what_is_expected(world: World) -> None:
    """The stored reason tells the receiver's author what body to send."""
    world.receiver.echo = "wrong"
    registered = await world.webhooks.register(ACCOUNT, world.receiver.url)
    world.receiver.secrets.append(registered.secret)
    outcome = await world.webhooks.verify(ACCOUNT, registered.endpoint.id)
    assert outcome.endpoint.problem is not None
    assert outcome.endpoint.problem.message == (
        'the endpoint answered 2xx but did not echo the challenge; expected the body '
        '{"challenge": "<the challenge>"} or the challenge alone')


async def test_delivery_is_signed_and_carries_the_notification_id(world: World) -> None:
    """deliver() POSTs case.status_changed; the receiver verifies it; id = notification."""
    endpoint_id = await _active(world)
    channel: Channel = world.webhooks.channel
    await channel.deliver(_released(), _delivery(endpoint_id))
    delivered = world.receiver.received[-1]
    assert delivered.id == "f" * 32
    assert delivered.type == "case.status_changed"
    assert delivered.body["data"]["notificationId"] == "f" * 32
    assert delivered.body["data"]["title"] == "Request for Evidence Was Sent"
    assert world.receiver.bad_signatures == 0
    log = world.webhooks.attempts(endpoint_id, 1)[0]
    assert (log.message_id, log.status, log.error) == ("f" * 32, 204, "")


async def test_a_repeated_delivery_keeps_its_id(world: World) -> None:
    """Two attempts of one notification reach the receiver with the same webhook-id."""
    endpoint_id = await _active(world)
    for _ in range(2):
        await world.webhooks.channel.deliver(_released(), _delivery(endpoint_id))
    assert world.receiver.ids[-2:] == ["f" * 32, "f" * 32]


async def test_500_is_transient_and_logged(world: World) -> None:
    """A 500 raises a transient DeliveryError; the endpoint stays ACTIVE; logged."""
    endpoint_id = await _active(world)
    world.receiver.status = 500
    with pytest.raises(DeliveryError) as failed:
        await world.webhooks.channel.deliver(_released(), _delivery(endpoint_id))
    assert not failed.value.permanent
    assert world.webhooks.channel.targets(ACCOUNT) == [endpoint_id]
    log = world.webhooks.attempts(endpoint_id, 1)[0]
    assert (log.status, log.error) == (500, "HTTP 500")


async def test_410_is_permanent_and_disables_the_endpoint(world: World) -> None:
    """410 Gone: a permanent DeliveryError, the endpoint DISABLED and no longer a target."""
    endpoint_id = await _active(world)
    world.receiver.status = 410
    with pytest.raises(DeliveryError) as failed:
        await world.webhooks.channel.deliver(_released(), _delivery(endpoint_id))
    assert failed.value.permanent
    endpoint = world.webhooks.store.get(endpoint_id)
    assert endpoint is not None and endpoint.state == EndpointState.DISABLED
    assert endpoint.problem is not None and endpoint.problem.code == "GONE"
    assert world.webhooks.channel.targets(ACCOUNT) == []
    # and a delivery still queued for it is refused without calling
    calls = len(world.receiver.received)
    with pytest.raises(DeliveryError) as again:
        await world.webhooks.channel.deliver(_released("e" * 32), _delivery(endpoint_id))
    assert again.value.permanent and len(world.receiver.received) == calls


@pytest.mark.parametrize(("status", "permanent"), [(400, True), (401, True), (403, True),
                                                   (408, False), (429, False), (503, False),
                                                   (302, True)])
async def test_answers_are_classified(world: World, status: int, permanent: bool) -> None:
    """Other 4xx and redirects are permanent; 408, 429 and 5xx transient."""
    endpoint_id = await _active(world)
    world.receiver.status = status
    with pytest.raises(DeliveryError) as failed:
        await world.webhooks.channel.deliver(_released(), _delivery(endpoint_id))
    assert failed.value.permanent is permanent


async def test_a_dead_receiver_is_transient(tmp_path: Path) -> None:
    """A refused connection is a transient DeliveryError, logged without a status."""
    webhooks = _webhooks(tmp_path)
    try:
        async with webhook_receiver() as receiver:
            url = receiver.url
            registered = await webhooks.register(ACCOUNT, url)
            receiver.secrets.append(registered.secret)
            assert (await webhooks.verify(ACCOUNT, registered.endpoint.id)).ok
        with pytest.raises(DeliveryError) as failed:  # the receiver is gone now
            await webhooks.channel.deliver(_released(), _delivery(registered.endpoint.id))
        assert not failed.value.permanent
        assert webhooks.attempts(registered.endpoint.id, 1)[0].status is None
    finally:
        await webhooks.aclose()


async def test_rotation_signs_with_both_secrets(world: World) -> None:
    """After rotation a receiver holding only the old secret, or only the new, verifies."""
    endpoint_id = await _active(world)
    old = world.receiver.secrets[0]
    rotated = await world.webhooks.rotate_secret(ACCOUNT, endpoint_id)
    assert rotated.secret != old
    world.receiver.secrets[:] = [old]
    await world.webhooks.channel.deliver(_released("1" * 32), _delivery(endpoint_id))
    world.receiver.secrets[:] = [rotated.secret]
    await world.webhooks.channel.deliver(_released("2" * 32), _delivery(endpoint_id))
    assert world.receiver.ids[-2:] == ["1" * 32, "2" * 32]
    assert len(world.receiver.received[-1].signatures) == 2


async def test_delivery_connects_to_the_vetted_address_with_the_name_as_host(
        tmp_path: Path) -> None:
    """A name only our resolver knows reaches the receiver: the connection went to the
    vetted IP, and the receiver saw the name in the Host header."""
    async def resolver(host: str, port: int) -> list[IpAddress]:
        assert host == "hooks.caseline.test"
        return [ipaddress.ip_address("127.0.0.1")]

    store = WebhookStore(make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}"), MemorySealer())
    webhooks = Webhooks(store, WebhookSettings(allow_local=True), resolver=resolver)
    try:
        async with webhook_receiver() as receiver:
            port = receiver.url.split(":")[2].split("/")[0]
            registered = await webhooks.register(
                ACCOUNT, f"http://hooks.caseline.test:{port}/hooks/caseline")
            receiver.secrets.append(registered.secret)
            assert (await webhooks.verify(ACCOUNT, registered.endpoint.id)).ok
            assert receiver.received[-1].host == f"hooks.caseline.test:{port}"
    finally:
        await webhooks.aclose()


async def test_a_name_that_rebinds_to_loopback_is_refused_at_delivery(tmp_path: Path) -> None:
    """Public at registration, 127.0.0.1 at delivery: refused for good, nothing sent."""
    answers = [[ipaddress.ip_address("93.184.215.14")], [ipaddress.ip_address("127.0.0.1")]]

    async def rebinding(host: str, port: int) -> list[IpAddress]:
        return answers.pop(0)

    store = WebhookStore(make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}"), MemorySealer())
    webhooks = Webhooks(store, WebhookSettings(), resolver=rebinding)
    try:
        registered = await webhooks.register(ACCOUNT, "https://hooks.example.com/caseline")
        store.set_state(registered.endpoint.id, EndpointState.ACTIVE, verified_at=AT)
        with pytest.raises(DeliveryError) as failed:
            await webhooks.channel.deliver(_released(), _delivery(registered.endpoint.id))
        assert failed.value.permanent
        assert "resolves to 127.0.0.1, which is a loopback address" in failed.value.message
        assert webhooks.attempts(registered.endpoint.id, 1)[0].error.startswith("refused:")
    finally:
        await webhooks.aclose()


async def test_production_refuses_the_receiver_url(tmp_path: Path) -> None:
    """Without allow_local, http://127.0.0.1 cannot even be registered."""
    store = WebhookStore(make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}"), MemorySealer())
    webhooks = Webhooks(store, WebhookSettings())
    try:
        with pytest.raises(WebhookError) as refused:
            await webhooks.register(ACCOUNT, "http://127.0.0.1:9/hook")
        assert refused.value.code == "NOT_HTTPS"
        with pytest.raises(WebhookError) as refused:
            await webhooks.register(ACCOUNT, "https://127.0.0.1:9/hook")
        assert refused.value.code == "LOCAL_ADDRESS"
    finally:
        await webhooks.aclose()


async def test_endpoints_are_per_account(world: World) -> None:
    """Another account can neither verify, rotate nor delete an endpoint; it reads as
    missing; the limit per account holds."""
    endpoint_id = await _active(world)
    for act in (world.webhooks.verify, world.webhooks.rotate_secret, world.webhooks.delete):
        with pytest.raises(WebhookError) as refused:
            await act("someone-else", endpoint_id)
        assert refused.value.code == "NOT_FOUND"
    await world.webhooks.delete(ACCOUNT, endpoint_id)
    assert world.webhooks.endpoints(ACCOUNT) == []


async def test_too_many_endpoints(tmp_path: Path) -> None:
    """An account registers at most max_endpoints."""
    webhooks = _webhooks(tmp_path, max_endpoints=2)
    try:
        for _ in range(2):
            await webhooks.register(ACCOUNT, "http://127.0.0.1:9/hook")
        with pytest.raises(WebhookError) as refused:
            await webhooks.register(ACCOUNT, "http://127.0.0.1:9/hook")
        assert str(refused.value) == ("you have 2 webhooks, the most an account may have; "
                                      "delete one first")
    finally:
        await webhooks.aclose()


def _tls_context(ca: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca))


async def _over_tls(tmp_path: Path, certificate_names: list[str]) -> Verification:
    """Verify an https endpoint named hooks.caseline.test (resolved by our resolver to
    127.0.0.1) whose certificate names ``certificate_names``."""
    async def resolver(host: str, port: int) -> list[IpAddress]:
        return [ipaddress.ip_address("127.0.0.1")]

    files = LocalCA(tmp_path / "ca").issue("hooks", certificate_names[0], server=True,
                                          hosts=certificate_names)
    store = WebhookStore(make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}"), MemorySealer())
    webhooks = Webhooks(store, WebhookSettings(allow_local=True, verification_timeout_s=5.0),
                        resolver=resolver, tls=_tls_context(files.ca))
    async with webhook_receiver(tls=files, host_name="hooks.caseline.test") as receiver:
        # Closed before the receiver stops: uvicorn waits for open TLS connections.
        try:
            registered = await webhooks.register(ACCOUNT, receiver.url)
            receiver.secrets.append(registered.secret)
            return await webhooks.verify(ACCOUNT, registered.endpoint.id)
        finally:
            await webhooks.aclose()


async def test_https_to_the_vetted_address_checks_the_certificate_for_the_name(
        tmp_path: Path) -> None:
    """Connected to 127.0.0.1 by address, TLS still names hooks.caseline.test (SNI) and
    its certificate verifies for that name."""
    outcome = await _over_tls(tmp_path, ["hooks.caseline.test"])
    assert outcome.ok, outcome.endpoint.problem


async def test_a_certificate_for_another_name_is_refused(tmp_path: Path) -> None:
    """A certificate valid for the IP but not for the URL's name fails the handshake."""
    outcome = await _over_tls(tmp_path, ["other.caseline.test", "127.0.0.1"])
    assert not outcome.ok
    assert outcome.endpoint.problem is not None
    assert outcome.endpoint.problem.code == "NO_ANSWER"
    assert "CERTIFICATE_VERIFY_FAILED" in outcome.endpoint.problem.message


async def test_a_name_that_does_not_resolve_is_refused_at_registration(tmp_path: Path) -> None:
    """UNRESOLVED names the host, so a typo is easy to see."""
    async def nowhere(host: str, port: int) -> list[IpAddress]:
        raise OSError("Name or service not known")

    store = WebhookStore(make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}"), MemorySealer())
    webhooks = Webhooks(store, WebhookSettings(), resolver=nowhere)
    try:
        with pytest.raises(WebhookError) as refused:
            await webhooks.register(ACCOUNT, "https://hoks.example.com/caseline")
    finally:
        await webhooks.aclose()
    assert refused.value.code == "UNRESOLVED"
    assert refused.value.params == {"host": "hoks.example.com"}
    assert webhooks.endpoints(ACCOUNT) == []


async def test_a_verified_endpoint_turns_webhooks_on_and_a_failed_one_does_not(
        tmp_path: Path) -> None:
    """Webhooks are off until registered: passing verification adds the channel to the
    account's preferences; a failed handshake leaves them as they were."""
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    preferences = SqlPreferences(engine)
    webhooks = Webhooks(WebhookStore(engine, MemorySealer()),
                        WebhookSettings(allow_local=True, verification_timeout_s=1.0),
                        on_verified=partial(turn_on, preferences, ChannelKind.WEBHOOK))
    try:
        async with webhook_receiver() as receiver:
            receiver.echo = "wrong"
            registered = await webhooks.register(ACCOUNT, receiver.url)
            receiver.secrets.append(registered.secret)
            assert not (await webhooks.verify(ACCOUNT, registered.endpoint.id)).ok
            assert preferences.preferences(ACCOUNT).channels == {ChannelKind.IN_APP}
            receiver.echo = "json"
            assert (await webhooks.verify(ACCOUNT, registered.endpoint.id)).ok
            assert preferences.preferences(ACCOUNT).channels == {
                ChannelKind.IN_APP, ChannelKind.WEBHOOK}
    finally:
        await webhooks.aclose()


async def test_many_deliveries_at_once_each_get_their_outcome(world: World) -> None:
    """deliver_many: every delivery to a live endpoint arrives once with its id, one to a
    missing endpoint fails for good alone, and every attempt is in the log."""
    endpoint_id = await _active(world)
    ids = [f"{i:032x}" for i in range(1, 21)]
    items = [(_released(i), _delivery(endpoint_id, i)) for i in ids]
    items.insert(5, (_released("e" * 32), _delivery("no-such-endpoint", "e" * 32)))
    outcomes = await world.webhooks.channel.deliver_many(items)
    failed = [i for i, error in enumerate(outcomes) if error is not None]
    assert failed == [5]
    assert outcomes[5] is not None and outcomes[5].permanent
    assert sorted(world.receiver.ids[-20:]) == ids
    assert {a.message_id for a in world.webhooks.attempts(endpoint_id, 50)} >= set(ids)


async def test_one_host_gets_a_few_requests_at_a_time_over_reused_connections(
        world: World) -> None:
    """Forty slow deliveries to one receiver: never more than PER_HOST in flight there,
    and no more connections than that (answers are read whole, so connections return to
    the pool)."""
    endpoint_id = await _active(world)
    world.receiver.delay_s = 0.05
    world.receiver.peers.clear()
    items = [(_released(f"{i:032x}"), _delivery(endpoint_id, f"{i:032x}"))
             for i in range(1, 41)]
    assert all(o is None for o in await world.webhooks.channel.deliver_many(items))
    assert 1 < world.receiver.most_in_flight <= PER_HOST
    assert len(world.receiver.peers) <= PER_HOST
