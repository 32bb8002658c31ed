"""The personas' stories under the demo's activity: never a story-breaking or deciding step,
realistic loops when a process has nothing else to offer, raj's PERM certified for good."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

import pytest

from adapters.reference.catalog import REFERENCE_AGENCIES, profile, synthetic
from adapters.reference.progressions import for_agency
from adapters.sdk.mapping import MappingTable
from deploy.demo.activity import meaning_under
from deploy.demo.story import (
    OPEN,
    PersonaCase,
    StoryRule,
    breaks_story,
    story_rule,
    table_meaning,
)

TODAY = date(2026, 12, 2)
NOID = "Notice Of Intent To Deny Was Sent"
NOID_ANSWERED = "Response To Notice of Intent To Deny Was Received"
REVIEW = "Case Is Being Actively Reviewed By USCIS"
RFE = "Request for Evidence Was Sent"


@dataclass
class Walked:
    """One persona case walked by the rule: where it started and every code since."""

    agency: str
    persona: str
    number: str
    case_type: str
    codes: list[str]
    rule: StoryRule


def _rule(agency: str, case_type: str, number: str) -> StoryRule:
    program = profile(agency).program_for(case_type, number)
    meaning = meaning_under(MappingTable.load(profile(agency).mapping_path), program)
    return story_rule(for_agency(agency), case_type, meaning)


def _persona_cases() -> list[Walked]:
    """Every persona case the demo seeds, at every agency, as seeded."""
    return [Walked(agency, persona, record.number, record.case_type,
                   [event.code for event in record.events],
                   _rule(agency, record.case_type, record.number))
            for agency in REFERENCE_AGENCIES
            for persona, records in synthetic(agency).persona_cases(TODAY).items()
            for record in records]


def _walk(steps: int, seed: int) -> tuple[list[Walked], int]:
    """``steps`` moves, each on a persona case drawn at random: the cases and moves made."""
    rng = random.Random(seed)
    cases = _persona_cases()
    moved = 0
    for _ in range(steps):
        case = rng.choice(cases)
        code = case.rule.choose(PersonaCase(case.case_type, case.codes[-1],
                                            tuple(case.codes[:-1])), rng)
        if code is not None:
            case.codes.append(code)
            moved += 1
    return cases, moved


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_thousand_steps_never_break_or_decide_a_personas_case(seed: int) -> None:
    """No step reaches a denial, closure, withdrawal, expiry or another agency; an open case
    stays open, a decided one keeps its category; raj's and mei's PERMs, LCA and wage
    determinations stay as certified; and every open case keeps moving (loops, not a dead end)."""
    cases, moved = _walk(2_000, seed)
    seeded_lengths = {case.number: len(case.codes) for case in _persona_cases()}
    # Four of the twelve persona cases are open (ana's three, raj's I-485): about 670 moves.
    assert moved > 580
    for case in cases:
        seeded = seeded_lengths[case.number]
        start = case.rule.meaning(case.codes[seeded - 1])[0]
        for before, code in zip(case.codes[seeded - 1:], case.codes[seeded:], strict=False):
            # A move always changes the status: the same one again would notify for nothing.
            assert code != before, (case.number, code)
            category, milestone = case.rule.meaning(code)
            assert not breaks_story((category, milestone)), (case.number, code)
            assert category in OPEN if start in OPEN else category == start, (case.number, code)
        if start in OPEN:
            assert len(case.codes) - seeded > 50, case.number
    labor = [(case.case_type, case.codes) for case in cases if case.agency == "labor"]
    assert sorted(t for t, _ in labor) == ["LCA", "PERM", "PERM", "PW", "PW"]  # raj's, mei's
    for case_type, codes in labor:
        assert codes[-1] == {"PERM": "CERTIFIED", "LCA": "CERTIFIED",
                             "PW": "DETERMINATION ISSUED"}[case_type]
        assert "CERTIFIED - EXPIRED" not in codes


def _by_number(number: str) -> Walked:
    return next(case for case in _persona_cases() if case.number == number)


def test_without_the_rule_the_generators_own_steps_would_break_the_stories() -> None:
    """What the rule guards against: the generator's only step from raj's certified PERM
    expires it (an LCA's withdraws it), and ana's I-130 under review is mostly approved, then
    sent to the Department of State."""
    labor, immigration = for_agency("labor"), for_agency("immigration")
    assert {code for code, _ in labor.successors("PERM", "CERTIFIED")} == {"CERTIFIED - EXPIRED"}
    assert {code for code, _ in labor.successors("LCA", "CERTIFIED")} == {
        "CERTIFIED - WITHDRAWN"}
    assert immigration.successors("I-130", REVIEW)[0][0] == "Case Was Approved"
    assert {code for code, _ in immigration.successors("I-130", "Case Was Approved")} == {
        "Case Was Sent To The Department of State"}
    perm = _by_number(next(c.number for c in _persona_cases() if c.case_type == "PERM"))
    assert perm.rule.steps("CERTIFIED") == ()
    assert all(perm.rule.choose(PersonaCase("PERM", "CERTIFIED", ("IN PROCESS",)),
                                random.Random(seed)) is None for seed in range(100))


def test_a_notice_of_intent_to_deny_is_doomed_and_never_taken() -> None:
    """Answered, a notice of intent to deny is followed only by a denial: the rule never
    sends a persona there; an approval (a decision, but no break) is not doomed."""
    rule = _rule("immigration", "I-130", "IOE0990000002")
    assert {NOID, NOID_ANSWERED} <= rule.doomed
    assert "Case Was Approved" not in rule.doomed and REVIEW not in rule.doomed
    assert all(code != NOID for code, _ in rule.steps(REVIEW))
    assert all(code != NOID for code, _ in rule.loops(PersonaCase("I-130", REVIEW, (
        "Case Was Received",))))


def test_a_stuck_open_case_loops_through_realistic_repeats() -> None:
    """Ana's I-130 under review has no open step left (approval, denial, withdrawal, intent
    to deny): it gets a new request for evidence, as after its receipt (then is reviewed
    again); never the status it is in, a follow-up on its own (a response received) nor a
    second receipt."""
    rule = _rule("immigration", "I-130", "IOE0990000002")
    case = PersonaCase("I-130", REVIEW, ("Case Was Received",))
    assert rule.steps(REVIEW) == ()
    assert {code for code, _ in rule.loops(case)} == {RFE}
    drawn = {rule.choose(case, random.Random(seed)) for seed in range(200)}
    assert drawn == {RFE}
    after_rfe = PersonaCase("I-130", RFE, ("Case Was Received", REVIEW))
    assert REVIEW in {code for code, _ in rule.loops(after_rfe)} | {
        code for code, _ in rule.steps(RFE)}


def test_a_hearing_case_takes_its_own_open_steps_before_looping() -> None:
    """Ana's individual hearing is held, adjourned, rescheduled or answered by a filing, by
    the court's own frequencies; an in-absentia order (a removal) is never drawn."""
    rule = _rule("courts", "REMOVAL", "A201555123")
    steps = {code for code, _ in rule.steps("INDIVIDUAL HEARING SCHEDULED")}
    assert "HEARING RESCHEDULED" in steps and "HEARING COMPLETED" in steps
    assert "IN ABSENTIA REMOVAL ORDER" not in steps


def test_a_decided_case_keeps_its_category_and_an_already_broken_one_stays() -> None:
    """Raj's approved I-485 would only have its card produced and mailed (never returned); a
    case already expired takes nothing."""
    rule = _rule("immigration", "I-485", "IOE0990000012")
    assert {code for code, _ in rule.steps("Card Was Mailed To Me")} == {
        "Card Was Picked Up By The United States Postal Service"}
    perm = _rule("labor", "PERM", next(c.number for c in _persona_cases()
                                       if c.case_type == "PERM"))
    expired = PersonaCase("PERM", "CERTIFIED - EXPIRED", ("IN PROCESS", "CERTIFIED"))
    assert perm.choose(expired, random.Random(0)) is None


def test_a_code_its_table_does_not_know_ends_the_story() -> None:
    """A plain table: unknown codes mean UNSPECIFIED, which a persona's case never takes."""
    meaning = table_meaning({"Case Was Received": ("PENDING", "RECEIVED")})
    assert meaning("Case Was Received") == ("PENDING", "RECEIVED")
    assert breaks_story(meaning("Something Else"))
    rule = story_rule(for_agency("immigration"), "I-130", meaning)
    assert rule.steps("Case Was Received") == ()
