"""The reference adapters by agency id: their profiles and history generators."""

from __future__ import annotations

import importlib
import random
from datetime import date
from types import ModuleType
from typing import Protocol, cast

from adapters.sdk.profile import AgencyProfile
from adapters.sdk.records import CaseRecord

__all__ = ["REFERENCE_AGENCIES", "HistoryModule", "history", "profile"]

REFERENCE_AGENCIES = ("immigration", "labor", "courts")


class HistoryModule(Protocol):
    """What each reference agency's ``history`` module provides."""

    def generate_case(self, rng: random.Random, serial: int, today: date) -> CaseRecord:
        """One realistic generated case."""
        ...

    def persona_cases(self, today: date) -> dict[str, list[CaseRecord]]:
        """The demo personas' cases at this agency."""
        ...


def _module(agency_id: str, name: str) -> ModuleType:
    if agency_id not in REFERENCE_AGENCIES:
        raise KeyError(f"unknown agency {agency_id!r}; expected one of "
                       f"{', '.join(REFERENCE_AGENCIES)}")
    return importlib.import_module(f"adapters.{agency_id}.{name}")


def profile(agency_id: str) -> AgencyProfile:
    """The reference adapter's profile."""
    return cast("AgencyProfile", _module(agency_id, "profile").PROFILE)


def history(agency_id: str) -> HistoryModule:
    """The reference adapter's history generator."""
    return cast("HistoryModule", _module(agency_id, "history"))
