"""The reference agencies by id: each one's adapter profile and its demo-data generator."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Protocol

from adapters.courts import profile as courts_profile
from adapters.courts import synthetic as courts_synthetic
from adapters.immigration import profile as immigration_profile
from adapters.immigration import synthetic as immigration_synthetic
from adapters.labor import profile as labor_profile
from adapters.labor import synthetic as labor_synthetic
from adapters.sdk.profile import AgencyProfile
from adapters.sdk.records import CaseRecord

__all__ = ["CATALOG", "REFERENCE_AGENCIES", "ReferenceAgency", "SyntheticCases", "profile",
           "synthetic"]


class SyntheticCases(Protocol):
    """What each reference agency's ``synthetic`` module provides."""

    def generate_case(self, rng: random.Random, serial: int, today: date) -> CaseRecord:
        """One realistic generated case."""
        ...

    def persona_cases(self, today: date) -> dict[str, list[CaseRecord]]:
        """The demo personas' cases at this agency."""
        ...


@dataclass(frozen=True, slots=True)
class ReferenceAgency:
    """One reference agency: what its adapter serves by, and what fills its demo store."""

    profile: AgencyProfile
    synthetic: SyntheticCases


CATALOG: Mapping[str, ReferenceAgency] = MappingProxyType({
    "immigration": ReferenceAgency(immigration_profile.PROFILE, immigration_synthetic),
    "labor": ReferenceAgency(labor_profile.PROFILE, labor_synthetic),
    "courts": ReferenceAgency(courts_profile.PROFILE, courts_synthetic),
})
# The ids in the order the demo starts and lists them.
REFERENCE_AGENCIES: tuple[str, ...] = tuple(CATALOG)


def _agency(agency_id: str) -> ReferenceAgency:
    try:
        return CATALOG[agency_id]
    except KeyError:
        raise KeyError(f"unknown agency {agency_id!r}; expected one of "
                       f"{', '.join(REFERENCE_AGENCIES)}") from None


def profile(agency_id: str) -> AgencyProfile:
    """The reference agency's adapter profile."""
    return _agency(agency_id).profile


def synthetic(agency_id: str) -> SyntheticCases:
    """The reference agency's demo-data generator."""
    return _agency(agency_id).synthetic
