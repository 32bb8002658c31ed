"""The words of alerts (a deadline coming due or missed by the agency, a case past its
inquiry date) in English and
Spanish, from the same catalog as every other text (gateway/messages/es.po, read by
aggregator.notify.email.catalog). Pure: a notification and a language in, a title out."""

from __future__ import annotations

from collections.abc import Callable

from babel.dates import format_date

from aggregator.notify.email.catalog import LANGUAGES, message
from aggregator.notify.model import Notification, NotificationKind
from aggregator.processing.model import DeadlineKind

__all__ = ["agency_missed_remedy", "alert_title", "deadline_action", "deadline_rule"]

_Text = Callable[[str], str]

# What the applicant must do by a deadline of each kind. The ``message`` calls are written
# out so the catalog test finds every id.
_ACTIONS: dict[str, _Text] = {
    DeadlineKind.PERM_VALIDITY: lambda lang: message(lang, "file the I-140"),
    DeadlineKind.PREVAILING_WAGE_VALIDITY: lambda lang: message(
        lang, "file the PERM application"),
    DeadlineKind.BIA_APPEAL: lambda lang: message(
        lang, "appeal to the Board of Immigration Appeals"),
    DeadlineKind.VOLUNTARY_DEPARTURE: lambda lang: message(lang, "leave the United States"),
    DeadlineKind.EVIDENCE_RESPONSE: lambda lang: message(
        lang, "answer the request for evidence"),
    DeadlineKind.N400_HEARING: lambda lang: message(
        lang, "ask a federal district court to decide the naturalization case"),
}

# What a deadline an agency let pass opens to the applicant, by kind.
_AGENCY_MISSED: dict[str, _Text] = {
    # 8 U.S.C. 1447(b): what the applicant may do once the 120 days passed (_ACTIONS' words).
    DeadlineKind.N400_HEARING: lambda lang: message(
        lang, "you may now {action}", action=deadline_action(DeadlineKind.N400_HEARING, lang)),
    DeadlineKind.PREMIUM_PROCESSING: lambda lang: message(
        lang, "USCIS must refund the premium processing fee"),
}

# The rule's name, shown beside its legal source.
_RULES: dict[str, _Text] = {
    DeadlineKind.PERM_VALIDITY: lambda lang: message(lang, "PERM certification validity"),
    DeadlineKind.PREVAILING_WAGE_VALIDITY: lambda lang: message(
        lang, "prevailing wage determination validity"),
    DeadlineKind.BIA_APPEAL: lambda lang: message(lang, "appeal period"),
    DeadlineKind.VOLUNTARY_DEPARTURE: lambda lang: message(lang, "voluntary departure"),
    DeadlineKind.EVIDENCE_RESPONSE: lambda lang: message(
        lang, "response to a request for evidence"),
    DeadlineKind.N400_HEARING: lambda lang: message(
        lang, "naturalization decision after the interview"),
    DeadlineKind.ASYLUM_ADJUDICATION: lambda lang: message(lang, "asylum decision"),
    DeadlineKind.PREMIUM_PROCESSING: lambda lang: message(lang, "premium processing"),
}


def _language(language: str) -> str:
    return language if language in LANGUAGES else "en"


def deadline_action(kind: str, language: str) -> str:
    """What must be done by a deadline of ``kind`` (a DeadlineKind value), in ``language``;
    plain words for a kind without its own."""
    language = _language(language)
    known = _ACTIONS.get(kind)
    return known(language) if known else message(language, "act on the case")


def agency_missed_remedy(kind: str, language: str) -> str:
    """What a deadline of ``kind`` that the agency let pass opens to the applicant, in
    ``language``; plain words for a kind without its own."""
    language = _language(language)
    known = _AGENCY_MISSED.get(kind)
    return known(language) if known else message(language,
                                                  "you may ask the agency about the delay")


def deadline_rule(kind: str, language: str) -> str:
    """The name of the rule behind a deadline of ``kind``, in ``language``."""
    language = _language(language)
    known = _RULES.get(kind)
    return known(language) if known else message(language, "legal deadline")


def alert_title(notification: Notification, language: str, agency: str) -> str:
    """An alert's title in ``language``: for a deadline, the days left when the alert was
    raised, what to do, by when, and the rule with its source; for an inquiry date, that
    the agency may now be asked. ``agency``: its name in that language. A notification
    without alert details (a change) gets the plain change wording."""
    language = _language(language)
    alert = notification.alert
    if alert is None or notification.kind == NotificationKind.CHANGE:
        return message(language, "Your case at {agency} changed", agency=agency)
    day = format_date(alert.due, format="long", locale=language)
    if notification.kind == NotificationKind.INQUIRY_DATE:
        return message(language, "Your case is past its inquiry date ({date}): you can now "
                                 "ask the agency about it ({agency})", date=day, agency=agency)
    rule = deadline_rule(alert.deadline, language)
    basis = f"{rule}, {alert.source}" if alert.source else rule
    if notification.kind == NotificationKind.AGENCY_MISSED:
        return message(language, "{agency} missed its deadline of {date} ({basis}): {remedy}",
                       agency=agency, date=day, basis=basis,
                       remedy=agency_missed_remedy(alert.deadline, language))
    action = deadline_action(alert.deadline, language)
    # Days left as of the day the alert was raised: the title stays the same when read later.
    days = max(0, (alert.due - notification.occurred_at.date()).days)
    if days == 0:
        return message(language, "Deadline today: {action} by {date} ({basis})",
                       action=action, date=day, basis=basis)
    if days == 1:
        return message(language, "Deadline tomorrow: {action} by {date} ({basis})",
                       action=action, date=day, basis=basis)
    return message(language, "Deadline in {days} days: {action} by {date} ({basis})",
                   days=days, action=action, date=day, basis=basis)
