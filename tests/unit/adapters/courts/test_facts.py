"""EOIR's case types: each named in English and in Spanish."""

from __future__ import annotations

from adapters.courts.facts import CASE_TYPE_NAMES, CASE_TYPES
from adapters.courts.profile import PROFILE


def test_every_case_type_has_a_spanish_name() -> None:
    """Spanish names cover exactly the case types, each its own text (not the English)."""
    spanish = CASE_TYPE_NAMES["es"]
    assert set(spanish) == set(CASE_TYPES)
    assert all(spanish[code] != CASE_TYPES[code] for code in CASE_TYPES)


def test_the_profile_names_each_case_type_in_english_first_then_spanish() -> None:
    for code, english in CASE_TYPES.items():
        assert PROFILE.case_type_in_languages(code) == (("en", english),
                                                        ("es", CASE_TYPE_NAMES["es"][code]))
