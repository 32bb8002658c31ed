"""/me's "Action required": the cases' own actions and the deadlines running against the
applicant, soonest first, an RFE and its evidence-response deadline listed once."""

from __future__ import annotations

from datetime import UTC, date, datetime

from aggregator.model import AgencyInfo, Case
from aggregator.processing.model import Deadline, DeadlineKind, DeadlineParty, DeadlineState
from caseline.v1.lib.scopes import Scope
from gateway.schema.types import CaseStatus
from gateway.web.me_actions import actions_with_deadlines, against_applicant
from gateway.web.me_view import ActionItem
from support.applicant_pages import EVIDENCE, RECEIVED

AGENCIES = {"immigration": AgencyInfo("immigration", "Immigration", "Inmigración",
                                      Scope.STATUS),
            "courts": AgencyInfo("courts", "Court", "Tribunal", Scope.IDENTITY),
            "labor": AgencyInfo("labor", "Labor", "Trabajo", Scope.STATUS)}
T0 = datetime(2026, 5, 1, tzinfo=UTC)
RFE, REMOVAL, PERM = "IOE0990000001", "A201555123", "G-100-25059-281953"


def _status(agency: str, number: str, action: bool) -> CaseStatus:
    case = Case(agency, number, "T", "Type", EVIDENCE if action else RECEIVED, T0, T0)
    return CaseStatus.from_domain(case, AGENCIES[agency], "en")


CASES = [_status("immigration", RFE, True), _status("courts", REMOVAL, False),
         _status("labor", PERM, False)]


def _deadline(kind: DeadlineKind, agency: str, number: str, due: date,
              state: DeadlineState = DeadlineState.RUNNING,
              party: DeadlineParty = DeadlineParty.APPLICANT) -> Deadline:
    return Deadline(kind, due, state, party, "source",
                    {"en": f"{kind.value} in words.", "es": f"{kind.value} en palabras."},
                    agency, number)


def _rows(items: list[ActionItem]) -> list[tuple[str, date | None, str | None, bool]]:
    return [(i.case.number, i.due, i.deadline.kind if i.deadline else None, i.from_status)
            for i in items]


def test_an_rfe_and_its_evidence_response_deadline_are_one_item() -> None:
    """Same case, same due day: the status's action carries the deadline's words."""
    rfe = ActionItem(CASES[0], date(2026, 8, 3))
    response = _deadline(DeadlineKind.EVIDENCE_RESPONSE, "immigration", RFE, date(2026, 8, 3))
    (item,) = actions_with_deadlines("en", [rfe], CASES, [response], AGENCIES)
    assert _rows([item]) == [(RFE, date(2026, 8, 3), "Response to a request for evidence",
                              True)]
    assert item.deadline is not None and item.deadline.basis == "EVIDENCE_RESPONSE in words."


def test_an_undated_action_takes_the_date_of_the_deadline_on_its_case() -> None:
    response = _deadline(DeadlineKind.EVIDENCE_RESPONSE, "immigration", RFE, date(2026, 8, 3))
    items = actions_with_deadlines("en", [ActionItem(CASES[0], None)], CASES, [response],
                                   AGENCIES)
    assert _rows(items) == [(RFE, date(2026, 8, 3), "Response to a request for evidence",
                             True)]


def test_running_deadlines_against_the_applicant_join_the_actions_soonest_first() -> None:
    """The BIA appeal window and the PERM validity for filing the I-140 run on cases whose
    status asks nothing: each is an item of its own, by due date among the status actions
    (an action with another due date on the same case stays apart); undated ones last."""
    actions = [ActionItem(CASES[0], date(2026, 8, 3)), ActionItem(CASES[0], None)]
    deadlines = [
        _deadline(DeadlineKind.PERM_VALIDITY, "labor", PERM, date(2026, 12, 28)),
        _deadline(DeadlineKind.BIA_APPEAL, "courts", REMOVAL, date(2026, 6, 1)),
        _deadline(DeadlineKind.VOLUNTARY_DEPARTURE, "courts", REMOVAL, date(2026, 9, 1)),
        _deadline(DeadlineKind.EVIDENCE_RESPONSE, "immigration", RFE, date(2026, 10, 1)),
    ]
    items = actions_with_deadlines("en", actions, CASES, deadlines, AGENCIES)
    assert _rows(items) == [
        (REMOVAL, date(2026, 6, 1), "Appeal to the Board of Immigration Appeals", False),
        (RFE, date(2026, 8, 3), None, True),
        (REMOVAL, date(2026, 9, 1), "Voluntary departure", False),
        (RFE, date(2026, 10, 1), "Response to a request for evidence", True),
        (PERM, date(2026, 12, 28), "Labor certification valid for filing the I-140", False)]


def test_deadlines_met_missed_or_on_an_agency_are_not_actions() -> None:
    deadlines = [
        _deadline(DeadlineKind.PERM_VALIDITY, "labor", PERM, date(2026, 6, 1),
                  DeadlineState.MET),
        _deadline(DeadlineKind.BIA_APPEAL, "courts", REMOVAL, date(2026, 6, 1),
                  DeadlineState.MISSED),
        _deadline(DeadlineKind.ASYLUM_ADJUDICATION, "courts", REMOVAL, date(2026, 6, 1),
                  party=DeadlineParty.AGENCY),
        # On a case that is not the person's: never shown.
        _deadline(DeadlineKind.BIA_APPEAL, "courts", "A999999999", date(2026, 6, 1)),
    ]
    assert actions_with_deadlines("en", [], CASES, deadlines, AGENCIES) == []


def test_the_same_deadline_given_twice_is_listed_once() -> None:
    appeal = _deadline(DeadlineKind.BIA_APPEAL, "courts", REMOVAL, date(2026, 6, 1))
    assert against_applicant([appeal, appeal]) == [appeal]
    assert len(actions_with_deadlines("en", [], CASES, [appeal, appeal], AGENCIES)) == 1


def test_a_deadline_item_is_worded_in_the_readers_language() -> None:
    appeal = _deadline(DeadlineKind.BIA_APPEAL, "courts", REMOVAL, date(2026, 6, 1))
    (item,) = actions_with_deadlines("es", [], CASES, [appeal], AGENCIES)
    assert item.deadline is not None
    assert item.deadline.kind == "Apelación ante la Junta de Apelaciones de Inmigración"
    assert item.deadline.basis == "BIA_APPEAL en palabras."
