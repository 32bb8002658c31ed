"""The channel's choices that need no SMTP server: which page a grantee is sent to, and
refusing a target that is not the recipient's."""

from __future__ import annotations

from pathlib import Path

import pytest

from aggregator.notify.email.setup import seed_persona_email
from aggregator.notify.model import ChannelKind, DeliveryError
from support.email_world import body, delivery, email_world, released


async def test_a_grantee_is_sent_to_their_clients_page(tmp_path: Path) -> None:
    """lee reads ana's case as her representative: his link is /clients, not /me."""
    async with email_world(tmp_path) as world:
        target = seed_persona_email(world.parts.addresses, "lee", "lee@example.org")
        mail, address = world.parts.channel.compose(
            released("lee", language="en", subject="ana"), delivery(target.address_id))
    assert address == "lee@example.org"
    assert "http://127.0.0.1:8000/clients" in body(mail, "plain")
    assert world.parts.channel.kind == ChannelKind.EMAIL


async def test_another_persons_address_is_refused_for_good(tmp_path: Path) -> None:
    """A delivery naming someone else's address is a permanent failure, never sent."""
    async with email_world(tmp_path) as world:
        ana = seed_persona_email(world.parts.addresses, "ana", "ana@example.org")
        with pytest.raises(DeliveryError) as refused:
            world.parts.channel.compose(released("raj", language="en"),
                                        delivery(ana.address_id))
    assert refused.value.permanent
    assert "ana@example.org" not in refused.value.message


async def test_an_address_unsubscribed_after_matching_gets_nothing(tmp_path: Path) -> None:
    """A delivery already in the outbox is not sent once the person unsubscribed."""
    async with email_world(tmp_path) as world:
        ana = seed_persona_email(world.parts.addresses, "ana", "ana@example.org")
        world.parts.addresses.unsubscribe(ana.address_id)
        with pytest.raises(DeliveryError) as refused:
            await world.parts.channel.deliver(released("ana"), delivery(ana.address_id))
        assert world.received() == []
    assert refused.value.permanent and "unsubscribed" in refused.value.message
