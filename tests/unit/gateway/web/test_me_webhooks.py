"""``/me/webhooks``: register (secret shown once), verify against a real receiver, rotate,
delete after confirming; CSRF; refusals in the reader's language; roles."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from aggregator.consent.vocabulary import Role
from aggregator.notify.webhooks import Webhooks, WebhookSettings, WebhookStore
from aggregator.store import make_engine
from gateway.web import localized
from support.applicant_pages import CSRF, Applicant, applicant_pages
from support.sealing import MemorySealer
from support.shown_dates import moments_in_words
from support.webhook_receiver import WebhookReceiver, webhook_receiver


@dataclass
class World:
    pages: Applicant
    webhooks: Webhooks
    receiver: WebhookReceiver


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    webhooks = Webhooks(WebhookStore(make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}"),
                                     MemorySealer()),
                        WebhookSettings(allow_local=True, verification_timeout_s=2.0))
    async with applicant_pages() as pages, webhook_receiver() as receiver:
        pages.service.webhooks = webhooks
        yield World(pages, webhooks, receiver)


def _secret(html: str) -> str:
    found = re.search(r'<code data-secret-for="[^"]+">(whsec_[^<]+)</code>', html)
    assert found, html
    return found.group(1)


async def _register(world: World) -> str:
    response = await world.pages.post("/me/webhooks", {"csrf_token": CSRF,
                                                       "url": world.receiver.url})
    assert response.status_code == 200, response.text
    world.receiver.secrets.append(_secret(response.text))
    return world.webhooks.endpoints("ana")[0].id


async def test_the_page_has_the_form_and_explains_verification(world: World) -> None:
    """The form has its label, hint and CSRF token; the echo format is documented."""
    response = await world.pages.page("/me/webhooks")
    assert response.status_code == 200
    html = response.text
    assert '<label class="usa-label" for="url">' in html
    assert f'<input type="hidden" name="csrf_token" value="{CSRF}">' in html
    assert "You have no webhooks." in html
    assert "the challenge under &#34;challenge&#34;, or the challenge alone" in html


async def test_register_shows_the_secret_once(world: World) -> None:
    """The secret appears in the answer to registering, and never on the page after."""
    await _register(world)
    secret = world.receiver.secrets[0]
    assert secret.startswith("whsec_")
    later = await world.pages.page("/me/webhooks")
    assert secret not in later.text
    assert world.receiver.url in later.text
    assert "Not verified yet" in later.text


async def test_verify_rotate_and_delete(world: World) -> None:
    """Verify makes it Active; rotate shows a new secret; delete asks, then deletes."""
    hook = await _register(world)
    verified = await world.pages.post(f"/me/webhooks/{hook}/verify", {"csrf_token": CSRF})
    assert "The webhook is verified" in verified.text
    assert 'data-state="ACTIVE"' in verified.text
    rotated = await world.pages.post(f"/me/webhooks/{hook}/rotate", {"csrf_token": CSRF})
    new = _secret(rotated.text)
    assert new != world.receiver.secrets[0]
    ask = await world.pages.post(f"/me/webhooks/{hook}/delete", {"csrf_token": CSRF})
    assert "Delete this webhook?" in ask.text
    assert world.webhooks.endpoints("ana") != []
    done = await world.pages.post(f"/me/webhooks/{hook}/delete",
                                  {"csrf_token": CSRF, "confirm": "yes"})
    assert "The webhook was deleted." in done.text
    assert world.webhooks.endpoints("ana") == []


async def test_a_failed_verification_shows_why_in_spanish(world: World) -> None:
    """A receiver answering 500: the page says so, in Spanish when asked."""
    hook = await _register(world)
    world.receiver.status = 500
    response = await world.pages.post(f"/me/webhooks/{hook}/verify?lang=es",
                                      {"csrf_token": CSRF})
    assert "No se pudo verificar el webhook" in response.text
    assert "respondió HTTP 500 a la verificación" in response.text


async def test_without_the_csrf_token_nothing_is_registered(world: World) -> None:
    """A form without this session's token is refused and changes nothing."""
    response = await world.pages.post("/me/webhooks", {"url": world.receiver.url})
    assert response.status_code == 403
    assert world.webhooks.endpoints("ana") == []


async def test_a_bad_url_is_refused_with_the_reason_at_the_field(world: World) -> None:
    """http to a public host: 400, the error summary links the field, the URL is kept."""
    response = await world.pages.post("/me/webhooks", {"csrf_token": CSRF,
                                                       "url": "ftp://example.com/x"})
    assert response.status_code == 400
    assert '<a class="usa-link" href="#url">a webhook URL must start with https://</a>' \
        in response.text
    assert 'value="ftp://example.com/x"' in response.text


async def test_representatives_may_register_too(world: World) -> None:
    """A representative has the page; an auditor is refused."""
    world.pages.sign_in("lee", Role.REPRESENTATIVE)
    response = await world.pages.client.post("/me/webhooks", data={
        "csrf_token": CSRF, "url": world.receiver.url})
    assert response.status_code == 200
    assert [e.account_id for e in world.webhooks.endpoints("lee")] == ["lee"]
    refused = await world.pages.page("/me/webhooks", subject="aud", role=Role.AUDITOR)
    assert refused.status_code == 403


async def test_another_accounts_webhook_cannot_be_touched(world: World) -> None:
    """Ana cannot delete Lee's endpoint: not found, and it stays."""
    world.pages.sign_in("lee", Role.REPRESENTATIVE)
    await world.pages.client.post("/me/webhooks", data={"csrf_token": CSRF,
                                                        "url": world.receiver.url})
    hook = world.webhooks.endpoints("lee")[0].id
    response = await world.pages.post(f"/me/webhooks/{hook}/delete",
                                      {"csrf_token": CSRF, "confirm": "yes"})
    assert response.status_code == 404
    assert len(world.webhooks.endpoints("lee")) == 1


async def test_times_are_written_in_the_readers_language(world: World) -> None:
    """When it was registered and each attempt of its log: in words, in Spanish when asked
    (not as 2026-12-02 15:24 UTC)."""
    hook = await _register(world)
    await world.pages.post(f"/me/webhooks/{hook}/verify", {"csrf_token": CSRF})
    endpoint = world.webhooks.endpoints("ana")[0]
    assert endpoint.verified_at is not None
    html = (await world.pages.page("/me/webhooks?lang=es")).text
    assert f"Registrado el {localized.moment('es', endpoint.created_at)}" in html
    attempts = re.findall(r'data-label="Cuándo">(<time datetime="[^"]+">[^<]+</time>)<', html)
    assert attempts and all(moments_in_words(a, "es") == 1 for a in attempts), attempts
    assert not re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", html)
