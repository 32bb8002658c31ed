"""Which agency answers a case number (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from aggregator.config import AgencyConfig

__all__ = ["route", "unroutable_message"]


def route(number: str, agencies: Sequence[AgencyConfig]) -> str | None:
    """The first agency whose number pattern matches, or None."""
    for agency in agencies:
        if agency.numbers.search(number):
            return agency.id
    return None


def unroutable_message(number: str, agencies: Sequence[AgencyConfig]) -> str:
    """Error text for a number no agency claims, naming every accepted format."""
    formats = "; ".join(a.number_format for a in agencies)
    shown = number if len(number) <= 40 else number[:40] + "…"
    return f"{shown!r} is not a case number Caseline can look up; expected {formats}"
