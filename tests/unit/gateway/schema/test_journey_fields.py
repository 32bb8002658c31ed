"""viewer.journeys through GraphQL: the acceptance operation as written, over agencies that
answer raj's cases with their related cases; the deadlines the rules find; own cases only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from aggregator.bootstrap import bootstrap
from aggregator.config import parse_config
from aggregator.model import Case, Event, LookupOutcome, Status, SubjectCases, Text
from aggregator.processing.model import (
    Deadline,
    DeadlineKind,
    DeadlineParty,
    DeadlineState,
    RelatedCase,
)
from aggregator.vault.key_files import load_or_create_ed25519
from aggregator.vault.opening import Release
from gateway.app import GatewaySettings, create_app
from gateway.auth import DevIssuer, TokenVerifier
from gateway.schema import journey_fields
from support.demo_process import ACCEPTANCE

JOURNEYS = (ACCEPTANCE / "journeys.graphql").read_text()
T0 = datetime(2025, 1, 6, 14, tzinfo=UTC)
PW, PERM = "P-100-23263-318274", "G-100-24218-604417"
I140, I485, I765 = "IOE0990000011", "IOE0990000012", "IOE0990000013"
CONFIG = parse_config({"agencies": [
    {"id": "immigration", "name": "USCIS", "name_es": "USCIS", "address": "unused:1",
     "numbers": "^IOE", "number_format": "IOE and 10 digits"},
    {"id": "labor", "name": "DOL", "name_es": "DOL", "address": "unused:2",
     "numbers": "^[A-Z]-", "number_format": "DOL case number"}]})


def _status(category: str) -> Status:
    return Status(category, "DECISION_MADE", False, "CODE", "",
                  {"en": Text("t", "d", "n")})


def _case(agency: str, number: str, case_type: str, category: str, day: int,
          *related: RelatedCase) -> Case:
    at = T0 + timedelta(days=day)
    return Case(agency, number, case_type, case_type, _status(category), at, at,
                related_cases=related)


CASES = {
    "labor": [
        _case("labor", PW, "PW", "APPROVED", 0, RelatedCase("labor", PERM, "BASIS_FOR")),
        _case("labor", PERM, "PERM", "APPROVED", 200, RelatedCase("labor", PW, "BASED_ON"),
              RelatedCase("immigration", I140, "BASIS_FOR"))],
    "immigration": [
        _case("immigration", I485, "I-485", "ACTIVE", 400,
              RelatedCase("immigration", I140, "BASED_ON"),
              RelatedCase("immigration", I765, "FILED_WITH")),
        _case("immigration", I765, "I-765", "PENDING", 400,
              RelatedCase("immigration", I485, "FILED_WITH")),
        _case("immigration", I140, "I-140", "APPROVED", 300,
              RelatedCase("labor", PERM, "BASED_ON"))],
}


class Agency:
    """One agency's in-memory cases for raj, related cases sent only when DETAILS is
    released (as an adapter's sealed fields open)."""

    def __init__(self, agency_id: str, cases: Sequence[Case] | None = None) -> None:
        self.agency_id = agency_id
        self.cases = CASES[agency_id] if cases is None else list(cases)
        self.releases: list[Release] = []

    async def lookup(self, numbers: Sequence[str], timeout: float) -> list[LookupOutcome]:
        raise AssertionError("journeys never look cases up publicly")

    async def subject_cases(self, consent_token: str, timeout: float,
                            release: Release) -> SubjectCases:
        self.releases.append(release)
        cases = self.cases
        if "DETAILS" not in release.scopes:
            cases = [Case(c.agency_id, c.number, c.case_type, c.case_type_name, c.status,
                          c.opened_at, c.updated_at) for c in cases]
        return SubjectCases(tuple(cases), tuple(
            Event(c.agency_id, c.number, "e1", 0, c.opened_at, c.status) for c in cases))

    async def verify_ownership(self, number: str, access_code: str,
                               timeout: float) -> Case | None:
        return None

    async def close(self) -> None:
        return None


class World:
    def __init__(self, client: httpx.AsyncClient, issuer: DevIssuer,
                 agencies: dict[str, Agency]) -> None:
        self.client = client
        self.agencies = agencies
        self.tokens = {"raj": issuer.issue("raj", "applicant", "Raj"),
                       "mei": issuer.issue("mei", "applicant", "Mei"),
                       "lee": issuer.issue("lee", "representative", "Lee")}

    async def journeys(self, who: str, query: str = JOURNEYS,
                       **variables: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {self.tokens[who]}"})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with _world(tmp_path, CASES) as serving:
        yield serving


@asynccontextmanager
async def _world(tmp_path: Path, linked: dict[str, list[Case]]) -> AsyncIterator[World]:
    """The gateway over agencies holding ``linked`` (raj's cases, by agency)."""
    agencies = {a: Agency(a, linked.get(a, [])) for a in CASES}
    service = bootstrap(CONFIG, tmp_path, adapters=agencies)
    for agency, cases in linked.items():
        for case in cases:
            service.store.add_link("raj", agency, case.number)
    service.store.ensure_account("mei", "applicant")
    service.store.ensure_account("lee", "representative")
    key = load_or_create_ed25519(tmp_path / "issuer.pem")
    app = create_app(service, TokenVerifier(key.public_key()), GatewaySettings())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://gw") as client:
        yield World(client, DevIssuer(key), agencies)
    await service.close()


async def test_raj_sees_one_journey_across_labor_and_immigration(world: World) -> None:
    """The acceptance operation as written: PW -> PERM -> I-140 -> I-485 (the I-765 filed
    with it after it), each with its agency and category, the I-485 current."""
    body = await world.journeys("raj")
    assert "errors" not in body, body
    (journey,) = body["data"]["viewer"]["journeys"]
    assert journey["title"] == "Employment-based green card"
    assert [(s["agency"]["id"], s["caseNumber"], s["caseType"], s["category"], s["current"])
            for s in journey["steps"]] == [
        ("labor", PW, "PW", "APPROVED", False), ("labor", PERM, "PERM", "APPROVED", False),
        ("immigration", I140, "I-140", "APPROVED", False),
        ("immigration", I485, "I-485", "ACTIVE", True),
        ("immigration", I765, "I-765", "PENDING", False)]
    assert journey["deadlines"] == []  # no deadline rules wired in
    # The person's own read releases every scope, DETAILS (the related cases) among them.
    assert all("DETAILS" in r.scopes for a in world.agencies.values() for r in a.releases)
    spanish = (await world.journeys("raj", language="ES"))["data"]["viewer"]["journeys"]
    assert spanish[0]["title"] == "Residencia permanente por empleo"


async def test_the_deadlines_the_rules_find_show_on_the_journey(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The deadlines the rules find (stood in for here), e.g. the PERM's validity (due before
    the I-140 at immigration), show on the journey, in the language asked for, with their
    state."""
    seen: list[Any] = []

    def rules(cases: Sequence[Case], events: Sequence[Event], related: Any,
              today: date, *, zones: Any = None) -> tuple[Deadline, ...]:
        seen.append((len(cases), related[("labor", PERM)], today, zones))
        return (Deadline(DeadlineKind.PERM_VALIDITY, date(2025, 12, 30), DeadlineState.MET,
                         DeadlineParty.APPLICANT, "20 CFR 656.30(b)(1)",
                         {"en": "File the I-140 within 180 days.",
                          "es": "Presente el I-140 en 180 días."}, "labor", PERM),)

    monkeypatch.setattr(journey_fields, "deadlines_for", rules)
    body = await world.journeys("raj", language="ES")
    assert "errors" not in body, body
    (journey,) = body["data"]["viewer"]["journeys"]
    assert journey["deadlines"] == [{"kind": "PERM_VALIDITY", "due": "2025-12-30",
                                     "basis": "Presente el I-140 en 180 días.",
                                     "state": "MET"}]
    ((count, related, today, zones),) = seen
    assert count == 5 and RelatedCase("immigration", I140, "BASIS_FOR") in related
    assert today == datetime.now(UTC).date()
    # Each agency's clock counts in its own calendar (the registry's zone; Eastern here).
    assert zones["labor"] == zones["immigration"] == "America/New_York"


async def test_journeys_are_the_viewers_own_cases_only(world: World) -> None:
    """Another applicant sees none of raj's; a representative is not offered the field (a
    client's journeys are not part of any consent)."""
    body = await world.journeys("mei")
    assert body["data"]["viewer"]["journeys"] == []
    refused = await world.journeys("lee")
    assert refused.get("errors") and not (refused.get("data") or {}).get("viewer")


NEXT_STEPS = """query Next($language: Language = EN) { viewer { journeys(language: $language) {
  steps { caseType state }
  nextSteps { agency { id } filing state afterCaseNumber due description
              deadline { kind state due } } } } }"""


async def test_a_certified_perm_without_an_i140_shows_it_as_the_next_step_not_filed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the PW and the certified PERM are filed: the I-140 comes next, NOT_FILED, due the
    day the PERM validity running on the PERM ends, described in the language asked for; the
    filed steps say FILED."""
    validity = Deadline(DeadlineKind.PERM_VALIDITY, date(2026, 12, 28), DeadlineState.RUNNING,
                        DeadlineParty.APPLICANT, "20 CFR 656.30(b)(1)",
                        {"en": "Valid until then.", "es": "Vale hasta entonces."}, "labor", PERM)
    monkeypatch.setattr(journey_fields, "deadlines_for", lambda *args, **kwargs: (validity,))
    async with _world(tmp_path, {"labor": CASES["labor"]}) as world:
        english = await world.journeys("raj", NEXT_STEPS)
        spanish = await world.journeys("raj", NEXT_STEPS, language="ES")
    assert "errors" not in english, english
    (journey,) = english["data"]["viewer"]["journeys"]
    assert journey["steps"] == [{"caseType": "PW", "state": "FILED"},
                                {"caseType": "PERM", "state": "FILED"}]
    (step,) = journey["nextSteps"]
    assert {k: v for k, v in step.items() if k != "description"} == {
        "agency": {"id": "immigration"}, "filing": "I-140", "state": "NOT_FILED",
        "afterCaseNumber": PERM, "due": "2026-12-28",
        "deadline": {"kind": "PERM_VALIDITY", "state": "RUNNING", "due": "2026-12-28"}}
    assert "I-140" in step["description"] and "December 28, 2026" in step["description"]
    (spanish_step,) = spanish["data"]["viewer"]["journeys"][0]["nextSteps"]
    assert "28 de diciembre de 2026" in spanish_step["description"]


async def test_when_every_step_is_filed_there_is_no_next_step(world: World) -> None:
    body = await world.journeys("raj", NEXT_STEPS)
    assert body["data"]["viewer"]["journeys"][0]["nextSteps"] == []
