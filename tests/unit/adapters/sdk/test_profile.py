"""An agency profile's localized texts are checked when it is made."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.sdk import AgencyProfile, LocalizedTextError, NumberFormat

FORMAT = NumberFormat("fake number", r"^FAK\d{6}$", "FAK123456", "FAK and 6 digits")


def _profile(**overrides: object) -> AgencyProfile:
    values: dict[str, object] = {
        "agency_id": "fake", "name": "Fake Agency", "name_es": "Agencia Ficticia",
        "case_types": {"F-1": "Fake Application"}, "number_formats": (FORMAT,),
        "normalize_number": str.upper, "mapping_path": Path("m.toml"),
        "known_codes_path": Path("k.txt"), **overrides}
    return AgencyProfile(**values)  # type: ignore[arg-type]


def test_case_types_are_named_in_each_declared_language() -> None:
    profile = _profile(case_type_names={"es": {"F-1": "Solicitud Ficticia"}})
    assert profile.case_type_in_languages("F-1") == (("en", "Fake Application"),
                                                     ("es", "Solicitud Ficticia"))
    assert profile.case_type_in_languages("F-9") == ()


def test_a_profile_without_other_languages_names_types_in_english_only() -> None:
    assert _profile().case_type_in_languages("F-1") == (("en", "Fake Application"),)


def test_a_malformed_language_tag_stops_the_profile() -> None:
    with pytest.raises(LocalizedTextError, match="case type F-1: language 'ES'"):
        _profile(case_type_names={"ES": {"F-1": "Solicitud"}})


def test_a_name_for_a_type_the_agency_does_not_have_stops_the_profile() -> None:
    with pytest.raises(ValueError, match="'F-2', which is not one of case_types"):
        _profile(case_type_names={"es": {"F-2": "Otra"}})


def test_an_empty_format_description_stops_the_profile() -> None:
    bad = NumberFormat(FORMAT.name, FORMAT.pattern, FORMAT.example, FORMAT.description,
                       descriptions={"es": ""})
    with pytest.raises(LocalizedTextError, match="number format fake number: the 'es' text"):
        _profile(number_formats=(bad,))


def test_english_has_one_place_only() -> None:
    """English names and descriptions live in their English fields, so the contract's "en"
    entries cannot disagree with them."""
    with pytest.raises(ValueError, match="English names belong in case_types"):
        _profile(case_type_names={"en": {"F-1": "Other"}})
    described = NumberFormat(FORMAT.name, FORMAT.pattern, FORMAT.example, FORMAT.description,
                             descriptions={"en": "Other"})
    with pytest.raises(ValueError, match="English description belongs in description"):
        _profile(number_formats=(described,))


def test_the_agencys_time_zone_is_eastern_unless_it_says_and_must_be_a_real_one() -> None:
    """Deadlines count in the agency's calendar: US federal agencies keep Eastern time."""
    assert _profile().time_zone == "America/New_York"
    assert _profile(time_zone="America/Chicago").time_zone == "America/Chicago"
    with pytest.raises(ValueError, match="not an IANA time zone"):
        _profile(time_zone="Eastern")
