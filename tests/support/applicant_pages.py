"""An applicant's pages over fake agencies: ana's immigration case (action required, due
date) and court case (a hearing by video), signed in with a page session cookie, and the
same gateway's GraphQL for comparison."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from unittest.mock import patch

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.bootstrap import bootstrap
from aggregator.config import parse_config
from aggregator.consent.vocabulary import Role
from aggregator.federation.fanout import AgencyCallError
from aggregator.model import Case, Event, Hearing, LookupOutcome, Status, SubjectCases, Text
from aggregator.ports import AdapterPort
from aggregator.processing.model import Journey
from aggregator.service import CaselineService
from aggregator.vault.opening import Release
from gateway.app import GatewaySettings, create_app
from gateway.auth import DevIssuer, SignedIn, TokenVerifier
from gateway.web import me_journeys
from gateway.web.app import WebSettings
from support.fakes import FakeLedger, fake_service
from support.pages import SESSION_COOKIE, session_cookie
from support.processing_fakes import FakeProcessing, install

__all__ = ["ACCESS_CODE", "COURT_NUMBER", "CSRF", "IMMIGRATION_NUMBER", "SECRET", "Agency",
           "Applicant", "applicant_pages"]

SECRET = b"s" * 32
CSRF = "t"
ACCESS_CODE = "7KQ2-M9DX-R4PW"
IMMIGRATION_NUMBER = "IOE0990000001"
COURT_NUMBER = "A201555123"
OTHER_NUMBER = "IOE0990000002"
T0 = datetime(2026, 5, 1, 14, 0, tzinfo=UTC)
T1 = datetime(2026, 5, 3, 9, 30, tzinfo=UTC)
HEARING_AT = datetime(2030, 7, 14, 13, 0, tzinfo=UTC)  # 09:00 in New York

CONFIG = parse_config({"agencies": [
    {"id": "immigration", "name": "Immigration Agency", "name_es": "Agencia de Inmigración",
     "address": "unused:1", "numbers": "^IOE", "number_format": "IOE and 10 digits"},
    {"id": "courts", "name": "Immigration Court", "name_es": "Tribunal de Inmigración",
     "address": "unused:2", "numbers": "^A[0-9]", "number_format": "A and 9 digits"}]})


def _status(category: str, milestone: str, action: bool, code: str, en: str,
            es: str) -> Status:
    return Status(category, milestone, action, code, f"The agency says: {code}.",
                  {"en": Text(en, f"{en} (explained).", f"Next after {en}."),
                   "es": Text(es, f"{es} (explicado).", f"Después de {es}.")})


RECEIVED = _status("PENDING", "RECEIVED", False, "Case Was Received", "Received", "Recibido")
EVIDENCE = _status("ACTIVE", "EVIDENCE_REQUESTED", True, "Request for Evidence Was Sent",
                   "Evidence requested", "Se solicitaron pruebas")
HEARING = _status("ACTIVE", "HEARING_SCHEDULED", False, "Hearing Scheduled",
                  "Hearing scheduled", "Audiencia programada")


@dataclass
class Agency:
    """One agency's fake adapter: ana's case and events; fails when ``failing``."""

    case: Case
    events: tuple[Event, ...]
    failing: bool = False
    verified: list[tuple[str, str]] = field(default_factory=list)

    async def lookup(self, numbers: Sequence[str], timeout: float) -> list[LookupOutcome]:
        return [self.case for _ in numbers]

    async def subject_cases(self, consent_token: str, timeout: float,
                            release: Release) -> SubjectCases:
        if self.failing:
            raise AgencyCallError("DEADLINE_EXCEEDED", "fake agency too slow")
        return SubjectCases((self.case,), self.events)

    async def verify_ownership(self, number: str, access_code: str,
                               timeout: float) -> Case | None:
        self.verified.append((number, access_code))
        if access_code != ACCESS_CODE:
            return None
        return Case(self.case.agency_id, number, self.case.case_type,
                    self.case.case_type_name, RECEIVED, T0, T0)

    async def close(self) -> None:
        return None


def _agencies() -> dict[str, Agency]:
    immigration = Agency(
        Case("immigration", IMMIGRATION_NUMBER, "I-765", "Work permit", RECEIVED, T0, T0),
        (Event("immigration", IMMIGRATION_NUMBER, "i1", 0, T0, RECEIVED),
         Event("immigration", IMMIGRATION_NUMBER, "i2", 1, T1, EVIDENCE,
               due_date=date(2026, 6, 2), office="Vermont Service Center")))
    hearing = Hearing("MASTER", "VIDEO", HEARING_AT, "America/New_York",
                      "New York Immigration Court", "26 Federal Plaza, New York, NY", "Judge Q")
    courts = Agency(
        Case("courts", COURT_NUMBER, "REMOVAL", "Removal proceedings", HEARING, T0, T0),
        (Event("courts", COURT_NUMBER, "c1", 0, T0 + (T1 - T0) / 2, HEARING,
               hearing=hearing),))
    return {"immigration": immigration, "courts": courts}


@dataclass
class Applicant:
    """The gateway with ana's two linked cases; ``page`` as a signed-in person."""

    client: httpx.AsyncClient
    service: CaselineService
    agencies: dict[str, Agency]
    ledger: FakeLedger | None
    issuer: DevIssuer
    processing: FakeProcessing

    def sign_in(self, subject: str = "ana", role: Role = Role.APPLICANT) -> None:
        """Only the session cookie of ``subject`` signed in as ``role`` in the client's jar
        (a language cookie from an earlier answer is dropped)."""
        self.client.cookies.clear()
        self.client.cookies.set(SESSION_COOKIE, session_cookie(
            SECRET, SignedIn(subject, role, subject.title()), csrf=CSRF))

    async def page(self, path: str, *, subject: str = "ana", role: Role = Role.APPLICANT,
                   **kwargs: Any) -> httpx.Response:
        """GET ``path`` signed in."""
        self.sign_in(subject, role)
        return await self.client.get(path, **kwargs)

    async def post(self, path: str, data: dict[str, str], *, subject: str = "ana",
                   **kwargs: Any) -> httpx.Response:
        """POST a form to ``path`` signed in (``data`` carries the CSRF token or not)."""
        self.sign_in(subject)
        return await self.client.post(path, data=data, **kwargs)

    async def graphql(self, query: str, subject: str = "ana", role: str = "applicant",
                      language: str = "en") -> dict[str, Any]:
        """The API's answer to ``query`` for a bearer token of ``subject``, in
        ``language``."""
        token = self.issuer.issue(subject, role, subject.title())
        self.client.cookies.clear()  # the API reads no cookie; none is sent either
        response = await self.client.post("/graphql", json={"query": query}, headers={
            "Authorization": f"Bearer {token}", "Accept-Language": language})
        body: dict[str, Any] = response.json()
        return body


@asynccontextmanager
async def applicant_pages(state: Path | None = None, *, failing: str | None = None,
                          processing: FakeProcessing | None = None,
                          journeys: tuple[Journey, ...] = ()) -> AsyncIterator[Applicant]:
    """Ana's pages: over a fake ledger, or a real one in ``state`` (the access log reads
    it); the agency ``failing`` does not answer. Estimates come from ``processing`` (none by
    default) and ``journeys`` are hers, so /me's pages are tested apart from the rules that
    compute them (tests/unit/aggregator/processing)."""
    agencies = _agencies()
    if failing:
        agencies[failing].failing = True
    adapters: dict[str, AdapterPort] = dict(agencies)  # type: ignore[arg-type]
    ledger = None if state else FakeLedger()
    service = (bootstrap(CONFIG, state, adapters=adapters) if state
               else fake_service(CONFIG, adapters, ledger=ledger))
    service.store.add_link("ana", "immigration", IMMIGRATION_NUMBER)  # type: ignore[attr-defined]
    service.store.add_link("ana", "courts", COURT_NUMBER)  # type: ignore[attr-defined]
    processing = processing or FakeProcessing()
    install(service, processing)
    key = Ed25519PrivateKey.generate()
    app = create_app(service, TokenVerifier(key.public_key()),
                     GatewaySettings(web=WebSettings(session_secret=SECRET)))
    with patch.object(me_journeys, "journeys_of",
                      lambda cases, events, today, zones=None: journeys):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://127.0.0.1") as client:
            yield Applicant(client, service, agencies, ledger, DevIssuer(key), processing)
    await service.close()
