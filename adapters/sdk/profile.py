"""What an agency tells the SDK about itself: ids, names, case types, number formats, table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from adapters.sdk.numbers import NumberFormat

__all__ = ["AgencyProfile"]


def _no_program(case_type: str) -> str | None:
    return None


@dataclass(frozen=True)
class AgencyProfile:
    """Static description of one agency adapter.

    ``normalize_number`` returns the canonical form of a case number or raises
    :class:`~adapters.sdk.numbers.InvalidNumberError`. ``program_of`` turns a case type into the
    mapping-table qualifier (``program``) its statuses are looked up under, or None.
    ``identifier_formats`` are numbers the agency issues to people rather than cases (an
    A-number at USCIS): like ``number_formats``, anything in a text that matches one is masked
    for a reader without IDENTITY.
    """

    agency_id: str
    name: str
    name_es: str
    case_types: Mapping[str, str]
    number_formats: tuple[NumberFormat, ...]
    normalize_number: Callable[[str], str]
    mapping_path: Path
    known_codes_path: Path
    program_of: Callable[[str], str | None] = _no_program
    identifier_formats: tuple[NumberFormat, ...] = ()
