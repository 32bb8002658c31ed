"""The channel's choices that need no SMTP server: which page a grantee is sent to, and
refusing a target that is not the recipient's."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from aggregator.notify.alert_texts import alert_title
from aggregator.notify.email.setup import seed_persona_email
from aggregator.notify.model import (
    AlertDetails,
    ChannelKind,
    DeliveryError,
    NotificationKind,
    Preferences,
    Released,
)
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


def _alert() -> Released:
    """ana's 7-day PERM deadline, released in Spanish."""
    base = released("ana", language="es", number="P-100")
    note = replace(base.notification, agency_id="labor", category="", milestone="",
                   event_id="alert:x", kind=NotificationKind.DEADLINE_7,
                   alert=AlertDetails(date(2026, 12, 9), "PERM_VALIDITY", "20 CFR 656.30(b)(1)"))
    title = alert_title(note, "es", "DOL")
    return replace(base, notification=note, agency_name="DOL", title=title,
                   due_date=date(2026, 12, 9))


async def test_an_alert_e_mail_says_only_that_something_needs_attention(
        tmp_path: Path) -> None:
    """By default: no case number, no date, no deadline; a link to the page."""
    async with email_world(tmp_path) as world:
        target = seed_persona_email(world.parts.addresses, "ana", "ana@example.org")
        mail, _ = world.parts.channel.compose(_alert(), delivery(target.address_id))
    texts = [str(mail["Subject"]), body(mail, "plain"), body(mail, "html")]
    assert str(mail["Subject"]) == "Un caso necesita su atención: DOL"
    assert "necesita su atención" in texts[1] and "http://127.0.0.1:8000/me" in texts[1]
    for text in texts:
        assert "P-100" not in text and "I-140" not in text and "2026" not in text


async def test_an_alert_e_mail_with_details_opted_in_names_case_and_deadline(
        tmp_path: Path) -> None:
    async with email_world(tmp_path) as world:
        world.preferences.set_preferences("ana", Preferences(email_details=True))
        target = seed_persona_email(world.parts.addresses, "ana", "ana@example.org")
        mail, _ = world.parts.channel.compose(_alert(), delivery(target.address_id))
    assert str(mail["Subject"]).startswith("Faltan 7 días: presentar el formulario I-140")
    plain = body(mail, "plain")
    assert "Caso P-100 (agencia: DOL):" in plain
    assert "20 CFR 656.30(b)(1)" in plain and "9 de diciembre de 2026" in plain
