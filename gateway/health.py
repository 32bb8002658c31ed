"""What /healthz and /readyz say, decided from plain observations (no I/O here).

An agency's status comes from its circuit breaker and its recent calls:

* ``up``: breaker ``closed`` and its last call (if any) succeeded. The gateway does not probe
  agencies by itself, so an agency nobody has asked about yet counts as up.
* ``degraded``: breaker ``closed`` but its last calls failed (fewer times in a row than it
  takes to open the breaker): it answers now and then.
* ``down``: breaker ``open`` (calls are not sent), or ``half_open`` (the wait is over and the
  next call will be a trial, but nothing has succeeded since it opened: it is down until a
  call gets through, which closes the breaker).

A component (the store, the ledger) is usable or not; when it is not, a short reason says why.

Overall: ``down`` when the store or the ledger is unusable, or every agency is down;
``degraded`` when some agency is not up; ``ok`` otherwise. Readiness (whether a load balancer
should send requests here) depends on the store and the ledger only: an agency that is down is
reported per lookup, and taking the whole gateway out would hide the agencies that still work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = ["AgencyHealth", "AgencyObservation", "HealthReport", "agency_health",
           "health_report", "not_ready_reasons"]

BreakerState = Literal["closed", "open", "half_open"]
AgencyStatus = Literal["up", "degraded", "down"]
Overall = Literal["ok", "degraded", "down"]

_BREAKER_STATES: Mapping[str, BreakerState] = {
    "CLOSED": "closed", "OPEN": "open", "HALF_OPEN": "half_open"}


@dataclass(frozen=True, slots=True)
class AgencyObservation:
    """What the gateway knows of one agency: its breaker's state (as the breaker names it:
    CLOSED, OPEN or HALF_OPEN) and its failures since the last success."""

    breaker: str
    consecutive_failures: int


@dataclass(frozen=True, slots=True)
class AgencyHealth:
    """One agency's status and its breaker's state, in the words /healthz uses."""

    status: AgencyStatus
    breaker: BreakerState
    consecutive_failures: int


@dataclass(frozen=True, slots=True)
class HealthReport:
    """The whole picture: overall status, each agency, each component's problem (None when
    usable)."""

    status: Overall
    agencies: Mapping[str, AgencyHealth]
    components: Mapping[str, str | None]

    def as_json(self) -> dict[str, object]:
        """The /healthz body (without the worker number, which the endpoint adds)."""
        return {
            "status": self.status,
            "agencies": {agency: {"status": h.status, "breaker": h.breaker,
                                  "consecutiveFailures": h.consecutive_failures}
                         for agency, h in self.agencies.items()},
            **{name: ({"status": "up"} if problem is None
                      else {"status": "down", "reason": problem})
               for name, problem in self.components.items()},
        }


def agency_health(observed: AgencyObservation) -> AgencyHealth:
    """An agency's status from its breaker and recent calls (rules in the module docstring)."""
    try:
        breaker = _BREAKER_STATES[observed.breaker]
    except KeyError:
        raise ValueError(f"unknown breaker state {observed.breaker!r}; expected one of "
                         f"{', '.join(_BREAKER_STATES)}") from None
    status: AgencyStatus
    if breaker != "closed":
        status = "down"
    elif observed.consecutive_failures > 0:
        status = "degraded"
    else:
        status = "up"
    return AgencyHealth(status, breaker, observed.consecutive_failures)


def health_report(agencies: Mapping[str, AgencyObservation],
                  components: Mapping[str, str | None]) -> HealthReport:
    """The overall report from each agency's observation and each component's problem."""
    health = {agency: agency_health(observed) for agency, observed in agencies.items()}
    statuses = [h.status for h in health.values()]
    overall: Overall
    if not_ready_reasons(components) or (statuses and all(s == "down" for s in statuses)):
        overall = "down"
    elif any(s != "up" for s in statuses):
        overall = "degraded"
    else:
        overall = "ok"
    return HealthReport(overall, health, components)


def not_ready_reasons(components: Mapping[str, str | None]) -> dict[str, str]:
    """Why the gateway should not take requests (empty when it should): the unusable
    components and their reasons. Agencies never appear here."""
    return {name: problem for name, problem in components.items() if problem is not None}
