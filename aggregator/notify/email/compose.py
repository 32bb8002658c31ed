"""Building the MIME message of an e-mail: plain-text and HTML parts, and the headers that
make it recognisable (Message-ID) and easy to stop (List-Unsubscribe, RFC 2369 and 8058).
Pure: no I/O."""

from __future__ import annotations

import uuid
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from aggregator.notify.email.render import Rendered

__all__ = ["compose", "message_id"]


def message_id(local: str, domain: str) -> str:
    """``<local@domain>``: for a notification, ``local`` is its id, so every attempt to
    deliver it carries the same Message-ID and a receiver can drop repeats."""
    return f"<{local}@{domain}>"


def compose(rendered: Rendered, *, sender: str, to: str, language: str, sent_at: datetime,
            msg_id: str | None = None, domain: str,
            unsubscribe: tuple[str, str] | None = None) -> EmailMessage:
    """The message: ``rendered``'s subject and parts from ``sender`` to ``to``.
    ``unsubscribe``: (one-click https URL, ``mailto:`` URI) for the List-Unsubscribe
    headers; ``msg_id``: None for a fresh one."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = rendered.subject
    mail["Date"] = format_datetime(sent_at)
    mail["Message-ID"] = msg_id or message_id(uuid.uuid4().hex, domain)
    # RFC 3834: machines should not answer it (no vacation replies to a notification).
    mail["Auto-Submitted"] = "auto-generated"
    if unsubscribe is not None:
        url, mailto = unsubscribe
        mail["List-Unsubscribe"] = f"<{url}>, <{mailto}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(rendered.text)
    mail.add_alternative(rendered.html, subtype="html")
    # After the parts: set_content drops the Content-* headers it finds (this one too).
    mail["Content-Language"] = language
    return mail
