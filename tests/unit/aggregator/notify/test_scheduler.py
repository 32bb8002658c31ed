"""The alert scheduler over a SQLite store, through the notification core: idempotent
rounds, consent and scope for grantees, delivery in-app with its title and as an access."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from aggregator.consent.records import ConsentRecord
from aggregator.consent.vocabulary import ConsentState, Purpose, Role
from aggregator.model import AgencyInfo
from aggregator.notify.alerts import SubjectFacts, due_alerts, plan_alert
from aggregator.notify.model import NotificationKind, Preferences, StatusChange
from aggregator.notify.runtime import Notifications, NotifySettings, build_notifications
from aggregator.notify.scheduler import AlertPolicy, AlertScheduler
from aggregator.notify.tables import deliveries, notifications
from aggregator.processing.model import (
    Deadline,
    DeadlineKind,
    DeadlineParty,
    DeadlineState,
    Estimate,
)
from aggregator.store import Store
from caseline.v1.lib.scopes import Scope
from support.fakes import FakeLedger, FixedClock, file_store

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
TODAY = T0.date()
PERM = "P-100"
RECEIPT = "IOE0990000001"
AGENCIES = {"labor": AgencyInfo("labor", "DOL", "DOL"),
            "immigration": AgencyInfo("immigration", "USCIS", "USCIS")}


class Facts:
    """Fake AlertFacts: fixed facts per subject, a failure for some, calls counted."""

    def __init__(self) -> None:
        self.by_subject: dict[str, SubjectFacts] = {}
        self.failing: set[str] = set()
        self.asked: list[tuple[str, date]] = []

    async def facts(self, subject_id: str, today: date) -> SubjectFacts:
        self.asked.append((subject_id, today))
        if subject_id in self.failing:
            raise RuntimeError("the agency did not answer")
        return self.by_subject.get(subject_id, SubjectFacts())


@dataclasses.dataclass
class World:
    store: Store
    ledger: FakeLedger
    clock: FixedClock
    facts: Facts
    parts: Notifications

    @property
    def scheduler(self) -> AlertScheduler:
        assert self.parts.alerts is not None
        return self.parts.alerts

    def consent(self, scopes: tuple[Scope, ...], state: ConsentState = ConsentState.ACTIVE,
                version: int = 1, grantee: str = "lee") -> None:
        self.store.add_consent_version(ConsentRecord(
            id=f"c-{grantee}", version=version, subject_id="ana", grantee_id=grantee,
            agencies=("labor", "immigration"), scopes=scopes,
            purpose_code=Purpose.LEGAL_REPRESENTATION, purpose_text="lawyer",
            valid_from=T0 - timedelta(days=1), valid_until=T0 + timedelta(days=90),
            state=state, created_at=self.clock()))

    def rows(self) -> list[tuple[str, str]]:
        with self.parts.outbox.engine.connect() as conn:
            return sorted((r.recipient_id, r.kind) for r in conn.execute(
                select(notifications.c.recipient_id, notifications.c.kind)))

    async def drain(self) -> int:
        deliverer = self.parts.notifier.deliverer
        assert deliverer is not None
        return await deliverer.drain_once()


def perm_deadline(days: int) -> Deadline:
    return Deadline(DeadlineKind.PERM_VALIDITY, TODAY + timedelta(days=days),
                    DeadlineState.RUNNING, DeadlineParty.APPLICANT, "20 CFR 656.30(b)(1)",
                    {"en": "valid 180 days"}, "labor", PERM)


@pytest.fixture
def world(tmp_path: Path) -> World:
    store = file_store(tmp_path)
    for who, role in (("ana", Role.APPLICANT), ("lee", Role.REPRESENTATIVE),
                      ("kim", Role.REPRESENTATIVE)):
        store.ensure_account(who, role)
    store.add_link("ana", "labor", PERM)
    store.add_link("ana", "immigration", RECEIPT)
    ledger, clock, facts = FakeLedger(), FixedClock(T0), Facts()
    facts.by_subject["ana"] = SubjectFacts(
        (perm_deadline(30),),
        {("immigration", RECEIPT): Estimate(None, None, TODAY - timedelta(days=2), True,
                                            {"en": "figures"})})
    parts = build_notifications(store, b"k" * 32, ledger, lambda s: f"p_{s}", AGENCIES, {},
                                clock, settings=NotifySettings(alerts=AlertPolicy(0.05)),
                                facts=facts)
    return World(store, ledger, clock, facts, parts)


async def test_a_round_twice_writes_each_alert_once(world: World) -> None:
    """Two rounds (a rerun, a second replica): one notification per alert."""
    assert await world.scheduler.run_once() == 2
    assert await world.scheduler.run_once() == 0
    assert world.rows() == [("ana", "deadline_30"), ("ana", "inquiry_date")]
    assert world.facts.asked == [("ana", TODAY), ("ana", TODAY)]


async def test_a_second_replica_writing_the_same_alerts_adds_nothing(world: World) -> None:
    """Another replica's round, planned before this one's commit (past the 'already sent'
    check): the outbox's unique ids keep one row each, its deliveries too."""
    await world.scheduler.run_once()
    alerts = due_alerts(world.facts.by_subject["ana"], TODAY,
                        held={("labor", PERM), ("immigration", RECEIPT)})
    again = [p for alert in alerts for p in plan_alert(
        alert, "ana", ["ana"], T0, preferences_of=lambda _: Preferences(), targets_of={})]
    assert len(again) == 2
    assert world.parts.outbox.record_alerts(again, T0) == 0
    assert len(world.rows()) == 2
    assert await world.drain() == 2


async def test_the_7_day_alert_follows_the_30_day_one(world: World) -> None:
    await world.scheduler.run_once()
    world.clock.advance(timedelta(days=22))  # 8 days left: still the 30-day window
    assert await world.scheduler.run_once() == 0
    world.clock.advance(timedelta(days=1))  # the same deadline, 7 days left
    assert await world.scheduler.run_once() == 1
    assert ("ana", "deadline_7") in world.rows()


async def test_grantees_get_what_their_consent_covers(world: World) -> None:
    """lee (STATUS, DETAILS) gets both alerts; kim (STATUS only) the inquiry date but not
    the deadline, whose due date is a DETAILS field; a revoked consent gets nothing."""
    world.consent((Scope.STATUS, Scope.DETAILS))
    world.consent((Scope.STATUS,), grantee="kim")
    world.store.ensure_account("max", Role.REPRESENTATIVE)
    world.consent((Scope.STATUS, Scope.DETAILS), grantee="max")
    world.consent((Scope.STATUS, Scope.DETAILS), ConsentState.REVOKED, 2, grantee="max")
    await world.scheduler.run_once()
    assert world.rows() == [("ana", "deadline_30"), ("ana", "inquiry_date"),
                            ("kim", "inquiry_date"), ("lee", "deadline_30"),
                            ("lee", "inquiry_date")]


async def test_delivered_in_app_with_its_title_and_recorded_with_details(
        world: World) -> None:
    world.consent((Scope.STATUS, Scope.DETAILS))
    world.store.set_language("lee", "es")
    await world.scheduler.run_once()
    assert await world.drain() == 4
    inbox = world.parts.hub.inbox
    mine = {n.kind: n for n in inbox.page("ana", 10).items}
    deadline = mine[NotificationKind.DEADLINE_30]
    assert deadline.alert is not None and deadline.alert.due == TODAY + timedelta(days=30)
    assert deadline.case_number == PERM and deadline.action_required
    assert inbox.unread_count("lee") == 2
    access = sorted((e["actor"], tuple(e["scopes"])) for e in world.ledger.entries
                    if e["kind"] == "access")
    assert ("p_lee", ("DETAILS", "STATUS")) in access
    assert ("p_lee", ("STATUS",)) in access  # the inquiry date: status-level


async def test_a_grantee_whose_details_were_withdrawn_no_longer_sees_the_deadline(
        world: World) -> None:
    world.consent((Scope.STATUS, Scope.DETAILS))
    await world.scheduler.run_once()
    await world.drain()
    world.consent((Scope.STATUS,), version=2)
    kinds = [n.kind for n in world.parts.hub.inbox.page("lee", 10).items]
    assert kinds == [NotificationKind.INQUIRY_DATE]
    assert world.parts.hub.inbox.unread_count("lee") == 1


async def test_one_subjects_failing_facts_do_not_stop_the_round(world: World) -> None:
    world.store.ensure_account("bo", Role.APPLICANT)
    world.store.add_link("bo", "labor", "P-200")
    world.facts.failing.add("ana")
    world.facts.by_subject["bo"] = SubjectFacts((dataclasses.replace(
        perm_deadline(3), case_number="P-200"),))
    assert await world.scheduler.run_once() == 1
    assert world.rows() == [("bo", "deadline_7")]


async def test_an_erased_subject_is_not_asked_about(world: World) -> None:
    world.store.mark_erased("ana", T0)
    assert await world.scheduler.run_once() == 0
    assert world.facts.asked == []


async def test_changes_read_back_as_changes_beside_alerts(world: World) -> None:
    change = StatusChange("labor", "1", PERM, "e1", T0, "ACTIVE", "UNDER_REVIEW", False,
                          "X", {"en": "Under review"})
    assert world.parts.matcher.record(change) == 1
    await world.scheduler.run_once()
    await world.drain()
    items = world.parts.hub.inbox.page("ana", 10).items
    [told] = [n for n in items if n.kind == NotificationKind.CHANGE]
    assert (told.alert, told.titles, told.milestone) == (None, {"en": "Under review"},
                                                          "UNDER_REVIEW")


async def test_the_runtime_runs_rounds_until_stopped(world: World) -> None:
    notifier = world.parts.notifier
    await notifier.start()
    try:
        for _ in range(100):
            if len(world.facts.asked) >= 2:
                break
            await asyncio.sleep(0.02)
    finally:
        await notifier.stop()
    assert len(world.facts.asked) >= 2  # every 0.05 s
    assert len(world.rows()) == 2


def test_the_period_is_checked() -> None:
    with pytest.raises(ValueError, match="every_s"):
        AlertPolicy(0)


def test_the_concurrency_is_checked() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        AlertPolicy(concurrency=0)


async def test_details_withdrawn_before_delivery_skip_the_grantees_deadline(
        world: World) -> None:
    """Decided again at delivery: lee's consent narrowed to STATUS after the round, his
    deadline alert is SKIPPED (not sent masked), his inquiry-date alert delivered."""
    world.consent((Scope.STATUS, Scope.DETAILS))
    await world.scheduler.run_once()
    world.consent((Scope.STATUS,), version=2)
    await world.drain()
    with world.parts.outbox.engine.connect() as conn:
        states = sorted((r.kind, r.state) for r in conn.execute(
            select(notifications.c.kind, deliveries.c.state).join(
                deliveries, deliveries.c.notification_id == notifications.c.id).where(
                notifications.c.recipient_id == "lee")))
    assert states == [("deadline_30", "skipped"), ("inquiry_date", "delivered")]


async def test_a_deadline_the_agency_missed_goes_through_the_pipeline_once(
        world: World) -> None:
    """8 U.S.C. 1447(b): USCIS let the N-400's 120 days pass: one AGENCY_MISSED alert per
    recipient, written once across rounds, delivered in-app with its words, and only to a
    grantee with DETAILS (its due date is case data)."""
    missed = Deadline(DeadlineKind.N400_HEARING, TODAY - timedelta(days=3),
                      DeadlineState.MISSED, DeadlineParty.AGENCY, "8 U.S.C. 1447(b)",
                      {"en": "120 days"}, "immigration", RECEIPT)
    world.facts.by_subject["ana"] = SubjectFacts((missed,))
    world.consent((Scope.STATUS, Scope.DETAILS))
    world.consent((Scope.STATUS,), grantee="kim")
    assert await world.scheduler.run_once() == 2  # ana and lee; kim has no DETAILS
    world.clock.advance(timedelta(days=5))
    assert await world.scheduler.run_once() == 0
    assert world.rows() == [("ana", "agency_missed"), ("lee", "agency_missed")]
    assert await world.drain() == 2
    [told] = world.parts.hub.inbox.page("ana", 10).items
    assert told.kind is NotificationKind.AGENCY_MISSED and not told.action_required
    assert told.alert is not None and told.alert.deadline == "N400_HEARING"
