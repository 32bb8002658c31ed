"""Notifications as the API and the pages show them: the GraphQL ``Notification`` type, the
case number masked as on a timeline, the title in the language asked for."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TypeAlias

import strawberry

from aggregator.consent.policy import Principal, decide
from aggregator.model import AgencyInfo
from aggregator.notify.alert_texts import alert_title
from aggregator.notify.model import Notification as Told
from aggregator.notify.model import NotificationKind as _NotificationKind
from aggregator.notify.model import Released
from aggregator.ports import StorePort
from caseline.v1.lib.masking import mask_number
from caseline.v1.lib.scopes import Scope
from gateway.messages import message
from gateway.schema.enums import Milestone, StatusCategory, category, milestone
from gateway.schema.types import Agency

__all__ = ["MAX_IDS", "MAX_PAGE", "Notification", "NotificationKind", "NumberMasks",
           "agency_info", "notification_title"]

# One page of the list, and the ids one markNotificationsRead takes: enough for any screen,
# small enough that a request cannot make the inbox do unbounded work.
MAX_PAGE = 100
MAX_IDS = 100

strawberry.enum(_NotificationKind, name="NotificationKind",
                description="What a notification tells: CHANGE (the agency changed the "
                            "case's status), DEADLINE_30 and DEADLINE_7 (a legal deadline "
                            "against the applicant falls due within 30 or 7 days), "
                            "AGENCY_MISSED (a deadline the agency had to meet passed without "
                            "its step), "
                            "INQUIRY_DATE (the case is past its inquiry date: the agency "
                            "may now be asked about it).")
NotificationKind: TypeAlias = _NotificationKind


def agency_info(agencies: Mapping[str, AgencyInfo], agency_id: str) -> AgencyInfo:
    """The configured agency; an agency no longer configured keeps its id as its name and
    its numbers masked (nothing says they do not identify the person)."""
    return agencies.get(agency_id) or AgencyInfo(agency_id, agency_id, agency_id,
                                                 Scope.IDENTITY)


def notification_title(told: Told, agency: AgencyInfo, language: str) -> str:
    """The mapped title in ``language``, else in English, else (an unmapped code) words that
    say only that the case changed; an alert's title from its details."""
    if told.alert is not None:
        return alert_title(told, language, agency.display_name(language))
    title = told.titles.get(language) or told.titles.get("en")
    return title or message(language, "Your case at {agency} changed",
                            agency=agency.display_name(language))


class NumberMasks:
    """Whether a recipient sees a notification's case number whole: their own cases always;
    another's when a consent covers the agency's number scope now, as on a timeline read
    (a revoked consent leaves the number masked). Decided once per subject and agency."""

    def __init__(self, store: StorePort, agencies: Mapping[str, AgencyInfo],
                 reader: Principal, now: datetime) -> None:
        self._store = store
        self._agencies = agencies
        self._reader = reader
        self._now = now
        self._known: dict[tuple[str, str], bool] = {}

    def masked(self, told: Told) -> bool:
        """True when ``told``'s case number must be shown masked to the reader."""
        if told.subject_id == self._reader.id:
            return False
        key = (told.subject_id, told.agency_id)
        known = self._known.get(key)
        if known is None:
            scope = agency_info(self._agencies, told.agency_id).number_scope
            decision = decide(self._reader, told.subject_id, told.agency_id, scope, self._now,
                              self._store.consents_granted_by(told.subject_id), ())
            known = self._known[key] = not decision.allowed
        return known


@strawberry.type(description="A change to a case, or an alert about it (a legal deadline "
                             "coming due, the case past its inquiry date), told to you: one "
                             "of your own cases, or a client's that a consent lets you "
                             "follow. Newest first in `viewer.notifications`.")
class Notification:
    id: strawberry.ID = strawberry.field(description="Stable: the same change told to you "
                                                     "again has the same id.")
    at: datetime = strawberry.field(description="When the change happened at the agency (an "
                                                "alert: when it was raised).")
    read: bool = strawberry.field(description="Whether you marked it read.")
    agency: Agency
    subject: strawberry.ID = strawberry.field(description="Whose case: your own account id, or "
                                                          "your client's.")
    case_number: str = strawberry.field(description="Masked (A•••••1234) when the number "
                                                    "identifies the person and your consent "
                                                    "lacks IDENTITY.")
    title: str = strawberry.field(description="The new status, or what the alert says, in "
                                              "the language asked for.")
    category: StatusCategory | None
    milestone: Milestone | None
    action_required: bool
    kind: NotificationKind = strawberry.field(description="A change, or an alert Caseline "
                                                          "raised itself.")
    due_date: date | None = strawberry.field(description="For an alert: the deadline's last "
                                                         "day, or the inquiry date. Null for a "
                                                         "change.")

    @classmethod
    def from_domain(cls, told: Told, agency: AgencyInfo, language: str, *,
                    masked: bool) -> Notification:
        """``told`` in ``language``, its case number masked when ``masked``."""
        return cls(id=strawberry.ID(told.id), at=told.occurred_at, read=told.read,
                   agency=Agency.from_domain(agency, language),
                   subject=strawberry.ID(told.subject_id),
                   case_number=mask_number(told.case_number) if masked else told.case_number,
                   title=notification_title(told, agency, language),
                   category=category(told.category), milestone=milestone(told.milestone),
                   action_required=told.action_required, kind=told.kind,
                   due_date=None if told.alert is None else told.alert.due)

    @classmethod
    def from_release(cls, released: Released, agency: AgencyInfo,
                     language: str | None) -> Notification:
        """A live update: as released at delivery (its case number masked or not as decided
        then), in ``language`` when asked for, else in the language it was released in."""
        told = released.notification
        chosen = language or released.language
        title = (released.title if chosen == released.language and released.title
                 else notification_title(told, agency, chosen))
        return cls(id=strawberry.ID(told.id), at=told.occurred_at, read=told.read,
                   agency=Agency.from_domain(agency, chosen),
                   subject=strawberry.ID(told.subject_id),
                   case_number=(released.case_number if released.case_number is not None
                                else released.shown_number),
                   title=title, category=category(told.category),
                   milestone=milestone(told.milestone),
                   action_required=told.action_required, kind=told.kind,
                   due_date=None if told.alert is None else told.alert.due)
