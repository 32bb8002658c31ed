"""The e-mail channel (``aggregator.notify.ports.Channel``): a released notification as an
e-mail to the recipient's verified address, in their language, saying only that a case at an
agency changed (or, for an alert, needs attention) unless they opted in to details."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from urllib.parse import quote

from aggregator.notify.email.addresses import EmailAddresses
from aggregator.notify.email.compose import compose, message_id
from aggregator.notify.email.links import LinkSigner
from aggregator.notify.email.render import AlertMail, ChangeMail, render_alert, render_change
from aggregator.notify.email.settings import EmailSettings
from aggregator.notify.email.smtp import send
from aggregator.notify.model import ChannelKind, Delivery, DeliveryError, Released
from aggregator.notify.ports import PreferenceStore

__all__ = ["EmailChannel", "unsubscribe_links"]


def unsubscribe_links(settings: EmailSettings, token: str) -> tuple[str, str]:
    """The one-click unsubscribe URL and the ``mailto:`` alternative for ``token``."""
    url = settings.url(f"/me/email/unsubscribe?token={quote(token, safe='')}")
    mailto = f"mailto:{settings.unsubscribe_mailto}?subject=unsubscribe%20{quote(token, safe='')}"
    return url, mailto


class EmailChannel:
    """Finds a recipient's verified address; sends one notification to it over SMTP."""

    kind = ChannelKind.EMAIL

    def __init__(self, addresses: EmailAddresses, links: LinkSigner,
                 preferences: PreferenceStore, settings: EmailSettings,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._addresses = addresses
        self._links = links
        self._preferences = preferences
        self._settings = settings
        self._clock = clock

    def targets(self, recipient_id: str) -> Sequence[str]:
        """The recipient's address id when it is verified and not unsubscribed."""
        return self._addresses.targets(recipient_id)

    async def deliver(self, message: Released, delivery: Delivery) -> None:
        """Send ``message`` to the address ``delivery.target`` names, with the notification
        id as Message-ID on every attempt; DeliveryError when the server did not take it
        (permanent when it refused for good, or the address is gone)."""
        mail, address = await asyncio.to_thread(self.compose, message, delivery)
        await send(mail, envelope_sender=self._settings.envelope_sender, recipient=address,
                   smtp=self._settings.smtp)

    def compose(self, message: Released, delivery: Delivery) -> tuple[EmailMessage, str]:
        """The e-mail for ``message`` and the address it goes to (reads the store)."""
        recipient = message.notification.recipient_id
        # Checked again at delivery time: an unsubscribe or a changed address since the
        # change was matched means nothing is sent (RFC 8058 asks for a prompt stop).
        found = self._addresses.recipient(delivery.target)
        if found is None or found[0] != recipient:
            raise DeliveryError(f"the address {delivery.target} is no longer a usable "
                                f"address of the recipient (changed, unsubscribed or not "
                                f"verified): not sent", permanent=True)
        address = found[1]
        if address is None:
            raise DeliveryError("the recipient's address no longer opens (their data was "
                                "erased)", permanent=True)
        details = self._preferences.preferences(recipient).email_details
        # The subject reads their own timeline; a grantee finds the case among clients.
        page = "/me" if recipient == message.notification.subject_id else "/clients"
        url, mailto = unsubscribe_links(self._settings,
                                        self._links.unsubscribe_token(delivery.target))
        page_url, settings_url = self._settings.url(page), self._settings.url("/me/settings")
        number = message.shown_number if details else None
        title = message.title if details else None
        if message.notification.alert is not None:  # a deadline or inquiry-date alert
            rendered = render_alert(AlertMail(
                language=message.language, agency=message.agency_name, page_url=page_url,
                unsubscribe_url=url, settings_url=settings_url, case_number=number,
                title=title))
        else:
            rendered = render_change(ChangeMail(
                language=message.language, agency=message.agency_name, page_url=page_url,
                unsubscribe_url=url, settings_url=settings_url, case_number=number,
                title=title, action_required=details and message.notification.action_required,
                due_date=message.due_date if details else None))
        mail = compose(rendered, sender=self._settings.sender, to=address,
                       language=message.language, sent_at=self._clock(),
                       msg_id=message_id(message.id, self._settings.message_id_domain),
                       domain=self._settings.message_id_domain, unsubscribe=(url, mailto))
        return mail, address
