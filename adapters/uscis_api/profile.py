"""Who the bridge is (the immigration agency, its table) and the API environments it can use."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.immigration.profile import PROFILE as IMMIGRATION

__all__ = ["ENVIRONMENTS", "NOT_OFFERED", "PRODUCTION", "PROFILE", "SANDBOX", "Environment"]

# The bridge serves the immigration agency in place of the reference adapter: same id, case
# types, receipt-number format and mapping table (adapters/immigration/mapping.toml).
PROFILE = IMMIGRATION

# The API has no access codes, no subject lists and no change feed of its own.
NOT_OFFERED = ("VerifyOwnership", "ListSubjectCases", "BatchListSubjectCases",
               "GetProcessingStatistics")


@dataclass(frozen=True, slots=True)
class Environment:
    """One of the API's environments: where it is and what it allows a client app."""

    name: str
    base_url: str
    requests_per_second: float
    daily_quota: int  # calls per UTC day (USCIS resets quotas at midnight GMT)


# Hosts and limits as documented on developer.uscis.gov ("Case Status API - Sandbox" /
# "- Production") and confirmed by public clients (a client live-tested against the sandbox
# in 2026: 5 requests/s and 1,000 a day there; 10 requests/s and 150,000 a day in
# production). The sandbox only knows staging receipt numbers and answers 503 outside
# business hours.
SANDBOX = Environment("sandbox", "https://api-int.uscis.gov", 5.0, 1_000)
PRODUCTION = Environment("production", "https://api.uscis.gov", 10.0, 150_000)
ENVIRONMENTS = {e.name: e for e in (SANDBOX, PRODUCTION)}
