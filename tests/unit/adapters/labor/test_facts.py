"""OFLC's programs: each case type is its own mapping-table program."""

from __future__ import annotations

from adapters.labor.facts import CASE_TYPE_NAMES, CASE_TYPES, program_of
from adapters.labor.profile import PROFILE
from support.case_type_names import assert_named_in_spanish


def test_program_of_is_the_case_type_itself() -> None:
    """program_of returns the table qualifier for each case type and None for strangers."""
    for case_type in CASE_TYPES:
        assert program_of(case_type) == case_type
    assert program_of("h-2a") == "H-2A"
    assert program_of("I-485") is None



def test_every_program_has_a_spanish_name_keeping_its_form_number() -> None:
    """Spanish names cover exactly the programs, each keeping the form DOL prints."""
    assert_named_in_spanish(PROFILE, CASE_TYPE_NAMES)
    for code, english in CASE_TYPES.items():
        assert CASE_TYPE_NAMES["es"][code].endswith(english[english.index("(ETA-"):])
