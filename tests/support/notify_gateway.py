"""A gateway whose ``service.notify`` is the in-memory fake hub (support/notify_fakes.py):
ana's cases at immigration and at courts (where a case number is an A-number, shown whole
only with IDENTITY), lee a representative, the API by bearer token and the pages by session
cookie."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette

from aggregator.config import parse_config
from aggregator.consent.service import GrantRequest
from aggregator.consent.vocabulary import Role
from aggregator.model import Case
from aggregator.ports import AdapterPort
from aggregator.service import CaselineService
from caseline.v1.lib.scopes import Scope
from gateway.app import GatewaySettings, create_app
from gateway.auth import DevIssuer, SignedIn, TokenVerifier
from gateway.trusted_manifest import TrustedDocuments
from gateway.web.app import WebSettings
from support.applicant_pages import RECEIVED, T0, Agency
from support.fakes import fake_service
from support.notify_fakes import FakeHub, fake_hub
from support.pages import SESSION_COOKIE, session_cookie

__all__ = ["COURT_NUMBER", "CSRF", "IMMIGRATION_NUMBER", "SECRET", "NotifyWorld",
           "notify_gateway"]

SECRET = b"n" * 32
CSRF = "csrf-n"
IMMIGRATION_NUMBER = "IOE0990000001"
COURT_NUMBER = "A201555123"
CONFIG = parse_config({"agencies": [
    {"id": "immigration", "name": "Immigration Agency", "name_es": "Agencia de Inmigración",
     "address": "unused:1", "numbers": "^IOE", "number_format": "IOE and 10 digits"},
    {"id": "courts", "name": "Immigration Court", "name_es": "Tribunal de Inmigración",
     "address": "unused:2", "numbers": "^A[0-9]", "number_format": "A and 9 digits",
     "case_number_scope": "IDENTITY"}]})
ROLES = {"ana": Role.APPLICANT, "raj": Role.APPLICANT, "lee": Role.REPRESENTATIVE,
         "audrey": Role.AUDITOR}


@dataclass
class NotifyWorld:
    """The gateway over the fake hub (``fake``); None as hub when built not running."""

    app: Starlette
    client: httpx.AsyncClient
    service: CaselineService
    fake: FakeHub
    issuer: DevIssuer

    def token(self, who: str) -> str:
        """A bearer token for persona ``who``."""
        return self.issuer.issue(who, ROLES[who], who.title())

    async def gql(self, who: str | None, query: str, accept: str = "en",
                  **variables: Any) -> dict[str, Any]:
        """The API's whole answer to ``query`` as ``who`` (None: no token)."""
        headers = {"Accept-Language": accept}
        if who is not None:
            headers["Authorization"] = f"Bearer {self.token(who)}"
        self.client.cookies.clear()
        response = await self.client.post("/graphql", json={"query": query,
                                                             "variables": variables},
                                          headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def sign_in(self, who: str) -> None:
        """Only ``who``'s page session cookie in the client's jar."""
        self.client.cookies.clear()
        self.client.cookies.set(SESSION_COOKIE, self.cookie(who))

    def cookie(self, who: str) -> str:
        """A page session cookie of ``who`` (CSRF token ``CSRF``)."""
        return session_cookie(SECRET, SignedIn(who, ROLES[who], who.title()), csrf=CSRF)

    async def page(self, path: str, who: str = "ana", **kwargs: Any) -> httpx.Response:
        """GET ``path`` signed in as ``who``."""
        self.sign_in(who)
        return await self.client.get(path, **kwargs)

    async def post(self, path: str, data: dict[str, Any], who: str = "ana",
                   **kwargs: Any) -> httpx.Response:
        """POST a form to ``path`` signed in as ``who``."""
        self.sign_in(who)
        return await self.client.post(path, data=data, **kwargs)

    async def grant_lee(self, *scopes: Scope, agencies: tuple[str, ...] = ("courts",)
                        ) -> str:
        """Ana grants lee ``scopes`` at ``agencies``; the consent id."""
        self.service.signed_in("lee", Role.REPRESENTATIVE)
        change = await self.service.consents.grant("ana", GrantRequest(
            grantee_id="lee", agencies=list(agencies), scopes=list(scopes),
            purpose="my lawyer", valid_until=datetime.now(UTC) + timedelta(days=30)))
        return change.record.id


def _adapters() -> dict[str, AdapterPort]:
    immigration = Agency(Case("immigration", IMMIGRATION_NUMBER, "I-765", "Work permit",
                              RECEIVED, T0, T0), ())
    courts = Agency(Case("courts", COURT_NUMBER, "REMOVAL", "Removal proceedings", RECEIVED,
                         T0, T0), ())
    return {"immigration": immigration, "courts": courts}  # type: ignore[dict-item]


def build_app(*, running: bool = True, trusted: TrustedDocuments | None = None
              ) -> tuple[NotifyWorld, Starlette]:
    """The world without a client (for a real server); ``running``: a hub is set;
    ``trusted``: the only documents /graphql runs."""
    service = fake_service(CONFIG, _adapters())
    service.store.add_link("ana", "immigration", IMMIGRATION_NUMBER)  # type: ignore[attr-defined]
    service.store.add_link("ana", "courts", COURT_NUMBER)  # type: ignore[attr-defined]
    fake = fake_hub()
    # bootstrap sets a real hub; this world swaps in the fake, or none at all.
    service.notify = fake.hub if running else None
    key = Ed25519PrivateKey.generate()
    app = create_app(service, TokenVerifier(key.public_key()),
                     GatewaySettings(web=WebSettings(session_secret=SECRET),
                                     trusted_documents=trusted))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                               base_url="http://127.0.0.1")
    return NotifyWorld(app, client, service, fake, DevIssuer(key)), app


@asynccontextmanager
async def notify_gateway(*, running: bool = True) -> AsyncIterator[NotifyWorld]:
    """The gateway over the fake hub, closed afterwards."""
    world, _ = build_app(running=running)
    async with world.client:
        yield world
    await world.service.close()
