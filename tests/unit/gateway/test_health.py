"""The health rules (gateway.health) as tables: agency status from breaker and recent calls,
overall status and readiness from agencies and components."""

from __future__ import annotations

import pytest

from gateway.health import (
    AgencyHealth,
    AgencyObservation,
    agency_health,
    health_report,
    not_ready_reasons,
)

UP = AgencyObservation("CLOSED", 0)
FLAKY = AgencyObservation("CLOSED", 2)
OPEN = AgencyObservation("OPEN", 6)
HALF_OPEN = AgencyObservation("HALF_OPEN", 5)
USABLE = {"store": None, "ledger": None}


@pytest.mark.parametrize(("observed", "expected"), [
    (UP, AgencyHealth("up", "closed", 0)),
    (FLAKY, AgencyHealth("degraded", "closed", 2)),
    (AgencyObservation("CLOSED", 4), AgencyHealth("degraded", "closed", 4)),
    (OPEN, AgencyHealth("down", "open", 6)),
    # The wait is over but nothing got through since the breaker opened.
    (HALF_OPEN, AgencyHealth("down", "half_open", 5)),
])
def test_agency_status_from_breaker_and_recent_calls(observed: AgencyObservation,
                                                     expected: AgencyHealth) -> None:
    assert agency_health(observed) == expected


def test_an_unknown_breaker_state_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown breaker state 'AJAR'; expected one of "
                                         "CLOSED, OPEN, HALF_OPEN"):
        agency_health(AgencyObservation("AJAR", 0))


@pytest.mark.parametrize(("agencies", "components", "overall"), [
    ({"a": UP, "b": UP}, USABLE, "ok"),
    ({}, USABLE, "ok"),
    ({"a": UP, "b": FLAKY}, USABLE, "degraded"),
    ({"a": UP, "b": OPEN}, USABLE, "degraded"),
    ({"a": HALF_OPEN, "b": FLAKY}, USABLE, "degraded"),
    ({"a": OPEN, "b": HALF_OPEN}, USABLE, "down"),
    ({"a": UP}, {"store": None, "ledger": "the ledger file is missing"}, "down"),
    ({"a": UP}, {"store": "the store does not answer queries", "ledger": None}, "down"),
])
def test_overall_status(agencies: dict[str, AgencyObservation],
                        components: dict[str, str | None], overall: str) -> None:
    assert health_report(agencies, components).status == overall


def test_every_agency_down_is_overall_down_yet_still_ready() -> None:
    """Agencies never take the gateway out of a load balancer, not even all of them: it
    still answers consent, ledger and audit requests, and says per lookup what failed."""
    report = health_report({"a": OPEN, "b": HALF_OPEN}, USABLE)
    assert report.status == "down"
    assert not_ready_reasons(report.components) == {}


@pytest.mark.parametrize(("components", "reasons"), [
    (USABLE, {}),
    ({"store": None, "ledger": "the ledger file is missing"},
     {"ledger": "the ledger file is missing"}),
    ({"store": "x", "ledger": "y"}, {"store": "x", "ledger": "y"}),
])
def test_readiness_names_each_unusable_component(components: dict[str, str | None],
                                                 reasons: dict[str, str]) -> None:
    assert not_ready_reasons(components) == reasons


def test_report_json_names_statuses_and_breakers_in_plain_words() -> None:
    report = health_report({"courts": OPEN, "labor": UP},
                           {"store": None, "ledger": "the ledger file is missing"})
    assert report.as_json() == {
        "status": "down",
        "agencies": {
            "courts": {"status": "down", "breaker": "open", "consecutiveFailures": 6},
            "labor": {"status": "up", "breaker": "closed", "consecutiveFailures": 0},
        },
        "store": {"status": "up"},
        "ledger": {"status": "down", "reason": "the ledger file is missing"},
    }
