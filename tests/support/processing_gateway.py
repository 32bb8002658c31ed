"""A gateway over fake agencies that answer processing statistics: ana's cases at two
agencies, the gateway reached in-process (httpx over ASGI)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

from aggregator.config import parse_config
from aggregator.model import Case, Event, LookupOutcome, Status, SubjectCases, Text
from aggregator.processing.model import (
    Deadline,
    DeadlineKind,
    DeadlineParty,
    DeadlineState,
)
from aggregator.service import CaselineService
from aggregator.vault.key_files import load_or_create_ed25519
from aggregator.vault.opening import Release
from gateway.app import GatewaySettings, create_app
from gateway.auth import DevIssuer, TokenVerifier
from gateway.ratelimit import RatePolicy
from support.fakes import FixedClock, fake_service
from support.processing_stats import StatisticsAgency, figures, statistics

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
RECEIPT = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
CONFIG = parse_config({"agencies": [
    {"id": "immigration", "name": "USCIS", "name_es": "USCIS", "address": "unused:1",
     "numbers": "^IOE", "number_format": "IOE and 10 digits"},
    {"id": "labor", "name": "DOL", "name_es": "Departamento de Trabajo", "address": "unused:2",
     "numbers": "^G-", "number_format": "G-100-NNNNN-NNNNNN"}]})
PENDING = Status("ACTIVE", "UNDER_REVIEW", False, "Case Is Being Actively Reviewed", "",
                 {"en": Text("Under review", "We are reviewing it.", "Wait.")})
APPROVED = Status("APPROVED", "DECISION_MADE", False, "Case Was Approved", "",
                  {"en": Text("Approved", "Approved.", "")})
OPEN_NUMBER = "IOE0990000001"
DECIDED_NUMBER = "IOE0990000002"
LABOR_NUMBER = "G-100-24218-604417"


class CasesAgency(StatisticsAgency):
    """Statistics plus a subject's cases."""

    def __init__(self, agency_id: str, cases: Sequence[Case], **kwargs: Any) -> None:
        super().__init__(agency_id, **kwargs)
        self.cases = tuple(cases)

    async def lookup(self, numbers: Sequence[str], timeout: float) -> list[LookupOutcome]:
        return [self.cases[0] for _ in numbers]

    async def subject_cases(self, consent_token: str, timeout: float,
                            release: Release) -> SubjectCases:
        events = tuple(Event(c.agency_id, c.number, "e1", 0, c.updated_at, c.status)
                       for c in self.cases)
        return SubjectCases(self.cases, events)


def case(agency: str, number: str, case_type: str, status: Status, office: str) -> Case:
    """A case received at RECEIPT."""
    return Case(agency, number, case_type, case_type, status, RECEIPT, RECEIPT, office=office)


def perm_deadline(cases: Sequence[Case], events: Sequence[Event],
                  today: date) -> tuple[Deadline, ...]:
    """One deadline on ana's labor case, whatever the cases (the rules are not ours)."""
    return (Deadline(DeadlineKind.PERM_VALIDITY, date(2027, 1, 1), DeadlineState.RUNNING,
                     DeadlineParty.APPLICANT, "20 CFR 656.30(b)(1)",
                     {"en": "File the I-140 in time.", "es": "Presente el I-140 a tiempo."},
                     "labor", LABOR_NUMBER),)


class World:
    """The gateway with ana (applicant) and lee (representative)."""

    def __init__(self, client: httpx.AsyncClient, issuer: DevIssuer,
                 service: CaselineService, immigration: CasesAgency,
                 labor: CasesAgency) -> None:
        self.client = client
        self.service = service
        self.immigration = immigration
        self.labor = labor
        self.tokens = {"ana": issuer.issue("ana", "applicant", "Ana"),
                       "lee": issuer.issue("lee", "representative", "Lee")}

    async def gql(self, query: str, who: str | None = None, **variables: Any
                  ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        response = await self.client.post("/graphql", json={"query": query,
                                                            "variables": variables},
                                          headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@asynccontextmanager
async def processing_world(tmp_path: Path, rate: RatePolicy | None = None
                           ) -> AsyncIterator[World]:
    """The world; immigration's I-765 figures are NBC's own (median 100, p80 150)."""
    immigration = CasesAgency(
        "immigration", [case("immigration", OPEN_NUMBER, "I-765", PENDING, "NBC"),
                        case("immigration", DECIDED_NUMBER, "I-130", APPROVED, "NBC")],
        answer=statistics({"NBC": figures(40, 100, 150), None: figures(500, 60, 90)}))
    labor = CasesAgency("labor", [case("labor", LABOR_NUMBER, "PERM", PENDING, "")],
                        known_types=("PERM",))
    service = fake_service(CONFIG, {"immigration": immigration, "labor": labor},
                           clock=FixedClock(NOW))
    service.deadlines = perm_deadline
    for agency, number in [("immigration", OPEN_NUMBER), ("immigration", DECIDED_NUMBER),
                           ("labor", LABOR_NUMBER)]:
        service.store.add_link("ana", agency, number)
    key = load_or_create_ed25519(tmp_path / "issuer.pem")
    settings = GatewaySettings(rate=rate) if rate else GatewaySettings()
    app = create_app(service, TokenVerifier(key.public_key()), settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://gw") as client:
        yield World(client, DevIssuer(key), service, immigration, labor)
    await service.close()
