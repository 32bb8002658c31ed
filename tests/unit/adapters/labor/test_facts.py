"""OFLC's programs: each case type is its own mapping-table program."""

from __future__ import annotations

from adapters.labor.facts import CASE_TYPES, program_of


def test_program_of_is_the_case_type_itself() -> None:
    """program_of returns the table qualifier for each case type and None for strangers."""
    for case_type in CASE_TYPES:
        assert program_of(case_type) == case_type
    assert program_of("h-2a") == "H-2A"
    assert program_of("I-485") is None
