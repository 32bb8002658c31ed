"""The labor profile: the agency, its programs, number formats and mapping files."""

from __future__ import annotations

from adapters.labor.profile import PROFILE

PROGRAMS = ("PERM", "PW", "LCA", "H-2A", "H-2B", "CW-1")


def test_profile_points_at_this_table_and_code_list() -> None:
    """The labor profile names the agency, its programs, formats and files."""
    assert PROFILE.agency_id == "labor"
    assert PROFILE.name and PROFILE.name_es
    assert set(PROFILE.case_types) == set(PROGRAMS)
    assert [PROFILE.program_of(p) for p in PROGRAMS] == list(PROGRAMS)
    assert PROFILE.program_of("I-130") is None
    assert PROFILE.normalize_number("g100 24123 123456") == "G-100-24123-123456"
    assert PROFILE.known_codes_path.is_file()


def test_program_comes_from_the_case_type_else_the_number() -> None:
    """A case's mapping program: its type when known, else read from its FLAG number."""
    assert PROFILE.program_for("H-2B", "G-100-24123-123456") == "H-2B"
    assert PROFILE.program_for("", "G-100-24123-123456") == "PERM"
    assert PROFILE.program_for("UNKNOWN", "c-500 24123 123456") == "CW-1"
    assert PROFILE.program_for("", "not a number") is None
