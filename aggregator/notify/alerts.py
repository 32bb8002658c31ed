"""Alerts Caseline raises itself, beside agencies' changes: a legal deadline 30 and 7 days
before it falls due, a deadline an agency let pass, and a case once it is past its inquiry
date. What is due is decided
here, as plain functions over plain data; the facts come through ``AlertFacts`` (the
processing service computes them) and aggregator.notify.scheduler writes the outbox."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from aggregator.notify.matching import Planned, deliveries_for
from aggregator.notify.model import (
    AlertDetails,
    ChannelKind,
    Notification,
    NotificationKind,
    Preferences,
)
from aggregator.processing.model import Deadline, DeadlineParty, DeadlineState, Estimate

__all__ = ["AGENCY_MISSED_WINDOW", "DEADLINE_WINDOWS", "Alert", "AlertFacts", "SubjectFacts",
           "alert_id", "due_alerts", "plan_alert"]

# Days before the due date from which each deadline alert is due, nearest first: a
# deadline first seen 5 days ahead gets the 7-day alert only, not a late 30-day one too.
DEADLINE_WINDOWS: tuple[tuple[int, NotificationKind], ...] = (
    (7, NotificationKind.DEADLINE_7), (30, NotificationKind.DEADLINE_30))
# Days after an agency's due date within which its passing is told: news when it passes (a
# round missed, a case linked days later), not a deadline that lapsed long before Caseline
# looked (its page still shows it MISSED).
AGENCY_MISSED_WINDOW = 30


@dataclass(frozen=True, slots=True)
class SubjectFacts:
    """One person's facts as of a day: the legal deadlines on their cases and journeys
    (aggregator.processing.deadlines.deadlines_for) and the estimates of their open cases
    by (agency id, case number) (CaselineService.estimates_for)."""

    deadlines: tuple[Deadline, ...] = ()
    estimates: Mapping[tuple[str, str], Estimate] = field(default_factory=dict)


class AlertFacts(Protocol):
    """Where the scheduler gets a person's deadlines and estimates (wired by the
    composition root over the processing service)."""

    async def facts(self, subject_id: str, today: date) -> SubjectFacts:
        """``subject_id``'s deadlines and open cases' estimates as of ``today``."""
        ...


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert due for a subject's case."""

    kind: NotificationKind
    agency_id: str
    case_number: str
    details: AlertDetails
    action_required: bool

    @property
    def key(self) -> str:
        """What makes the alert itself, within its case (the event id it is stored under):
        a deadline's window, kind and due date; for the inquiry date nothing more, so a
        case is told once even when new figures move its inquiry date."""
        if self.kind == NotificationKind.INQUIRY_DATE:
            return f"alert:{self.kind.value}"
        return f"alert:{self.kind.value}:{self.details.deadline}:{self.details.due.isoformat()}"


def alert_id(subject_id: str, alert: Alert, recipient_id: str) -> str:
    """Deterministic id of an alert told to one recipient (subject, case, alert key): a
    rerun or a second replica raising it writes the same id, which the outbox keeps once.
    Hashed, so the id names neither the case nor the person."""
    return hashlib.sha256("\x1f".join((
        "caseline-alert-v1", subject_id, alert.agency_id, alert.case_number, alert.key,
        recipient_id)).encode()).hexdigest()[:32]


def _deadline_alert(deadline: Deadline, today: date) -> Alert | None:
    if deadline.party == DeadlineParty.AGENCY:
        # The agency's deadline passed without its step: the applicant may act on it (a
        # district court for an N-400). A step taken late (late_on) ended that: no alert.
        if deadline.state != DeadlineState.MISSED or deadline.late_on is not None:
            return None
        if not 0 < (today - deadline.due).days <= AGENCY_MISSED_WINDOW:
            return None
        return Alert(NotificationKind.AGENCY_MISSED, deadline.agency_id, deadline.case_number,
                     AlertDetails(deadline.due, str(deadline.kind), deadline.source),
                     action_required=False)
    if deadline.state != DeadlineState.RUNNING:
        return None
    left = (deadline.due - today).days
    if left < 0:  # past and still RUNNING: the facts are behind; nothing to warn of
        return None
    for days, kind in DEADLINE_WINDOWS:
        if left <= days:
            return Alert(kind, deadline.agency_id, deadline.case_number,
                         AlertDetails(deadline.due, str(deadline.kind), deadline.source),
                         action_required=True)
    return None


def due_alerts(facts: SubjectFacts, today: date, *, held: Collection[tuple[str, str]],
               sent: Collection[tuple[str, str, str]] = ()) -> list[Alert]:
    """The alerts due for one subject ``today``, each once, in a stable order:

    - a deadline RUNNING against the APPLICANT, ``due - today`` between 0 and 30 days:
      DEADLINE_7 within 7 days, else DEADLINE_30 (MET or MISSED ones against the applicant
      tell no one anything);
    - a deadline an AGENCY had to meet, MISSED and its step still not taken, its due date
      at most AGENCY_MISSED_WINDOW days ago: AGENCY_MISSED (once: its key is its kind and
      due date; RUNNING and MET ones tell nothing);
    - a case whose estimate says it is outside normal processing time: INQUIRY_DATE;

    only on cases the subject holds (``held``: (agency, number)), and not those already
    ``sent`` ((agency, number, Alert.key))."""
    found: dict[tuple[str, str, str], Alert] = {}
    held = set(held)
    done = set(sent)
    for deadline in facts.deadlines:
        alert = _deadline_alert(deadline, today)
        if alert is not None:
            found.setdefault((alert.agency_id, alert.case_number, alert.key), alert)
    for (agency_id, number), estimate in facts.estimates.items():
        if estimate.outside_normal and estimate.inquiry_from is not None:
            alert = Alert(NotificationKind.INQUIRY_DATE, agency_id, number,
                          AlertDetails(estimate.inquiry_from), action_required=False)
            found.setdefault((agency_id, number, alert.key), alert)
    return [alert for place, alert in sorted(found.items())
            if place[:2] in held and place not in done]


def plan_alert(alert: Alert, subject_id: str, recipients: Sequence[str], now: datetime, *,
               preferences_of: Callable[[str], Preferences],
               targets_of: Mapping[ChannelKind, Callable[[str], Sequence[str]]]
               ) -> list[Planned]:
    """A notification of ``alert`` per recipient (aggregator.notify.decisions
    .alert_recipients decides who) with its deliveries, as a change's are planned."""
    planned: list[Planned] = []
    for recipient in recipients:
        nid = alert_id(subject_id, alert, recipient)
        notification = Notification(
            id=nid, recipient_id=recipient, subject_id=subject_id, agency_id=alert.agency_id,
            case_number=alert.case_number, event_id=alert.key, occurred_at=now,
            created_at=now, category="", milestone="", action_required=alert.action_required,
            kind=alert.kind, alert=alert.details)
        planned.append(Planned(notification, deliveries_for(
            nid, recipient, alert.agency_id, alert.action_required,
            preferences_of=preferences_of, targets_of=targets_of)))
    return planned
