"""Generated USCIS histories: deterministic, unique, valid, mapped, ordered; personas."""

from __future__ import annotations

import random
from datetime import date

from adapters.immigration import synthetic
from adapters.immigration.numbers import normalize
from adapters.immigration.profile import PROFILE
from adapters.sdk import CaseRecord, MappingTable

TODAY = date(2026, 11, 22)
TABLE = MappingTable.load(PROFILE.mapping_path)


def _cases(n: int, seed: int = 3) -> list[CaseRecord]:
    rng = random.Random(seed)
    return [synthetic.generate_case(rng, serial, TODAY) for serial in range(n)]


def test_same_seed_gives_the_same_cases() -> None:
    """Generation is deterministic for a seed."""
    assert _cases(200) == _cases(200)


def test_generated_numbers_are_unique_valid_and_never_a_personas() -> None:
    """20,000 generated receipt numbers are distinct, canonical, and not persona numbers."""
    numbers = [c.number for c in _cases(20_000)]
    personas = {c.number for cs in synthetic.persona_cases(TODAY).values() for c in cs}
    assert len(set(numbers)) == len(numbers)
    assert all(normalize(n) == n for n in numbers)
    assert not personas & set(numbers)


def test_every_generated_code_is_mapped_and_events_are_ordered() -> None:
    """Histories use only mapped titles, in strictly increasing time, none after today."""
    for case in _cases(5_000):
        assert case.events
        assert all(TABLE.map(e.code).known for e in case.events), case
        times = [e.occurred_at for e in case.events]
        assert times == sorted(times) and len(set(times)) == len(times)
        assert times[-1].date() <= TODAY


def test_cases_end_in_a_realistic_mix_of_outcomes() -> None:
    """Some cases are approved, some denied, some rejected, many still open."""
    last = [TABLE.map(c.events[-1].code).category for c in _cases(5_000)]
    for category in ("PENDING", "ACTIVE", "APPROVED", "DENIED", "CLOSED"):
        assert last.count(category) > 25, category


def test_ana_has_an_rfe_due_in_the_future() -> None:
    """Ana's I-765 ends in an RFE sent about 20 days ago, due 87 days after it was sent."""
    ana = {c.case_type: c for c in synthetic.persona_cases(TODAY)["ana"]}
    rfe = ana["I-765"].events[-1]
    assert rfe.code == "Request for Evidence Was Sent"
    assert rfe.due_date is not None and rfe.due_date > TODAY
    assert (rfe.due_date - rfe.occurred_at.date()).days == 87
    assert {c.subject_ref for c in ana.values()} == {"A201555123"}


def test_raj_has_the_petitions_built_on_his_labor_certification() -> None:
    """Raj: approved I-140, pending I-485 with an interview ahead, delivered EAD, I-131."""
    raj = {c.case_type: c for c in synthetic.persona_cases(TODAY)["raj"]}
    assert set(raj) == {"I-140", "I-485", "I-765", "I-131"}
    assert raj["I-140"].events[-1].code == "Case Was Approved"
    interview = raj["I-485"].events[-1]
    assert interview.code == "Interview Was Scheduled"
    assert interview.due_date is not None and interview.due_date > TODAY
    assert raj["I-765"].events[-1].code == "Card Was Delivered To Me By The Post Office"


def test_raj_petitions_name_the_cases_they_are_built_on_and_filed_with() -> None:
    """The I-140 rests on the certified PERM at labor; the I-485 on the I-140, filed with the
    I-765 and I-131; no case names one of another person."""
    from adapters.labor.synthetic_data import RAJ_PERM

    raj = {c.case_type: c for c in synthetic.persona_cases(TODAY)["raj"]}
    related = {t: [(r.agency_id, r.number, r.relation) for r in c.related]
               for t, c in raj.items()}
    assert related["I-140"] == [("labor", RAJ_PERM[0], "BASED_ON"),
                                ("immigration", raj["I-485"].number, "BASIS_FOR")]
    assert related["I-485"] == [("immigration", raj["I-140"].number, "BASED_ON"),
                                ("immigration", raj["I-765"].number, "FILED_WITH"),
                                ("immigration", raj["I-131"].number, "FILED_WITH")]
    assert related["I-765"] == related["I-131"] == [
        ("immigration", raj["I-485"].number, "FILED_WITH")]
    ana = {c.number for c in synthetic.persona_cases(TODAY)["ana"]}
    assert not ana & {r.number for c in raj.values() for r in c.related}


def test_raj_filed_his_i140_within_180_days_of_the_perm_certification() -> None:
    """The PERM validity deadline is MET in the demo data: the I-140 was received between
    the certification and 180 days after it."""
    from adapters.labor.synthetic import persona_cases as labor_cases

    perm = next(c for c in labor_cases(TODAY)["raj"] if c.case_type == "PERM")
    certified = perm.events[-1].occurred_at.date()
    i140 = next(c for c in synthetic.persona_cases(TODAY)["raj"] if c.case_type == "I-140")
    assert 0 < (i140.opened.date() - certified).days <= 180


def test_ana_s_asylum_application_was_referred_to_the_court_that_hears_it() -> None:
    """Her affirmative I-589: received, biometrics, interview, then sent to the immigration
    court (mapped SENT_TO_OTHER_AGENCY) before the Notice to Appear opened her removal case
    there; USCIS names that case as where it is heard, and the court names it back."""
    from adapters.courts.synthetic import persona_cases as court_cases

    ana = {c.case_type: c for c in synthetic.persona_cases(TODAY)["ana"]}
    i589 = ana["I-589"]
    assert (i589.number, i589.access_code) == ("IOE0990000003", "Z4HM-7PKT-3WRA")
    assert normalize(i589.number) == i589.number and i589.subject_ref == "A201555123"
    codes = [e.code for e in i589.events]
    assert codes[0] == "Case Was Received" and "Interview Was Completed And My Case Must Be " \
        "Reviewed" in codes
    referred = i589.events[-1]
    assert referred.code == "Case Was Sent To The Executive Office of Immigration Review"
    mapped = TABLE.map(referred.code)
    assert (mapped.category, mapped.milestone) == ("ACTIVE", "SENT_TO_OTHER_AGENCY")
    assert "Notice to Appear" in referred.text and "Receipt Number IOE0990000003" in referred.text
    (removal,) = court_cases(TODAY)["ana"]
    assert referred.occurred_at < removal.events[0].occurred_at
    assert [(r.agency_id, r.number, r.relation) for r in i589.related] == [
        ("courts", removal.number, "HEARD_IN")]
    assert [(r.agency_id, r.number, r.relation) for r in removal.related] == [
        ("immigration", i589.number, "HEARS")]
    assert not ana["I-765"].related and not ana["I-130"].related
