"""Query.processingTimes through the gateway: rows per office then agency-wide, withheld
figures null, the target in the language asked for, and clear errors in that language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from aggregator.processing.statistics import MAX_CASE_TYPE
from gateway.ratelimit import RatePolicy
from support.processing_gateway import World, processing_world
from support.processing_stats import WITHHELD, figures, statistics

QUERY = """query($agency: ID!, $caseType: String!, $office: String, $language: Language = EN) {
  processingTimes(agency: $agency, caseType: $caseType, office: $office, language: $language) {
    agency { id } caseType office periodStart periodEnd completed suppressed medianDays
    p80Days targetDays targetUnit withinTargetShare targetBasis targetSource decileDays
    minCellSize months { month completed } pending { milestone count }
  }
}"""


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with processing_world(tmp_path) as running:
        yield running


def _rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    assert "errors" not in body, body
    rows: list[dict[str, Any]] = body["data"]["processingTimes"]
    return rows


async def test_one_row_per_office_then_the_agency_wide_row(world: World) -> None:
    world.immigration.answer = statistics({"NBC": figures(40, 100, 150, 0.25),
                                           "VSC": WITHHELD, None: figures(500, 60, 90)})
    rows = _rows(await world.gql(QUERY, agency="immigration", caseType="I-765"))
    assert [r["office"] for r in rows] == ["NBC", "VSC", None]
    nbc, vsc, agency = rows
    assert nbc == nbc | {"agency": {"id": "immigration"}, "caseType": "I-765",
                         "completed": 40, "medianDays": 100, "p80Days": 150,
                         "withinTargetShare": 0.25, "suppressed": False, "targetDays": 180,
                         "targetUnit": "CALENDAR_DAYS", "targetBasis": "A goal.",
                         "targetSource": "8 U.S.C. 1571(b)", "minCellSize": 10}
    # The default period: the six complete months before the clock's November 2026.
    assert (nbc["periodStart"], nbc["periodEnd"]) == ("2026-05-01", "2026-10-31")
    assert vsc["suppressed"] and [vsc[f] for f in ("completed", "medianDays", "p80Days",
                                                   "withinTargetShare")] == [None] * 4
    assert vsc["decileDays"] == [] and nbc["decileDays"][0] == 10
    assert agency["completed"] == 500


async def test_the_target_basis_follows_the_language(world: World) -> None:
    rows = _rows(await world.gql(QUERY, agency="immigration", caseType="I-765",
                                 language="ES"))
    assert {r["targetBasis"] for r in rows} == {"Una meta."}


async def test_one_office_is_asked_for_its_row(world: World) -> None:
    await world.gql(QUERY, agency="immigration", caseType="I-765", office="NBC")
    assert world.immigration.calls[-1][1] == "NBC"


async def test_an_unknown_agency_is_a_clear_error_in_the_language(world: World) -> None:
    body = await world.gql(QUERY, agency="mars", caseType="I-765", language="ES")
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "UNKNOWN_AGENCY"
    assert error["message"] == ("no hay ninguna agencia mars; se esperaba una de estas: "
                                "immigration, labor")


async def test_an_unknown_case_type_names_it(world: World) -> None:
    body = await world.gql(QUERY, agency="labor", caseType="I-765")
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "UNKNOWN_CASE_TYPE"
    assert error["message"].startswith("DOL has no case type I-765")
    breaker = world.service.federation.breakers["labor"]
    assert breaker.consecutive_failures == 0


async def test_an_agency_down_says_so_in_plain_words(world: World) -> None:
    world.labor.fail = "UNAVAILABLE"
    body = await world.gql(QUERY, agency="labor", caseType="PERM")
    (error,) = body["errors"]
    assert error["extensions"] == error["extensions"] | {"code": "AGENCY_UNAVAILABLE",
                                                         "cause": "UNAVAILABLE"}
    assert "DOL cannot be reached right now" in error["message"]


async def test_an_adapter_without_the_rpc_says_it_publishes_none_yet(world: World) -> None:
    world.labor.fail = "UNIMPLEMENTED"
    body = await world.gql(QUERY, agency="labor", caseType="PERM", language="ES")
    (error,) = body["errors"]
    assert error["message"] == ("Departamento de Trabajo todavía no publica sus tiempos de "
                                "trámite a través de Caseline (UNIMPLEMENTED)")


async def test_an_over_long_case_type_is_refused_before_any_call(world: World) -> None:
    body = await world.gql(QUERY, agency="immigration", caseType="X" * (MAX_CASE_TYPE + 1))
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "INPUT_TOO_LONG"
    assert world.immigration.calls == []


async def test_a_period_after_this_month_is_refused_naming_it(world: World) -> None:
    body = await world.gql("{ processingTimes(agency: \"immigration\", caseType: \"I-765\", "
                           "lastMonth: \"2027-01-01\") { office } }")
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == "lastMonth 2027-01 is after the current month 2026-11"


async def test_it_spends_public_lookups_like_case_status(tmp_path: Path) -> None:
    async with processing_world(tmp_path, RatePolicy(burst=2, per_second=0.001)) as world:
        for _ in range(2):
            _rows(await world.gql(QUERY, agency="immigration", caseType="I-765"))
        body = await world.gql(QUERY, agency="immigration", caseType="I-765")
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert error["extensions"]["retryAfter"] >= 1
        assert len(world.immigration.calls) == 1  # the first answer was cached anyway
