"""The USCIS profile's processing targets (targets.toml): each form's target, unit, kind and
source as checked in sources/targets.txt, in English and Spanish."""

from __future__ import annotations

import pytest

from adapters.immigration.profile import PROFILE

TARGETS = PROFILE.processing_targets
STATUTE_1571 = "8 U.S.C. 1571(b)"


@pytest.mark.parametrize("form", ["I-130", "I-140", "I-485", "N-400", "I-751", "I-539",
                                  "I-129F", "I-360"])
def test_benefit_applications_have_the_180_day_sense_of_congress(form: str) -> None:
    """8 U.S.C. 1571(b): an immigration benefit application should be processed within 180
    days of filing; USCIS's inquiry date is receipt plus its posted 80th percentile."""
    target = TARGETS[form]
    assert (target.days, target.unit, target.kind, target.source) == (
        180, "CALENDAR_DAYS", "STATUTORY", STATUTE_1571)
    assert target.inquiry_rule == "RECEIPT_PLUS_P80"
    assert "uscode.house.gov" in target.source_url and "section1571" in target.source_url
    assert "180" in target.basis["en"] and "180" in target.basis["es"]


def test_nonimmigrant_worker_petitions_have_30_days() -> None:
    """8 U.S.C. 1571(b): a petition under 8 U.S.C. 1184(c) (Form I-129) within 30 days;
    premium processing (8 CFR 106.4, 15 business days) is named, not the target."""
    target = TARGETS["I-129"]
    assert (target.days, target.unit, target.source) == (30, "CALENDAR_DAYS", STATUTE_1571)
    assert "15 business days" in target.basis["en"] and "106.4" in target.basis["en"]
    assert "15 días hábiles" in target.basis["es"]


def test_premium_processing_is_named_where_it_exists() -> None:
    """8 CFR 106.4: premium processing is 15 business days for most I-140s, 45 for some,
    30 for I-539 students and I-765 OPT; named in the bases, never the target's unit."""
    assert "45" in TARGETS["I-140"].basis["en"] and "15 business days" in \
        TARGETS["I-140"].basis["en"]
    assert "30 business days" in TARGETS["I-539"].basis["en"]
    assert "30 días hábiles" in TARGETS["I-539"].basis["es"]
    opt = TARGETS["I-765"].basis
    assert "OPT" in opt["en"] and "30 business days" in opt["en"] and "106.4" in opt["en"]
    assert "OPT" in opt["es"] and "30 días hábiles" in opt["es"]
    assert all(t.unit == "CALENDAR_DAYS" for t in TARGETS.values())


def test_asylum_applications_have_the_statutory_180_days() -> None:
    """8 U.S.C. 1158(d)(5)(A)(iii): asylum adjudication within 180 days of filing; the basis
    also names the 45-day interview of (d)(5)(A)(ii)."""
    target = TARGETS["I-589"]
    assert (target.days, target.kind, target.source) == (180, "STATUTORY",
                                                         "8 U.S.C. 1158(d)(5)(A)(iii)")
    assert "45 days" in target.basis["en"] and "45 días" in target.basis["es"]


def test_naturalization_names_the_120_day_court_option() -> None:
    """8 U.S.C. 1447(b): 120 days after the interview the applicant may go to court; named in
    the N-400 basis (the aggregator's N400_HEARING rule counts it)."""
    assert "1447(b)" in TARGETS["N-400"].basis["en"]
    assert "120" in TARGETS["N-400"].basis["es"]


@pytest.mark.parametrize(("form", "days"), [("I-765", 90), ("I-131", 90), ("I-90", 180)])
def test_forms_without_a_statute_use_uscis_cycle_time_goals(form: str, days: int) -> None:
    """USCIS cycle time goals (March 2022): 3 months for I-765 and I-131, 6 months for I-90;
    published goals, not laws. I-765 also names 8 CFR 208.7 (30 days, asylum-based)."""
    target = TARGETS[form]
    assert (target.days, target.kind) == (days, "PUBLISHED_GOAL")
    assert target.source_url.startswith("https://egov.uscis.gov/")
    if form == "I-765":
        assert "208.7" in target.basis["en"] and "30" in target.basis["es"]


def test_forms_without_any_target_say_so() -> None:
    """No statute, rule or published goal covers I-821D (deferred action, no status) or
    I-601A (a waiver): no target (0 days, kind NONE), a basis that says so and points to
    USCIS processing times, whose case inquiry date still applies."""
    none = {c for c, t in TARGETS.items() if t.kind == "NONE"}
    assert none == {"I-821D", "I-601A"} and set(PROFILE.case_types) == set(TARGETS)
    assert all(TARGETS[c].days == 0 and TARGETS[c].inquiry_rule == "RECEIPT_PLUS_P80"
               for c in none)


def test_every_target_speaks_english_and_spanish() -> None:
    """Each basis has English and Spanish texts, different from each other."""
    for target in TARGETS.values():
        assert target.basis["en"] and target.basis["es"]
        assert target.basis["en"] != target.basis["es"]


def test_every_target_source_is_cited_by_a_test() -> None:
    """Each target's source appears in the docstring of a test in this module."""
    docs = " ".join(f.__doc__ or "" for name, f in globals().items() if name.startswith("test_"))
    assert [t.source for t in PROFILE.processing_targets.values() if t.source not in docs] == []
