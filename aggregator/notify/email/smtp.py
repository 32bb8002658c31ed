"""Handing a message to the SMTP server (aiosmtplib), and what its answer means for a
delivery: a 4xx reply, a refused or dropped connection or a timeout may pass (retry later);
a 5xx reply will not (give up at once)."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage

import aiosmtplib

from aggregator.notify.email.settings import SmtpSettings
from aggregator.notify.model import DeliveryError

__all__ = ["WIRE_POLICY", "send", "wire_bytes"]

# Headers are folded only past RFC 5322's hard limit of 998 characters: the List-Unsubscribe
# URLs are single tokens longer than the usual 78, which the standard library would
# otherwise turn into RFC 2047 encoded-words no mail client reads as a URL. (aiosmtplib
# flattens with the 78-character policy, so the bytes are made here.) Bodies were encoded
# when the parts were set, at 76 characters a line.
WIRE_POLICY = email.policy.SMTP.clone(max_line_length=998)


def wire_bytes(mail: EmailMessage) -> bytes:
    """``mail`` as it goes over SMTP (CRLF line ends)."""
    return mail.as_bytes(policy=WIRE_POLICY)


async def send(mail: EmailMessage, *, envelope_sender: str, recipient: str,
               smtp: SmtpSettings) -> None:
    """Send ``mail`` to ``recipient``; DeliveryError (``permanent`` for a 5xx reply)
    when the server did not take it."""
    try:
        await aiosmtplib.send(
            wire_bytes(mail), sender=envelope_sender, recipients=[recipient], hostname=smtp.host,
            port=smtp.port, username=smtp.username, password=smtp.password,
            start_tls=smtp.starttls, use_tls=False, timeout=smtp.timeout_s)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [refused.code for refused in exc.recipients]
        raise _by_code(min(codes, default=0), "the SMTP server refused the recipient: "
                       + "; ".join(f"{r.code} {r.message}" for r in exc.recipients)) from exc
    except aiosmtplib.SMTPResponseException as exc:
        raise _by_code(exc.code, f"the SMTP server answered {exc.code} {exc.message}"
                       ) from exc
    except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"the SMTP server at {smtp.host}:{smtp.port} could not be "
                            f"reached or dropped the connection: {type(exc).__name__}: "
                            f"{exc}") from exc


def _by_code(code: int, text: str) -> DeliveryError:
    # RFC 5321 4.2.1: 4yz is a transient failure, 5yz a permanent one.
    return DeliveryError(text[:500], permanent=500 <= code < 600)
