"""The OFLC demo-data generator and personas: deterministic, unique, mapped, ordered, realistic."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import UTC, date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.labor import synthetic
from adapters.labor.facts import CASE_TYPES, program_of
from adapters.labor.numbers import normalize, program_of_number
from adapters.labor.profile import PROFILE
from adapters.labor.synthetic import generate_case, persona_cases
from adapters.sdk.mapping import MappingTable
from adapters.sdk.records import CaseRecord
from adapters.sdk.vocabulary import UNSPECIFIED

TODAY = date(2026, 11, 22)
TABLE = MappingTable.load(PROFILE.mapping_path)
ACCESS_CODE = re.compile(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}")
SUBJECT = re.compile(r"A\d{9}|FW-\d{8}|EMP-\d{8}")
OPEN = {"PENDING", "ACTIVE"}


def generated(count: int, seed: int = 11, start: int = 0, today: date = TODAY
              ) -> list[CaseRecord]:
    """``count`` cases from one rng, serials start..start+count-1."""
    rng = random.Random(seed)
    return [generate_case(rng, serial, today) for serial in range(start, start + count)]


SAMPLE = generated(6000)


def filing_ordinal(number: str) -> int:
    """The day-of-year ordinal a FLAG number's YYDDD encodes."""
    code = number[6:11]
    return date(2000 + int(code[:2]), 1, 1).toordinal() + int(code[2:]) - 1


def assert_well_formed(case: CaseRecord, today: date) -> None:
    """Invariants every generated or persona case must hold."""
    assert normalize(case.number) == case.number
    assert program_of_number(case.number) == case.case_type
    assert case.case_type in CASE_TYPES
    assert ACCESS_CODE.fullmatch(case.access_code), case.access_code
    assert SUBJECT.fullmatch(case.subject_ref), case.subject_ref
    assert case.office and case.events
    assert case.events[0].occurred_at.date().toordinal() == filing_ordinal(case.number)
    program = program_of(case.case_type)
    previous = None
    for event in case.events:
        assert event.occurred_at.tzinfo == UTC
        assert event.occurred_at.date() <= today
        assert previous is None or event.occurred_at >= previous
        previous = event.occurred_at
        assert TABLE.map(event.code, program=program).category != UNSPECIFIED, event.code
        assert case.number in event.text and event.text.startswith("On ")
        assert event.office
        if event.due_date is not None:
            assert event.due_date > event.occurred_at.date()
    assert len({e.event_id for e in case.events}) == len(case.events)


def test_same_seed_and_serial_give_equal_records() -> None:
    """Generation is a pure function of the rng state, serial and today."""
    for serial in (0, 1, 999_999, 1_000_000, 5_432_100, 9_999_999):
        first = generate_case(random.Random(42), serial, TODAY)
        second = generate_case(random.Random(42), serial, TODAY)
        assert first == second


def test_numbers_are_unique_over_twenty_thousand_serials() -> None:
    """20,000 consecutive serials give 20,000 distinct case numbers."""
    numbers = {case.number for case in generated(20_000, seed=3)}
    assert len(numbers) == 20_000


def test_serials_a_million_apart_do_not_collide() -> None:
    """Serials sharing a sequence number differ in filing date, so numbers stay distinct."""
    rng = random.Random(5)
    serials = [low + million * 1_000_000 for low in range(300) for million in range(10)]
    numbers = [generate_case(rng, serial, TODAY).number for serial in serials]
    assert len(set(numbers)) == len(numbers)
    for serial, number in zip(serials, numbers, strict=True):
        assert number.endswith(f"-{serial % 1_000_000:06d}")
        assert filing_ordinal(number) % 16 == serial // 1_000_000


def test_serial_outside_the_range_is_refused() -> None:
    """Serials below 0 or from 10,000,000 up raise ValueError."""
    for serial in (-1, 10_000_000):
        with pytest.raises(ValueError, match=r"outside 0\.\.9999999"):
            generate_case(random.Random(1), serial, TODAY)


def test_generated_cases_are_well_formed() -> None:
    """Every sampled case has a valid number, mapped codes, ordered past events, due dates."""
    for case in SAMPLE:
        assert_well_formed(case, TODAY)


def test_every_program_and_category_appears_in_realistic_proportions() -> None:
    """All six programs show up, LCAs most; cases are mostly decided but many are open."""
    programs = Counter(case.case_type for case in SAMPLE)
    assert set(programs) == set(CASE_TYPES)
    assert programs.most_common(1)[0][0] == "LCA"
    categories = Counter(TABLE.map(c.events[-1].code, program=c.case_type).category
                         for c in SAMPLE)
    assert set(categories) == {"PENDING", "ACTIVE", "APPROVED", "DENIED", "CLOSED"}
    open_share = (categories["PENDING"] + categories["ACTIVE"]) / len(SAMPLE)
    assert 0.08 < open_share < 0.4
    assert categories["APPROVED"] / len(SAMPLE) > 0.5
    assert categories["DENIED"] / len(SAMPLE) < 0.08


def test_some_open_cases_are_waiting_on_the_employer() -> None:
    """Open cases include audits, RFIs or NODs with a future due date."""
    waiting = [c for c in SAMPLE
               if TABLE.map(c.events[-1].code, program=c.case_type).action_required
               and c.events[-1].due_date is not None and c.events[-1].due_date >= TODAY]
    assert waiting


def test_perm_cases_follow_the_flag_process() -> None:
    """PERM starts IN PROCESS then ANALYST REVIEW, and is decided 14+ months after filing."""
    perms = [c for c in SAMPLE if c.case_type == "PERM"]
    assert perms
    for case in perms:
        codes = [e.code for e in case.events]
        assert codes[0] == "IN PROCESS" and case.office == "Atlanta National Processing Center"
        if len(codes) > 1 and codes[1] != "WITHDRAWN":
            assert codes[1] == "ANALYST REVIEW"
        if "CERTIFIED" in codes:
            certified = case.events[codes.index("CERTIFIED")].occurred_at
            assert certified - case.events[0].occurred_at > timedelta(days=420)


def working_days_between(start: date, end: date) -> int:
    """Monday-to-Friday days after ``start`` up to and including ``end``."""
    return sum(1 for n in range(1, (end - start).days + 1)
               if (start + timedelta(days=n)).weekday() < 5)


def test_lcas_are_decided_within_seven_working_days() -> None:
    """An LCA is certified or denied within 7 working days of filing, on a working day."""
    lcas = [c for c in SAMPLE if c.case_type == "LCA" and len(c.events) > 1]
    assert lcas
    for case in lcas:
        filed, decided = (e.occurred_at.date() for e in case.events[:2])
        if case.events[1].code in ("CERTIFIED", "DENIED"):
            assert working_days_between(filed, decided) <= 7
            assert decided.weekday() < 5


def test_dol_acts_on_working_days() -> None:
    """Every event after the online filing falls on a Monday to Friday."""
    for case in SAMPLE:
        assert all(e.occurred_at.weekday() < 5 for e in case.events[1:]), case.number


def test_generated_numbers_never_equal_a_persona_number() -> None:
    """Generated filing dates use residues 0-9 mod 16; persona numbers use 14 and 15."""
    personas = synthetic.PERSONA_NUMBERS
    assert all(filing_ordinal(n) % 16 >= 10 for n in personas)
    assert all(filing_ordinal(c.number) % 16 < 10 for c in SAMPLE)
    assert not personas & {c.number for c in SAMPLE}


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), serial=st.integers(0, 9_999_999),
       today=st.dates(min_value=date(2023, 1, 1), max_value=date(2032, 12, 31)))
def test_any_seed_serial_and_day_give_a_well_formed_case(seed: int, serial: int,
                                                         today: date) -> None:
    """The invariants hold for arbitrary seeds, serials and anchor dates."""
    case = generate_case(random.Random(seed), serial, today)
    assert_well_formed(case, today)
    assert case.number.endswith(f"-{serial % 1_000_000:06d}")


def raj(today: date = TODAY, who: str = "raj") -> dict[str, CaseRecord]:
    """Raj's (or another persona's) cases keyed by program."""
    cases = persona_cases(today)
    assert list(cases) == ["raj", "mei"]
    return {case.case_type: case for case in cases[who]}


def test_raj_has_a_wage_determination_a_perm_and_an_lca() -> None:
    """Raj holds one P-100 wage determination, one G-100 PERM and one I-200 LCA, A098765432."""
    cases = raj()
    assert set(cases) == {"PW", "PERM", "LCA"}
    assert cases["PW"].number.startswith("P-100-")
    assert cases["PERM"].number.startswith("G-100-")
    assert cases["LCA"].number.startswith("I-200-")
    for case in cases.values():
        assert case.subject_ref == "A098765432"
        assert_well_formed(case, TODAY)
    assert len({c.access_code for c in cases.values()}) == 3


def test_raj_wage_determination_was_issued_about_two_and_a_half_years_ago() -> None:
    """The PW case ends DETERMINATION ISSUED (APPROVED) some 2.5 years before today."""
    pw = raj()["PW"]
    assert [e.code for e in pw.events] == ["IN PROCESS", "DETERMINATION ISSUED"]
    years = (TODAY - pw.events[-1].occurred_at.date()).days / 365.25
    assert 2.3 < years < 2.7
    assert TABLE.map(pw.events[-1].code, program="PW").category == "APPROVED"


def test_raj_perm_was_filed_after_the_wage_and_certified_a_year_ago() -> None:
    """The PERM was filed after the PWD, went IN PROCESS, ANALYST REVIEW, CERTIFIED ~1 year ago."""
    cases = raj()
    perm = cases["PERM"]
    assert [e.code for e in perm.events] == ["IN PROCESS", "ANALYST REVIEW", "CERTIFIED"]
    assert perm.events[0].occurred_at > cases["PW"].events[-1].occurred_at
    days = (TODAY - perm.events[-1].occurred_at.date()).days
    assert 330 <= days <= 400
    assert TABLE.map("CERTIFIED", program="PERM").category == "APPROVED"


def test_raj_lca_is_certified_for_his_h1b() -> None:
    """The LCA is an H-1B one and its last status is CERTIFIED."""
    lca = raj()["LCA"]
    assert lca.events[-1].code == "CERTIFIED"
    assert "H-1B" in lca.events[0].text
    assert TABLE.map(lca.events[-1].code, program="LCA").category == "APPROVED"


def test_personas_are_fixed_and_deterministic_for_a_day() -> None:
    """Same day gives equal records; six weeks on keeps numbers and codes, moves the dates."""
    assert persona_cases(TODAY) == persona_cases(TODAY)
    later = raj(TODAY + timedelta(weeks=6))
    now = raj()
    for program, case in now.items():
        assert later[program].number == case.number
        assert later[program].access_code == case.access_code
        assert [e.occurred_at + timedelta(weeks=6) for e in case.events] == [
            e.occurred_at for e in later[program].events]


def test_persona_numbers_carry_their_filing_dates_on_the_reference_day() -> None:
    """On the reference day each persona number's YYDDD is the day its case was filed."""
    for who in ("raj", "mei"):
        for case in raj(synthetic.REFERENCE_TODAY, who).values():
            assert case.events[0].occurred_at.date().toordinal() == filing_ordinal(case.number)


def test_raj_labor_cases_name_each_other_and_his_i140() -> None:
    """The wage determination is the PERM's basis, and the PERM the I-140's at immigration."""
    cases = raj()
    assert [(r.agency_id, r.number, r.relation) for r in cases["PW"].related] == [
        ("labor", cases["PERM"].number, "BASIS_FOR")]
    assert [(r.agency_id, r.number, r.relation) for r in cases["PERM"].related] == [
        ("labor", cases["PW"].number, "BASED_ON"), ("immigration", "IOE0990000011", "BASIS_FOR")]
    assert cases["LCA"].related == ()


@pytest.mark.parametrize("today", [TODAY, date(2027, 3, 6), date(2027, 3, 7), date(2027, 3, 8)])
def test_mei_perm_was_certified_about_155_days_ago_on_her_wage_determination(today: date
                                                                          ) -> None:
    """Mei's PERM, filed on her wage determination while it was valid, was certified 153 to
    155 days before today (the Monday after a weekend), so the 180-day validity for filing
    the I-140 ends in 25 to 27 days: inside the 30-day alert."""
    cases = raj(today, "mei")
    assert set(cases) == {"PW", "PERM"}
    pw, perm = cases["PW"], cases["PERM"]
    assert {c.subject_ref for c in cases.values()} == {"A076543210"}
    for case in raj(TODAY, "mei").values():  # numbered by their filing days on TODAY
        assert_well_formed(case, TODAY)
    assert [e.code for e in perm.events] == ["IN PROCESS", "ANALYST REVIEW", "CERTIFIED"]
    issued, filed = pw.events[-1].occurred_at.date(), perm.events[0].occurred_at.date()
    assert pw.events[-1].code == "DETERMINATION ISSUED" and 0 < (filed - issued).days < 240
    certified = perm.events[-1].occurred_at.date()
    assert 153 <= (today - certified).days <= 155
    assert 25 <= (certified + timedelta(days=180) - today).days <= 27
    assert [(r.number, r.relation) for r in perm.related] == [(pw.number, "BASED_ON")]
    assert [(r.number, r.relation) for r in pw.related] == [(perm.number, "BASIS_FOR")]
