"""The e-mails' words: Jinja templates (``templates/``, a plain-text and an HTML part each)
whose texts come from the catalog in the reader's language. Pure: data in, strings out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache, partial
from typing import Any

from babel.dates import format_date
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from aggregator.notify.email.catalog import LANGUAGES, message

__all__ = ["AlertMail", "ChangeMail", "Rendered", "VerifyMail", "render_alert", "render_change",
           "render_verify"]


@dataclass(frozen=True, slots=True)
class Rendered:
    """An e-mail's subject and its two bodies."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class ChangeMail:
    """What a change e-mail says. ``case_number``, ``title`` and ``due_date`` are None
    unless the reader opted in to details."""

    language: str
    agency: str
    page_url: str
    unsubscribe_url: str
    settings_url: str
    case_number: str | None = None
    title: str | None = None
    action_required: bool = False
    due_date: date | None = None


@dataclass(frozen=True, slots=True)
class AlertMail:
    """What an alert e-mail says (a deadline coming due, a case past its inquiry date).
    ``case_number`` and ``title`` are None unless the reader opted in to details: then
    it says only that a case at the agency needs attention, and links to the page."""

    language: str
    agency: str
    page_url: str
    unsubscribe_url: str
    settings_url: str
    case_number: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class VerifyMail:
    """What a verification e-mail says."""

    language: str
    verify_url: str
    hours: int


@cache
def _environment() -> Environment:
    # HTML parts are escaped; the plain-text parts are not HTML at all.
    return Environment(loader=PackageLoader("aggregator.notify.email", "templates"),
                       autoescape=select_autoescape(["html"], default=False),
                       undefined=StrictUndefined, keep_trailing_newline=True)


def _language(language: str) -> str:
    return language if language in LANGUAGES else "en"


def _render(name: str, language: str, **values: Any) -> Rendered:
    env = _environment()
    t = partial(message, language)
    common = {"t": t, "lang": language, **values}
    subject = env.get_template(f"{name}.subject.txt").render(common).strip()
    return Rendered(subject, env.get_template(f"{name}.txt").render(common),
                    env.get_template(f"{name}.html").render(common))


def render_change(mail: ChangeMail) -> Rendered:
    """The e-mail telling of a change, in ``mail.language``."""
    language = _language(mail.language)
    due = (format_date(mail.due_date, format="long", locale=language)
           if mail.due_date is not None else None)
    return _render("change", language, mail=mail, due=due,
                   details=mail.case_number is not None)


def render_alert(mail: AlertMail) -> Rendered:
    """The e-mail telling of an alert, in ``mail.language``."""
    return _render("alert", _language(mail.language), mail=mail,
                   details=mail.case_number is not None and mail.title is not None)


def render_verify(mail: VerifyMail) -> Rendered:
    """The e-mail asking to confirm an address, in ``mail.language``."""
    return _render("verify", _language(mail.language), mail=mail)
