"""What an agency tells the SDK about itself: ids, names, case types, number formats, table."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from adapters.sdk.numbers import InvalidNumberError, NumberFormat
from adapters.sdk.records import EventRecord, PremiumRecord
from adapters.sdk.targets import TargetSpec
from adapters.sdk.texts import check_texts, in_languages

__all__ = ["AgencyProfile"]


def _no_premium(case_type: str, events: Sequence[EventRecord]) -> PremiumRecord | None:
    return None


def _no_program(case_type: str) -> str | None:
    return None


def _no_program_of_number(number: str) -> str | None:
    return None


@dataclass(frozen=True)
class AgencyProfile:
    """Static description of one agency adapter.

    ``normalize_number`` returns the canonical form of a case number or raises
    :class:`~adapters.sdk.numbers.InvalidNumberError`. ``program_of`` turns a case type into the
    mapping-table qualifier (``program``) its statuses are looked up under, or None.
    ``program_of_number`` reads that qualifier from a case number, for a caller that has a
    number but no case type; it raises InvalidNumberError for a malformed number and returns
    None when the agency's numbers do not name a program.
    ``identifier_formats`` are numbers the agency issues to people rather than cases (an
    A-number at USCIS): like ``number_formats``, anything in a text that matches one is masked
    for a reader without IDENTITY.

    ``case_type_names`` are the case types' names in other languages than English, by BCP 47
    tag and then case type (``{"es": {"I-130": "Petición de Familiar Extranjero"}}``); English
    names are ``case_types``. A type without a name in some language is shown in English
    there. Every localized text is checked when the profile is made.
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
    program_of_number: Callable[[str], str | None] = _no_program_of_number
    identifier_formats: tuple[NumberFormat, ...] = ()
    case_type_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Per case type, its processing target (GetProcessingStatistics carries it); a case type
    # without one is reported with no target.
    processing_targets: Mapping[str, TargetSpec] = field(default_factory=dict)
    # The IANA zone of the agency's own calendar (Describe's time_zone): legal deadlines count
    # from an event's calendar date there. The reference agencies are US federal agencies,
    # which keep Eastern time.
    time_zone: str = "America/New_York"
    # A case's premium processing read from its type and history (a premium request event),
    # for a store that does not keep it itself; None: the case has none.
    premium_of: Callable[[str, Sequence[EventRecord]], PremiumRecord | None] = _no_premium

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"time_zone {self.time_zone!r} is not an IANA time zone") from exc
        # Malformed texts stop the adapter at start, not a reader's request mid-way. English
        # has one place each (case_types, description), so the contract's "en" entry always
        # says what its English field says.
        if "en" in self.case_type_names:
            raise ValueError("case_type_names: English names belong in case_types")
        for language, names in self.case_type_names.items():
            for code, name in names.items():
                if code not in self.case_types:
                    raise ValueError(f"case_type_names[{language!r}] names {code!r}, which is "
                                     "not one of case_types")
                check_texts(f"case type {code}", {language: name})
        for code, target in self.processing_targets.items():
            if code not in self.case_types or target.case_type != code:
                raise ValueError(f"processing_targets names {code!r}, which is not one of "
                                 "case_types (or its target names another type)")
            check_texts(f"target of {code}", target.basis)
        for number_format in (*self.number_formats, *self.identifier_formats):
            check_texts(f"number format {number_format.name}", number_format.names)
            check_texts(f"number format {number_format.name}", number_format.descriptions)
            if "en" in number_format.descriptions:
                raise ValueError(f"number format {number_format.name}: the English "
                                 "description belongs in description")

    def program_for(self, case_type: str, number: str) -> str | None:
        """The mapping-table program of a case: from its type, else read from its number."""
        program = self.program_of(case_type)
        if program is not None:
            return program
        try:
            return self.program_of_number(number)
        except InvalidNumberError:
            # A stored number the agency's formats no longer accept still gets its status,
            # looked up without a program.
            return None

    def case_type_in_languages(self, code: str) -> tuple[tuple[str, str], ...]:
        """(language, name) of case type ``code``: English first, then each other language
        the agency names it in; empty for a type the profile does not list."""
        english = self.case_types.get(code, "")
        if not english:
            return ()
        return in_languages(english, {language: names[code]
                                      for language, names in self.case_type_names.items()
                                      if code in names})
