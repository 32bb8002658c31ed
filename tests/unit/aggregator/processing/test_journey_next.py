"""What comes next in a journey: the shipped rules' next steps, not filed yet, dated only by a
deadline that runs on the case they follow."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from aggregator.model import Case, Status
from aggregator.processing.deadlines import default_rules as deadline_rules
from aggregator.processing.journey_next import next_steps
from aggregator.processing.journey_rules import JourneyRule, default_rules
from aggregator.processing.journeys import journeys_for
from aggregator.processing.model import (
    Deadline,
    DeadlineKind,
    DeadlineParty,
    DeadlineState,
    JourneyStepState,
    RelatedCase,
)

T0 = datetime(2025, 1, 6, 14, tzinfo=UTC)
PW, PERM, I140, I485 = "P-100-24137-736120", "G-100-25059-281953", "IOE0990000011", "IOE0990000012"
I589, REMOVAL = "IOE0990000041", "A201555123"
DUE = date(2026, 12, 28)


def _rule(rule_id: str) -> JourneyRule:
    (rule,) = [r for r in default_rules().rules if r.id == rule_id]
    return rule


def _case(agency: str, number: str, case_type: str, category: str, day: int,
          *related: tuple[str, str, str]) -> Case:
    at = T0 + timedelta(days=day)
    return Case(agency, number, case_type, case_type,
                Status(category, "DECISION_MADE", False, "CODE", "text"), at, at,
                related_cases=tuple(RelatedCase(*r) for r in related))


def _deadline(kind: DeadlineKind, agency: str, number: str,
              state: DeadlineState = DeadlineState.RUNNING, due: date = DUE) -> Deadline:
    return Deadline(kind, due, state, DeadlineParty.APPLICANT, "source",
                    {"en": "basis", "es": "base"}, agency, number)


def _mei(perm: str = "APPROVED") -> list[Case]:
    """A wage determination and the PERM built on it, linked by the labor agency."""
    return [_case("labor", PW, "PW", "APPROVED", 0, ("labor", PERM, "BASIS_FOR")),
            _case("labor", PERM, "PERM", perm, 200, ("labor", PW, "BASED_ON"))]


def test_a_certified_perm_without_an_i140_shows_the_i140_due_by_its_validity() -> None:
    """Mei's journey: the I-140 comes next at immigration, not filed yet, due the day the
    certification's 180 days end, said in English and Spanish."""
    validity = _deadline(DeadlineKind.PERM_VALIDITY, "labor", PERM)
    (journey,) = journeys_for(_mei(), [validity])
    (step,) = journey.next_steps
    assert (step.agency_id, step.filing, step.state) == ("immigration", "I-140",
                                                        JourneyStepState.NOT_FILED)
    assert (step.after_agency_id, step.after_case_number) == ("labor", PERM)
    assert step.deadline == validity and step.due == DUE
    assert "I-140" in step.text["en"] and "December 28, 2026" in step.text["en"]
    assert "28 de diciembre de 2026" in step.text["es"]
    assert all(s.state is JourneyStepState.FILED for s in journey.steps)


@pytest.mark.parametrize("state", [DeadlineState.MET, DeadlineState.MISSED])
def test_no_i140_is_expected_once_its_deadline_is_met_or_missed(state: DeadlineState) -> None:
    """MET: the I-140 was filed (perhaps not linked here); MISSED: the certification expired,
    so it can no longer be filed on it. Neither is a next step."""
    (journey,) = journeys_for(_mei(), [_deadline(DeadlineKind.PERM_VALIDITY, "labor", PERM,
                                                 state)])
    assert journey.next_steps == ()


def test_a_deadline_on_another_case_does_not_date_the_step() -> None:
    """Only the validity running on the PERM the step follows counts: without it there is
    no date, so no step is claimed."""
    elsewhere = _deadline(DeadlineKind.PERM_VALIDITY, "labor", "G-100-25059-999999")
    assert next_steps(_rule("employment-green-card"), _mei(), [elsewhere]) == ()


def test_a_perm_not_certified_expects_nothing_yet() -> None:
    validity = _deadline(DeadlineKind.PERM_VALIDITY, "labor", PERM)
    assert next_steps(_rule("employment-green-card"), _mei("PENDING"), [validity]) == ()


def test_raj_whose_steps_are_all_filed_has_no_next_step() -> None:
    cases = [*_mei(),
             _case("immigration", I140, "I-140", "APPROVED", 300, ("labor", PERM, "BASED_ON")),
             _case("immigration", I485, "I-485", "ACTIVE", 400,
                   ("immigration", I140, "BASED_ON"))]
    (journey,) = journeys_for(cases, [_deadline(DeadlineKind.PERM_VALIDITY, "labor", PERM,
                                                DeadlineState.MET)])
    assert len(journey.steps) == 4 and journey.next_steps == ()


def test_an_approved_i140_expects_the_i485_when_the_priority_date_is_current() -> None:
    """No deadline dates the I-485: the step says in words what it waits for, and no date."""
    cases = [*_mei(),
             _case("immigration", I140, "I-140", "APPROVED", 300, ("labor", PERM, "BASED_ON"))]
    (journey,) = journeys_for(cases, [])
    (step,) = journey.next_steps
    assert (step.agency_id, step.filing, step.after_case_number) == ("immigration", "I-485",
                                                                     I140)
    assert step.due is None and step.deadline is None
    assert "priority date is current in the Visa Bulletin" in step.text["en"]
    assert "no date can be given" in step.text["en"]
    assert "Boletín de Visas" in step.text["es"]
    pending = [*_mei(), _case("immigration", I140, "I-140", "PENDING", 300,
                              ("labor", PERM, "BASED_ON"))]
    assert journeys_for(pending, [])[0].next_steps == ()


def test_a_court_decision_in_an_asylum_journey_shows_the_bia_appeal_window() -> None:
    """The appeal is filed in the removal case itself (form EOIR-26): only the BIA appeal
    deadline running on it shows it is not filed yet; once MET it is gone."""
    cases = [_case("courts", REMOVAL, "REMOVAL", "DENIED", 100, ("immigration", I589, "HEARS")),
             _case("immigration", I589, "I-589", "CLOSED", 0, ("courts", REMOVAL, "HEARD_IN"))]
    appeal = _deadline(DeadlineKind.BIA_APPEAL, "courts", REMOVAL, due=date(2027, 1, 4))
    (journey,) = journeys_for(cases, [appeal])
    (step,) = journey.next_steps
    assert (step.agency_id, step.filing, step.due) == ("courts", "EOIR-26", date(2027, 1, 4))
    assert "Board of Immigration Appeals" in step.text["en"]
    assert "January 4, 2027" in step.text["en"] and "4 de enero de 2027" in step.text["es"]
    met = _deadline(DeadlineKind.BIA_APPEAL, "courts", REMOVAL, DeadlineState.MET)
    assert journeys_for(cases, [met])[0].next_steps == ()


def test_a_wage_determination_expects_the_perm_by_its_validity() -> None:
    pw = _case("labor", PW, "PW", "APPROVED", 0)
    wage = _deadline(DeadlineKind.PREVAILING_WAGE_VALIDITY, "labor", PW)
    (step,) = next_steps(_rule("employment-green-card"), [pw], [wage])
    assert (step.agency_id, step.filing, step.due) == ("labor", "PERM", DUE)


def test_every_dated_next_step_names_a_deadline_the_deadline_rules_start_on_its_case() -> None:
    """A next step's deadline kind is one the deadline rules find on a case of the agency and
    type it follows: otherwise it could never be shown."""
    started = {(r.kind, r.trigger.agency, t) for r in deadline_rules()
               for t in r.trigger.case_types}
    for rule in default_rules().rules:
        for step in rule.next:
            assert step.text["en"] != step.text["es"]
            if step.deadline is not None:
                assert all((step.deadline, step.after_agency, t) in started
                           for t in step.after_types), (rule.id, step.filing)
