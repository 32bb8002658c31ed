"""The immigration court profile's processing targets (targets.toml), each with its source as
checked in sources/targets.txt, in English and Spanish."""

from __future__ import annotations

from adapters.courts.profile import PROFILE

TARGETS = PROFILE.processing_targets


def test_asylum_only_cases_have_the_statutory_180_days() -> None:
    """8 U.S.C. 1158(d)(5)(A)(iii): asylum adjudication within 180 days of filing."""
    target = TARGETS["ASYLUM_ONLY"]
    assert (target.days, target.unit, target.kind, target.source) == (
        180, "CALENDAR_DAYS", "STATUTORY", "8 U.S.C. 1158(d)(5)(A)(iii)")
    assert "section1158" in target.source_url


def test_credible_fear_reviews_within_7_days() -> None:
    """8 U.S.C. 1225(b)(1)(B)(iii)(III): the judge's review within 24 hours if practicable,
    never later than 7 days."""
    target = TARGETS["CREDIBLE_FEAR_REVIEW"]
    assert (target.days, target.unit, target.kind) == (7, "CALENDAR_DAYS", "STATUTORY")
    assert target.source == "8 U.S.C. 1225(b)(1)(B)(iii)(III)"
    assert "24" in target.basis["en"] and "24" in target.basis["es"]


def test_reasonable_fear_reviews_within_10_days() -> None:
    """8 CFR 1208.31(g): the judge's review within 10 days of the referral."""
    target = TARGETS["REASONABLE_FEAR_REVIEW"]
    assert (target.days, target.kind, target.source) == (10, "REGULATORY", "8 CFR 1208.31(g)")
    assert target.source_url == "https://www.ecfr.gov/current/title-8/section-1208.31"


def test_proceedings_without_a_decision_time_say_so() -> None:
    """No statute or rule sets a decision time for removal, bond or withholding-only cases
    (EOIR's former performance measures were internal; EOIR adjudication statistics report
    how long cases take): no target (0 days, kind NONE) and no inquiry date."""
    none = {c for c, t in TARGETS.items() if t.kind == "NONE"}
    assert none == {"REMOVAL", "BOND", "WITHHOLDING_ONLY"}
    assert all(TARGETS[c].days == 0 and TARGETS[c].inquiry_rule == "NONE" for c in none)


def test_every_target_speaks_english_and_spanish() -> None:
    """Each basis has English and Spanish texts, different from each other."""
    for target in TARGETS.values():
        assert target.basis["en"] and target.basis["es"]
        assert target.basis["en"] != target.basis["es"]


def test_every_target_source_is_cited_by_a_test() -> None:
    """Each target's source appears in the docstring of a test in this module."""
    docs = " ".join(f.__doc__ or "" for name, f in globals().items() if name.startswith("test_"))
    assert [t.source for t in PROFILE.processing_targets.values() if t.source not in docs] == []
