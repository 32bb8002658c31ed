"""Alert titles in English and Spanish: days left when raised, what to do, by when, the
rule and its source; the inquiry date."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from aggregator.notify.alert_texts import alert_title, deadline_action, deadline_rule
from aggregator.notify.model import AlertDetails, Notification, NotificationKind
from aggregator.processing.model import DeadlineKind

RAISED = datetime(2026, 11, 1, 9, tzinfo=UTC)


def told(kind: NotificationKind, due: date, deadline: str = "PERM_VALIDITY",
         source: str = "20 CFR 656.30(b)(1)") -> Notification:
    return Notification("n1", "ana", "ana", "labor", "P-1", "alert:x", RAISED, RAISED, "",
                        "", True, kind=kind, alert=AlertDetails(due, deadline, source))


def test_a_30_day_deadline_in_english() -> None:
    title = alert_title(told(NotificationKind.DEADLINE_30, date(2026, 12, 1)), "en", "DOL")
    assert title == ("Deadline in 30 days: file the I-140 by December 1, 2026 "
                     "(PERM certification validity, 20 CFR 656.30(b)(1))")


def test_a_7_day_deadline_in_spanish() -> None:
    title = alert_title(told(NotificationKind.DEADLINE_7, date(2026, 11, 8), "BIA_APPEAL",
                             "8 CFR 1003.38(b)"), "es", "EOIR")
    assert title == ("Faltan 7 días: apelar ante la Junta de Apelaciones de Inmigración a más "
                     "tardar el 8 de noviembre de 2026 (plazo para apelar, 8 CFR 1003.38(b))")


@pytest.mark.parametrize(("due", "en", "es"), [
    (date(2026, 11, 1), "Deadline today:", "El plazo vence hoy:"),
    (date(2026, 11, 2), "Deadline tomorrow:", "El plazo vence mañana:")])
def test_today_and_tomorrow_say_so(due: date, en: str, es: str) -> None:
    notification = told(NotificationKind.DEADLINE_7, due)
    assert alert_title(notification, "en", "DOL").startswith(en)
    assert alert_title(notification, "es", "DOL").startswith(es)


def test_the_inquiry_date_in_both_languages() -> None:
    notification = told(NotificationKind.INQUIRY_DATE, date(2026, 10, 20), "", "")
    assert alert_title(notification, "es", "USCIS") == (
        "Su caso ya pasó la fecha de consulta (20 de octubre de 2026): ya puede preguntar a "
        "la agencia (USCIS)")
    assert alert_title(notification, "en", "USCIS").startswith(
        "Your case is past its inquiry date (October 20, 2026)")


def test_every_deadline_kind_has_words_in_both_languages() -> None:
    for kind in DeadlineKind:
        assert deadline_rule(kind, "es") != deadline_rule(kind, "en")
    # An unknown kind still reads as plain words; an unknown language reads English.
    assert deadline_action("SOMETHING_NEW", "es") == "hacer el trámite del caso"
    assert deadline_rule("SOMETHING_NEW", "fr") == "legal deadline"


def test_a_source_left_out_leaves_the_rule_alone() -> None:
    title = alert_title(told(NotificationKind.DEADLINE_30, date(2026, 11, 20),
                             "VOLUNTARY_DEPARTURE", ""), "en", "EOIR")
    assert title.endswith("(voluntary departure)")


def test_a_deadline_the_agency_missed_says_what_it_opens_in_both_languages() -> None:
    """8 U.S.C. 1447(b): the N-400's 120 days passed: the applicant may go to a district court
    (the N-400 action's words); 8 CFR 106.4: premium processing passed: the fee is refunded."""
    n400 = told(NotificationKind.AGENCY_MISSED, date(2026, 10, 30), "N400_HEARING",
                "8 U.S.C. 1447(b)")
    assert alert_title(n400, "en", "USCIS") == (
        "USCIS missed its deadline of October 30, 2026 (naturalization decision after the "
        "interview, 8 U.S.C. 1447(b)): you may now ask a federal district court to decide the "
        "naturalization case")
    assert alert_title(n400, "es", "USCIS") == (
        "USCIS no cumplió su plazo del 30 de octubre de 2026 (decisión de naturalización "
        "después de la entrevista, 8 U.S.C. 1447(b)): ahora puede pedir a un tribunal federal "
        "de distrito que decida el caso de naturalización")
    premium = told(NotificationKind.AGENCY_MISSED, date(2026, 10, 30), "PREMIUM_PROCESSING",
                   "8 CFR 106.4")
    assert alert_title(premium, "en", "USCIS").endswith(
        "(premium processing, 8 CFR 106.4): USCIS must refund the premium processing fee")
    assert alert_title(premium, "es", "USCIS").endswith(
        "(trámite prioritario, 8 CFR 106.4): USCIS debe devolver el pago del trámite prioritario")
    asylum = told(NotificationKind.AGENCY_MISSED, date(2026, 10, 30), "ASYLUM_ADJUDICATION",
                  "8 U.S.C. 1158(d)(5)(A)(iii)")
    assert alert_title(asylum, "en", "EOIR").endswith("you may ask the agency about the delay")
