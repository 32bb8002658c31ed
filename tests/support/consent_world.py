"""A gateway over one fake immigration agency and a real ledger (in a temporary directory),
with ana's case linked and page sessions for ana (applicant), lee (representative) and audrey
(auditor): for page tests of what consent releases and what the ledger records."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.bootstrap import bootstrap
from aggregator.config import parse_config
from aggregator.consent.service import ConsentChange, GrantRequest
from aggregator.consent.vocabulary import Role
from aggregator.ledger.storage import EntryFilter
from aggregator.model import Case, Event, LookupOutcome, Status, SubjectCases, Text
from aggregator.service import CaselineService
from aggregator.vault.opening import Release
from caseline.v1.lib.scopes import Scope
from gateway.app import GatewaySettings, create_app
from gateway.auth import SignedIn, TokenVerifier
from gateway.web.app import WebSettings
from support.pages import SESSION_COOKIE, session_cookie

__all__ = ["AGENCY_TEXT", "NUMBER", "OFFICE", "PEOPLE", "ConsentWorld", "audited_world",
           "consent_world"]

T0 = datetime(2026, 5, 1, 14, 0, tzinfo=UTC)
NUMBER = "IOE0990000001"
AGENCY_TEXT = "On May 1 we received your Form I-765 at the Potomac Service Center."
OFFICE = "Potomac Service Center"
STATUS = Status("ACTIVE", "CASE_RECEIVED", True, "Case Was Received", AGENCY_TEXT,
                {"en": Text("Received", "We received your case.", "Wait."),
                 "es": Text("Recibido", "Recibimos su caso.", "Espere.")})
AGENCY = {"id": "immigration", "name": "USCIS", "name_es": "USCIS (es)", "address": "unused:1",
          "numbers": "^IOE", "number_format": "IOE and 10 digits"}
PEOPLE = {"ana": SignedIn("ana", Role.APPLICANT, "Ana"),
          "lee": SignedIn("lee", Role.REPRESENTATIVE, "Lee"),
          "audrey": SignedIn("audrey", Role.AUDITOR, "Audrey")}
_SECRET = b"s" * 32


class Agency:
    """One case of ana's with one event carrying DETAILS (office, due date, agency text)."""

    async def lookup(self, numbers: Sequence[str], timeout: float) -> list[LookupOutcome]:
        return [self._case() for _ in numbers]

    async def subject_cases(self, consent_token: str, timeout: float,
                            release: Release) -> SubjectCases:
        return SubjectCases((self._case(),), (Event(
            "immigration", NUMBER, "e1", 0, T0, STATUS, due_date=date(2026, 6, 1),
            office=OFFICE),))

    async def verify_ownership(self, number: str, access_code: str,
                               timeout: float) -> Case | None:
        return None

    async def close(self) -> None:
        return None

    def _case(self) -> Case:
        return Case("immigration", NUMBER, "I-765", "Work permit", STATUS, T0, T0)


class ConsentWorld:
    """The service and one page client per person (``pages[name]``)."""

    def __init__(self, service: CaselineService, pages: dict[str, httpx.AsyncClient]) -> None:
        self.service = service
        self.pages = pages

    async def grant(self, scopes: Sequence[Scope] = (Scope.STATUS,),
                    shared_name: str | None = "Ana María Pérez") -> ConsentChange:
        """Ana lets lee read ``scopes`` of her immigration cases for thirty days."""
        return await self.service.consents.grant("ana", GrantRequest(
            grantee_id="lee", agencies=["immigration"], scopes=list(scopes),
            purpose="my lawyer", valid_until=datetime.now(UTC) + timedelta(days=30),
            shared_name=shared_name))

    def reads_of_ana_by_lee(self) -> list[str]:
        """The decision (ALLOW or DENY) of each access entry where lee read ana's data."""
        service = self.service
        rows = service.ledger.store.find(EntryFilter(
            kind="access", subject=service.pseudonym("ana"), actor=service.pseudonym("lee"),
            limit=1000))
        return [str(orjson.loads(r.leaf)["decision"]) for r in rows]


@asynccontextmanager
async def consent_world(state: Path, *, number_scope: str = "STATUS"
                        ) -> AsyncIterator[ConsentWorld]:
    """The world over a fresh state directory ``state``; ``number_scope``: the scope that
    shows the agency's case numbers whole (IDENTITY: they identify the person)."""
    config = parse_config({"agencies": [{**AGENCY, "case_number_scope": number_scope}]})
    service = bootstrap(config, state, adapters={"immigration": Agency()})  # type: ignore[dict-item]
    service.store.add_link("ana", "immigration", NUMBER)
    for who in PEOPLE.values():
        service.store.ensure_account(who.subject, who.role)
    app = create_app(service, TokenVerifier(Ed25519PrivateKey.generate().public_key()),
                     GatewaySettings(web=WebSettings(session_secret=_SECRET)))
    transport = httpx.ASGITransport(app=app)
    pages = {name: httpx.AsyncClient(
        transport=transport, base_url="http://127.0.0.1",
        cookies={SESSION_COOKIE: session_cookie(_SECRET, who, csrf="t")})
        for name, who in PEOPLE.items()}
    try:
        yield ConsentWorld(service, pages)
    finally:
        for client in pages.values():
            await client.aclose()
        await service.close()


@asynccontextmanager
async def audited_world(state: Path) -> AsyncIterator[ConsentWorld]:
    """The world with four ledger entries: ana's consent to lee (entry 0), then three reads
    of lee's through the pages (entries 1 to 3)."""
    async with consent_world(state) as world:
        await world.grant()
        for _ in range(3):
            response = await world.pages["lee"].get("/clients/ana")
            assert response.status_code == 200, response.text
        yield world
