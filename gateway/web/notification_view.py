"""Notifications as the pages show them: the API's own ``Notification`` view (same title,
language and masking) with where each one leads, and the JSON a live update carries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from aggregator.consent.policy import Principal
from aggregator.consent.vocabulary import Role
from aggregator.notify.model import Notification as Told
from aggregator.notify.model import Released
from aggregator.service import CaselineService
from gateway.auth import SignedIn
from gateway.schema.notifications import Notification, NumberMasks, agency_info
from gateway.web.localized import moment

__all__ = ["NotificationItem", "case_link", "items", "live_item"]


@dataclass(frozen=True, slots=True)
class NotificationItem:
    """One line of the list: the notification, the page of its case and its time as the
    reader's language writes it."""

    shown: Notification
    href: str
    when: str

    def as_json(self, unread: int) -> dict[str, object]:
        """What a live update sends the page's script (``unread``: the count now)."""
        shown = self.shown
        return {"id": str(shown.id), "at": shown.at.isoformat(), "when": self.when,
                "agency": shown.agency.name, "caseNumber": shown.case_number,
                "title": shown.title, "actionRequired": shown.action_required,
                "href": self.href, "unread": unread}


def case_link(who: SignedIn, told: Told) -> str:
    """Where the case is seen: one's own on /me (that agency's events), a client's on their
    page."""
    if told.subject_id == who.subject and who.role == Role.APPLICANT:
        return f"/me?agency={quote(told.agency_id, safe='')}#events"
    return f"/clients/{quote(told.subject_id, safe='')}"


def items(service: CaselineService, who: SignedIn, told: Sequence[Told],
          language: str) -> list[NotificationItem]:
    """``told`` as list lines in ``language``, numbers masked as the API masks them."""
    masks = NumberMasks(service.store, service.agencies, Principal(who.subject, who.role),
                        service.consents.now())
    return [NotificationItem(
        Notification.from_domain(n, agency_info(service.agencies, n.agency_id), language,
                                 masked=masks.masked(n)), case_link(who, n),
        moment(language, n.occurred_at)) for n in told]


def live_item(service: CaselineService, who: SignedIn, released: Released,
              language: str) -> NotificationItem:
    """A live update in the page's ``language``, as released at delivery."""
    told = released.notification
    return NotificationItem(
        Notification.from_release(released, agency_info(service.agencies, told.agency_id),
                                  language), case_link(who, told),
        moment(language, told.occurred_at))
