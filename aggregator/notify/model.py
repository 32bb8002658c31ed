"""Notifications as plain data: a change an agency streamed, the notification one recipient
gets for it, and one channel's attempt to deliver it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

__all__ = ["AlertDetails", "ChannelKind", "Delivery", "DeliveryError", "DeliveryState",
           "Notification", "NotificationKind", "NotificationPage", "Preferences", "Released",
           "StatusChange", "notification_id"]


class ChannelKind(StrEnum):
    """How a notification reaches its recipient."""

    IN_APP = "in_app"
    WEBHOOK = "webhook"
    EMAIL = "email"


class DeliveryState(StrEnum):
    """Where one delivery stands; PENDING ones are retried until DELIVERED or DEAD."""

    PENDING = "pending"
    DELIVERED = "delivered"
    # Retries spent (or a permanent refusal): an operator sees it and may replay it.
    DEAD = "dead"
    # Not sent, by decision at delivery time: the consent no longer covers it, the person
    # turned the channel off, the address is not verified. Never retried.
    SKIPPED = "skipped"


class NotificationKind(StrEnum):
    """What a notification tells: an agency's change, or an alert Caseline raises itself
    (a legal deadline 30 or 7 days away, a deadline an agency let pass, a case past its
    inquiry date)."""

    CHANGE = "change"
    DEADLINE_30 = "deadline_30"
    DEADLINE_7 = "deadline_7"
    INQUIRY_DATE = "inquiry_date"
    # A deadline the agency had to meet passed without its step (N-400 120 days after the
    # interview: the applicant may now go to a district court).
    AGENCY_MISSED = "agency_missed"

    @property
    def is_deadline(self) -> bool:
        """A deadline alert (its due date is case data at DETAILS)."""
        return self in (NotificationKind.DEADLINE_30, NotificationKind.DEADLINE_7,
                        NotificationKind.AGENCY_MISSED)


@dataclass(frozen=True, slots=True)
class AlertDetails:
    """What an alert is about: the deadline's due date, kind (a DeadlineKind value) and
    legal source; for an inquiry-date alert the inquiry date (``deadline`` and ``source``
    empty). Sealed at rest like the case number: the due date is case data."""

    due: date
    deadline: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One change from an agency's stream (``WatchChanges``): status level only, as the
    stream carries no consent token (category, milestone, mapped titles; no DETAILS)."""

    agency_id: str
    cursor: str
    case_number: str
    event_id: str
    occurred_at: datetime
    category: str  # StatusCategory name without its prefix: "ACTIVE"; "UNSPECIFIED" unmapped
    milestone: str  # Milestone name without its prefix: "EVIDENCE_REQUESTED"
    action_required: bool
    agency_code: str
    # Mapped title per language ("en", "es"); empty when the code is not in the table.
    titles: Mapping[str, str] = field(default_factory=dict)


def notification_id(agency_id: str, event_id: str, case_number: str, recipient_id: str) -> str:
    """Deterministic id: the same change told to the same person is the same notification,
    however often the stream or the matcher repeats it (the outbox ignores a second insert).
    Hashed, so the id names neither the case nor the person."""
    digest = hashlib.sha256("\x1f".join(
        ("caseline-notification-v1", agency_id, case_number, event_id, recipient_id)
    ).encode()).hexdigest()
    return digest[:32]


@dataclass(frozen=True, slots=True)
class Notification:
    """A change as told to one recipient: the subject themselves or a grantee whose consent
    covered the agency when the change was matched. At rest the case number is sealed under
    the subject's data key (erasing the subject erases it); here it is open."""

    id: str
    recipient_id: str
    subject_id: str
    agency_id: str
    case_number: str
    event_id: str
    occurred_at: datetime
    created_at: datetime
    category: str
    milestone: str
    action_required: bool
    titles: Mapping[str, str] = field(default_factory=dict)
    read: bool = False
    # CHANGE for an agency's change; an alert kind carries its ``alert`` details.
    kind: NotificationKind = NotificationKind.CHANGE
    alert: AlertDetails | None = None


@dataclass(frozen=True, slots=True)
class Released:
    """A notification as released to its recipient at delivery time, in their language:
    what a channel may send. ``case_number`` is None when the recipient's consent lacks the
    scope the agency's numbers need (a courts A-number without IDENTITY); ``shown_number``
    is then the masked form."""

    notification: Notification
    language: str  # "en" | "es"
    agency_name: str
    title: str
    case_number: str | None
    shown_number: str
    due_date: date | None = None

    @property
    def id(self) -> str:
        """The notification id: receivers de-duplicate on it."""
        return self.notification.id


@dataclass(frozen=True, slots=True)
class Delivery:
    """One channel's delivery of one notification to one target (an e-mail address, a
    webhook endpoint; the recipient's inbox for in-app)."""

    id: str
    notification_id: str
    channel: ChannelKind
    target: str
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    last_error: str = ""
    delivered_at: datetime | None = None
    # When the ledger recorded this delivery as an access (None: not yet), as read.
    ledger_at: datetime | None = None


class DeliveryError(Exception):
    """A delivery attempt failed. ``permanent``: retrying cannot help (the receiver refused
    for good): the delivery goes DEAD at once instead of backing off."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class Preferences:
    """What one person wants to be told, and how. In-app is always on."""

    channels: frozenset[ChannelKind] = frozenset({ChannelKind.IN_APP})
    # None: every agency.
    agencies: frozenset[str] | None = None
    only_action_required: bool = False
    # E-mails say only that a case changed, unless the person opts in to details.
    email_details: bool = False

    def wants(self, channel: ChannelKind, agency_id: str, action_required: bool) -> bool:
        """Whether this change goes out on ``channel`` under these preferences."""
        if channel == ChannelKind.IN_APP:
            return True
        if channel not in self.channels:
            return False
        if self.agencies is not None and agency_id not in self.agencies:
            return False
        return action_required or not self.only_action_required


@dataclass(frozen=True, slots=True)
class NotificationPage:
    """One page of a recipient's in-app notifications, newest first."""

    items: tuple[Notification, ...]
    end_cursor: str | None
    has_next_page: bool
