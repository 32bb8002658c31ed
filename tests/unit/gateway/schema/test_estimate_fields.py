"""CaseStatus.estimate on viewer.cases: dates from the figures, deadlines from the rules,
one statistics request per agency and case type however many cases, nothing asked when the
field is not selected, and null on public lookups."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from support.processing_gateway import (
    DECIDED_NUMBER,
    LABOR_NUMBER,
    OPEN_NUMBER,
    World,
    processing_world,
)

ESTIMATES = """query($language: Language = EN) {
  viewer { cases(language: $language) {
    number agency { id } caseType
    estimate { typicalBy mostBy inquiryFrom outsideNormal basis ageDays office
               deadlines { kind due basis state } }
  } }
}"""


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with processing_world(tmp_path) as running:
        yield running


async def _cases(world: World, query: str = ESTIMATES, **variables: Any
                 ) -> dict[str, dict[str, Any]]:
    body = await world.gql(query, "ana", **variables)
    assert "errors" not in body, body
    return {c["number"]: c for c in body["data"]["viewer"]["cases"]}


async def test_an_open_case_gets_dates_from_its_offices_figures(world: World) -> None:
    cases = await _cases(world)
    estimate = cases[OPEN_NUMBER]["estimate"]
    # Received 2026-03-02; NBC's median 100 days, 80th percentile 150.
    assert estimate == estimate | {"typicalBy": "2026-06-10", "mostBy": "2026-07-30",
                                   "inquiryFrom": "2026-07-30", "outsideNormal": True,
                                   "office": "NBC", "deadlines": []}
    assert "decided at NBC" in estimate["basis"]


async def test_a_decided_case_without_deadlines_has_none(world: World) -> None:
    assert (await _cases(world))[DECIDED_NUMBER]["estimate"] is None


async def test_an_agency_without_figures_still_shows_its_deadlines(world: World) -> None:
    world.labor.fail = "UNAVAILABLE"
    estimate = (await _cases(world, language="ES"))[LABOR_NUMBER]["estimate"]
    assert (estimate["typicalBy"], estimate["mostBy"], estimate["inquiryFrom"]) == (
        None, None, None)
    assert not estimate["outsideNormal"]
    assert estimate["basis"].startswith("No se pudieron leer")
    assert estimate["deadlines"] == [{"kind": "PERM_VALIDITY", "due": "2027-01-01",
                                      "basis": "Presente el I-140 a tiempo.",
                                      "state": "RUNNING"}]


async def test_statistics_are_asked_once_per_agency_and_case_type(world: World) -> None:
    await _cases(world)
    await _cases(world)
    # The decided I-130 needs none; the cache answers the second request.
    assert [c[0] for c in world.immigration.calls] == ["I-765"]
    assert [c[0] for c in world.labor.calls] == ["PERM"]


async def test_nothing_is_asked_when_the_estimate_is_not_selected(world: World) -> None:
    cases = await _cases(world, "{ viewer { cases { number } } }")
    assert set(cases) == {OPEN_NUMBER, DECIDED_NUMBER, LABOR_NUMBER}
    assert world.immigration.calls == [] and world.labor.calls == []


async def test_a_fragment_selecting_the_estimate_gets_it(world: World) -> None:
    cases = await _cases(world, "query { viewer { cases { number ...E } } } "
                                "fragment E on CaseStatus { estimate { mostBy } }")
    assert cases[OPEN_NUMBER]["estimate"] == {"mostBy": "2026-07-30"}


async def test_a_public_lookup_has_no_estimate(world: World) -> None:
    body = await world.gql('{ caseStatus(number: "IOE0990000001") { ... on CaseStatus { '
                           "number estimate { mostBy } } } }")
    assert body["data"]["caseStatus"] == {"number": OPEN_NUMBER, "estimate": None}
    assert world.immigration.calls == []
