"""Which alerts are due: deadline windows, states and parties, the inquiry date once, only
cases the subject holds; ids and plans."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from aggregator.notify.alerts import Alert, SubjectFacts, alert_id, due_alerts, plan_alert
from aggregator.notify.model import AlertDetails, ChannelKind, NotificationKind, Preferences
from aggregator.processing.model import (
    Deadline,
    DeadlineKind,
    DeadlineParty,
    DeadlineState,
    Estimate,
)

TODAY = date(2026, 12, 2)
PERM = ("labor", "P-100")
HELD = {PERM, ("immigration", "IOE1")}


def deadline(days: int, *, state: DeadlineState = DeadlineState.RUNNING,
             party: DeadlineParty = DeadlineParty.APPLICANT,
             case: tuple[str, str] = PERM) -> Deadline:
    return Deadline(DeadlineKind.PERM_VALIDITY, TODAY + timedelta(days=days), state, party,
                    "20 CFR 656.30(b)(1)", {"en": "PERM valid 180 days"}, case[0], case[1])


def estimate(outside: bool, inquiry: date | None = TODAY - timedelta(days=3)) -> Estimate:
    return Estimate(None, None, inquiry, outside, {"en": "figures"})


def kinds(*deadlines: Deadline) -> list[NotificationKind]:
    return [a.kind for a in due_alerts(SubjectFacts(deadlines), TODAY, held=HELD)]


@pytest.mark.parametrize(("days", "expected"), [
    (31, []), (30, [NotificationKind.DEADLINE_30]), (29, [NotificationKind.DEADLINE_30]),
    (8, [NotificationKind.DEADLINE_30]), (7, [NotificationKind.DEADLINE_7]),
    (1, [NotificationKind.DEADLINE_7]), (0, [NotificationKind.DEADLINE_7]), (-1, [])])
def test_a_running_applicant_deadline_alerts_30_then_7_days_ahead(
        days: int, expected: list[NotificationKind]) -> None:
    assert kinds(deadline(days)) == expected


@pytest.mark.parametrize("state", [DeadlineState.MET, DeadlineState.MISSED])
def test_met_and_missed_deadlines_alert_no_one(state: DeadlineState) -> None:
    assert kinds(deadline(5, state=state), deadline(30, state=state)) == []


@pytest.mark.parametrize("state", [DeadlineState.RUNNING, DeadlineState.MET])
def test_a_deadline_running_for_the_agency_or_met_by_it_is_no_alert(
        state: DeadlineState) -> None:
    assert kinds(deadline(5, party=DeadlineParty.AGENCY, state=state)) == []


N400 = ("immigration", "IOE1")


def n400_missed(late_on: date | None = None) -> Deadline:
    return Deadline(DeadlineKind.N400_HEARING, TODAY - timedelta(days=2), DeadlineState.MISSED,
                    DeadlineParty.AGENCY, "8 U.S.C. 1447(b)", {"en": "120 days"}, *N400,
                    late_on=late_on)


def test_a_deadline_the_agency_missed_alerts_once_with_its_kind_due_and_source() -> None:
    """8 U.S.C. 1447(b): 120 days after the interview without a decision, the applicant may
    go to a district court: told once, as the other alerts are."""
    [alert] = due_alerts(SubjectFacts((n400_missed(), n400_missed())), TODAY, held=HELD)
    assert (alert.kind, alert.agency_id, alert.case_number) == (
        NotificationKind.AGENCY_MISSED, *N400)
    assert alert.details == AlertDetails(TODAY - timedelta(days=2), "N400_HEARING",
                                         "8 U.S.C. 1447(b)")
    assert due_alerts(SubjectFacts((n400_missed(),)), TODAY, held=HELD,
                      sent={(*N400, alert.key)}) == []
    # Days later the same deadline is the same alert (its key has no date of today).
    later = due_alerts(SubjectFacts((n400_missed(),)), TODAY + timedelta(days=9), held=HELD)
    assert [a.key for a in later] == [alert.key]


@pytest.mark.parametrize(("days_past", "told"), [(0, False), (1, True), (30, True),
                                                 (31, False)])
def test_an_agencys_missed_deadline_is_told_within_30_days_of_passing(
        days_past: int, told: bool) -> None:
    """When it passes: a deadline that lapsed long before Caseline looked (ana's asylum
    clock in the demo) is shown MISSED on the page, not told as news."""
    missed = replace(n400_missed(), due=TODAY - timedelta(days=days_past))
    assert kinds(missed) == ([NotificationKind.AGENCY_MISSED] if told else [])


def test_a_deadline_the_agency_met_late_is_no_alert() -> None:
    """Once the agency took its step, even late, there is nothing left to act on."""
    assert kinds(n400_missed(late_on=TODAY - timedelta(days=1))) == []


def test_the_alert_carries_the_deadline_its_due_date_and_source() -> None:
    [alert] = due_alerts(SubjectFacts((deadline(30),)), TODAY, held=HELD)
    assert (alert.agency_id, alert.case_number, alert.action_required) == (*PERM, True)
    assert alert.details == AlertDetails(TODAY + timedelta(days=30), "PERM_VALIDITY",
                                         "20 CFR 656.30(b)(1)")
    assert alert.key == f"alert:deadline_30:PERM_VALIDITY:{TODAY + timedelta(days=30)}"


def test_a_deadline_on_a_case_the_subject_does_not_hold_is_no_alert() -> None:
    assert kinds(deadline(5, case=("labor", "SOMEONE-ELSES"))) == []


def test_the_same_deadline_twice_is_one_alert() -> None:
    """A journey's deadline and its case's are the same deadline."""
    assert kinds(deadline(5), deadline(5)) == [NotificationKind.DEADLINE_7]


def test_an_alert_already_sent_is_not_due_again() -> None:
    [alert] = due_alerts(SubjectFacts((deadline(20),)), TODAY, held=HELD)
    sent = {(*PERM, alert.key)}
    assert due_alerts(SubjectFacts((deadline(20),)), TODAY, held=HELD, sent=sent) == []
    # Its 7-day alert is another alert.
    assert [a.kind for a in due_alerts(SubjectFacts((deadline(7),)), TODAY, held=HELD,
                                       sent=sent)] == [NotificationKind.DEADLINE_7]


def test_a_case_outside_normal_alerts_its_inquiry_date_once() -> None:
    """Once per case, even when new figures move the inquiry date on."""
    case = ("immigration", "IOE1")
    facts = SubjectFacts(estimates={case: estimate(True)})
    [alert] = due_alerts(facts, TODAY, held=HELD)
    assert (alert.kind, alert.details.due, alert.action_required) == (
        NotificationKind.INQUIRY_DATE, TODAY - timedelta(days=3), False)
    moved = SubjectFacts(estimates={case: estimate(True, TODAY - timedelta(days=1))})
    assert due_alerts(moved, TODAY, held=HELD, sent={(*case, alert.key)}) == []


def test_a_case_within_normal_time_or_without_figures_is_no_alert() -> None:
    facts = SubjectFacts(estimates={("immigration", "IOE1"): estimate(False),
                                    PERM: estimate(True, None)})
    assert due_alerts(facts, TODAY, held=HELD) == []


def _alert() -> Alert:
    return Alert(NotificationKind.DEADLINE_7, *PERM, AlertDetails(TODAY, "BIA_APPEAL", "x"),
                 True)


def test_alert_ids_are_stable_per_recipient_and_differ_between_them() -> None:
    alert = _alert()
    assert alert_id("ana", alert, "ana") == alert_id("ana", alert, "ana")
    assert len({alert_id("ana", alert, "ana"), alert_id("ana", alert, "lee"),
                alert_id("bo", alert, "ana")}) == 3
    assert "P-100" not in alert_id("ana", alert, "ana")


def test_a_plan_has_in_app_always_and_wanted_channels_with_targets() -> None:
    now = datetime(2026, 12, 2, 9, tzinfo=UTC)
    wants = {"ana": Preferences(frozenset({ChannelKind.IN_APP, ChannelKind.EMAIL})),
             "lee": Preferences()}
    planned = plan_alert(_alert(), "ana", ["ana", "lee"], now,
                         preferences_of=wants.__getitem__,
                         targets_of={ChannelKind.EMAIL: lambda r: [f"mail-{r}"]})
    assert [[(d.channel, d.target) for d in p.deliveries] for p in planned] == [
        [(ChannelKind.IN_APP, "ana"), (ChannelKind.EMAIL, "mail-ana")],
        [(ChannelKind.IN_APP, "lee")]]
    told = planned[0].notification
    assert (told.kind, told.alert, told.subject_id, told.case_number, told.occurred_at) == (
        NotificationKind.DEADLINE_7, _alert().details, "ana", "P-100", now)
    assert told.id == alert_id("ana", _alert(), "ana")
