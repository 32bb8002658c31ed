"""The e-mail pages: verification and unsubscribe links (a GET shows a button, the POST acts,
RFC 8058's one-click POST works without a session), and sending the verification again."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette
from starlette.routing import Mount

from aggregator.consent.vocabulary import Role
from deploy.demo.oidc_codes import CodeStore
from deploy.demo.oidc_provider import MOUNT, DemoClient, DemoProvider
from gateway.app import GatewaySettings, create_app
from gateway.auth import SignedIn, TokenVerifier
from gateway.web import signin
from gateway.web.app import WebSettings
from gateway.web.signin import OidcSettings
from support.applicant_pages import CONFIG, CSRF, SECRET
from support.email_world import EmailWorld, body, email_world
from support.fakes import fake_service
from support.pages import SESSION_COOKIE, session_cookie

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@dataclass
class Site:
    """The pages with e-mail, and the sink's mail."""

    client: httpx.AsyncClient
    world: EmailWorld

    def sign_in(self, subject: str = "ana") -> None:
        self.client.cookies.set(SESSION_COOKIE, session_cookie(
            SECRET, SignedIn(subject, Role.APPLICANT, subject.title()), csrf=CSRF))


@asynccontextmanager
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    async with email_world(tmp_path) as world:
        service = fake_service(CONFIG, {})
        app = create_app(service, TokenVerifier(Ed25519PrivateKey.generate().public_key()),
                         GatewaySettings(web=WebSettings(session_secret=SECRET,
                                                         email=world.parts.accounts)))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://127.0.0.1") as client:
            yield Site(client, world)
        await service.close()


def _token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


async def _verification_link(s: Site) -> str:
    """ana's address claimed, its verification e-mail sent to the sink: the link in it."""
    s.world.parts.addresses.claim("ana", "ana@example.org")
    assert await s.world.parts.accounts.send_verification("ana", "en")
    [mail] = s.world.received()
    return next(line for line in body(mail, "plain").splitlines()
                if "/me/email/verify?token=" in line)


async def test_following_the_verification_link_asks_first_then_verifies_once(
        tmp_path: Path) -> None:
    """GET shows a confirm button (in the language chosen) and changes nothing; the POST
    verifies; a second POST says the link was used."""
    async with site(tmp_path) as s:
        link = await _verification_link(s)
        shown = await s.client.get(urlsplit(link).path,
                                   params={"token": _token(link), "lang": "es"})
        assert shown.status_code == 200
        assert "Confirmar mi dirección" in shown.text
        assert s.world.parts.channel.targets("ana") == []
        done = await s.client.post("/me/email/verify", data={"token": _token(link)})
        assert done.status_code == 200
        assert "dirección de correo electrónico está confirmada" in done.text
        assert len(s.world.parts.channel.targets("ana")) == 1
        again = await s.client.post("/me/email/verify", data={"token": _token(link)})
    assert again.status_code == 400 and "Este enlace ya se usó" in again.text


async def test_a_forged_verification_link_is_refused(tmp_path: Path) -> None:
    """A token not signed by Caseline verifies nothing."""
    async with site(tmp_path) as s:
        await _verification_link(s)
        answer = await s.client.post("/me/email/verify", data={"token": "forged.token.x"})
        assert answer.status_code == 400 and "This link is not valid" in answer.text
        assert s.world.parts.channel.targets("ana") == []


async def test_one_click_unsubscribe_works_without_a_session(tmp_path: Path) -> None:
    """RFC 8058: a mail provider POSTs ``List-Unsubscribe=One-Click`` to the header's URL,
    with no cookie; the address is no target afterwards."""
    async with site(tmp_path) as s:
        address_id = s.world.parts.addresses.seed_verified("ana", "ana@example.org").address_id
        token = s.world.parts.links.unsubscribe_token(address_id)
        shown = await s.client.get("/me/email/unsubscribe", params={"token": token})
        assert shown.status_code == 200 and "Stop e-mails" in shown.text
        assert s.world.parts.channel.targets("ana") == [address_id]
        s.client.cookies.clear()
        answer = await s.client.post("/me/email/unsubscribe", params={"token": token},
                                     data={"List-Unsubscribe": "One-Click"})
        assert answer.status_code == 200 and "E-mails stopped" in answer.text
        assert s.world.parts.channel.targets("ana") == []


async def test_the_address_page_sends_the_verification_again_at_most_once_a_minute(
        tmp_path: Path) -> None:
    """Signed in with an unverified address: the button sends a new link (the old one
    stops working); pressed again at once, it asks to wait."""
    async with site(tmp_path) as s:
        s.world.parts.addresses.claim("ana", "ana@example.org")
        s.sign_in()
        page = await s.client.get("/me/email")
        assert "ana@example.org" in page.text and 'data-email-state="unconfirmed"' in page.text
        sent = await s.client.post("/me/email/resend", data={"csrf_token": CSRF})
        assert sent.status_code == 303 and sent.headers["location"] == "/me/email?sent=1"
        assert len(s.world.received()) == 1
        again = await s.client.post("/me/email/resend", data={"csrf_token": CSRF})
        assert again.status_code == 429 and len(s.world.received()) == 1


async def test_sending_the_verification_again_needs_the_forms_csrf_token(
        tmp_path: Path) -> None:
    """Without this session's CSRF token nothing is sent."""
    async with site(tmp_path) as s:
        s.world.parts.addresses.claim("ana", "ana@example.org")
        s.sign_in()
        refused = await s.client.post("/me/email/resend", data={"csrf_token": "other"})
        assert refused.status_code == 403 and s.world.received() == []


async def test_signing_in_with_a_verified_email_claim_sends_the_verification(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sign-in callback hands the ID token's claims over: raj's verified ``email`` is
    recorded, unverified by Caseline yet, and its verification e-mail goes out."""
    issuer = f"http://op.test{MOUNT}"
    provider = DemoProvider(issuer, Ed25519PrivateKey.generate(), [DemoClient(
        "pages", "s3cret", ("http://127.0.0.1/sign-in/callback",), ())],
        CodeStore(tmp_path / "codes.sqlite3"))
    transport = httpx.ASGITransport(app=Starlette(routes=[Mount(MOUNT,
                                                                routes=provider.routes())]))
    made = signin._client

    def through_asgi(settings: OidcSettings) -> Any:
        client = made(settings)
        client.client_kwargs["transport"] = transport
        return client

    monkeypatch.setattr(signin, "_client", through_asgi)
    async with email_world(tmp_path) as world:
        service = fake_service(CONFIG, {})
        app = create_app(service, TokenVerifier(Ed25519PrivateKey.generate().public_key()),
                         GatewaySettings(web=WebSettings(
                             session_secret=SECRET, email=world.parts.accounts,
                             oidc=OidcSettings(issuer=issuer, client_id="pages",
                                               client_secret="s3cret"))))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://127.0.0.1") as pages, \
                httpx.AsyncClient(transport=transport, base_url="http://op.test") as op:
            authorize = (await pages.get("/sign-in")).headers["location"]
            assert "email" in parse_qs(urlsplit(authorize).query)["scope"][0].split()
            chooser = await op.get(authorize)
            fields = {n: html.unescape(v) for n, v in _HIDDEN.findall(chooser.text)}
            chosen = await op.post(f"{MOUNT}/authorize", data={**fields, "persona": "raj"})
            landed = await pages.get(chosen.headers["location"])
            assert landed.status_code == 303
        await service.close()
        state = world.parts.accounts.state("raj")
        [mail] = world.received()
    assert state is not None and state.address == "raj@example.org" and not state.verified
    assert mail["To"] == "raj@example.org"
    assert mail["Subject"] == "Confirm your e-mail address for Caseline"
