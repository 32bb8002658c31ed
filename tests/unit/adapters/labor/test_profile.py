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


def test_lca_target_is_7_working_days() -> None:
    """20 CFR 655.740(a)(1): DOL certifies or returns an LCA within 7 working days; a
    business-day target whose inquiry date is receipt plus the target."""
    target = PROFILE.processing_targets["LCA"]
    assert (target.days, target.unit, target.kind, target.source) == (
        7, "BUSINESS_DAYS", "REGULATORY", "20 CFR 655.740(a)(1)")
    assert target.inquiry_rule == "RECEIPT_PLUS_TARGET"
    assert target.source_url == "https://www.ecfr.gov/current/title-20/section-655.740"
    assert "7" in target.basis["es"] and "hábiles" in target.basis["es"]


def test_h2a_target_is_30_days_before_the_date_of_need() -> None:
    """20 CFR 655.160: the CO decides no later than 30 calendar days before the date of need;
    the basis says how that reads as days from filing."""
    target = PROFILE.processing_targets["H-2A"]
    assert (target.days, target.unit, target.source) == (30, "CALENDAR_DAYS", "20 CFR 655.160")
    assert "60 days" in target.basis["en"] and "60 días" in target.basis["es"]


def test_programs_without_a_decision_time_say_so() -> None:
    """PERM, PW, H-2B and CW-1: no statute or rule sets OFLC's decision time from filing; DOL's
    posted processing times are reports, not goals (OFLC processing times). Their entries
    have no target (0 days, kind NONE) and a basis that says so."""
    none = {c for c, t in PROFILE.processing_targets.items() if t.kind == "NONE"}
    assert none == {"PERM", "PW", "H-2B", "CW-1"}
    assert set(PROGRAMS) <= set(PROFILE.processing_targets)
    for code in none:
        assert PROFILE.processing_targets[code].days == 0
        assert "No " in PROFILE.processing_targets[code].basis["en"]
    for target in PROFILE.processing_targets.values():
        assert target.basis["en"] != target.basis["es"]


def test_every_target_source_is_cited_by_a_test() -> None:
    """Each target's source appears in the docstring of a test in this module."""
    docs = " ".join(f.__doc__ or "" for name, f in globals().items() if name.startswith("test_"))
    assert [t.source for t in PROFILE.processing_targets.values() if t.source not in docs] == []
