"""Who is told of a change and what they are shown: plain data, no store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aggregator.consent.policy import Principal
from aggregator.consent.records import ConsentRecord
from aggregator.consent.vocabulary import ConsentState, Purpose, Role
from aggregator.model import AgencyInfo
from aggregator.notify.decisions import (
    alert_recipients,
    alert_scope,
    match_recipients,
    shown_number,
    verdict,
)
from aggregator.notify.model import Notification, NotificationKind
from aggregator.notify.release import released
from caseline.v1.lib.scopes import Scope

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
COURTS = AgencyInfo("courts", "EOIR", "EOIR (es)", Scope.IDENTITY)


def consent(scopes: tuple[Scope, ...] = (Scope.STATUS,), agencies: tuple[str, ...] = ("courts",),
            state: ConsentState = ConsentState.ACTIVE, grantee: str = "lee") -> ConsentRecord:
    return ConsentRecord(
        id="c1", version=1, subject_id="ana", grantee_id=grantee, agencies=agencies,
        scopes=scopes, purpose_code=Purpose.LEGAL_REPRESENTATION, purpose_text="lawyer",
        valid_from=NOW - timedelta(days=1), valid_until=NOW + timedelta(days=30),
        state=state, created_at=NOW - timedelta(days=1))


def notification(recipient: str = "lee") -> Notification:
    return Notification(id="n1", recipient_id=recipient, subject_id="ana", agency_id="courts",
                        case_number="A123456789", event_id="e1", occurred_at=NOW,
                        created_at=NOW, category="ACTIVE", milestone="HEARING_SCHEDULED",
                        action_required=True,
                        titles={"en": "Hearing scheduled", "es": "Audiencia programada"})


def test_subject_and_covered_grantee_are_told() -> None:
    """Ana and lee (STATUS at courts) are both told of ana's courts case."""
    pairs = match_recipients("courts", ["ana"], NOW, consents_of={"ana": (consent(),)},
                             role_of={"lee": Role.REPRESENTATIVE})
    assert pairs == [("ana", "ana"), ("lee", "ana")]


def test_revoked_consent_tells_the_grantee_nothing() -> None:
    """A revoked consent leaves only the subject."""
    pairs = match_recipients("courts", ["ana"], NOW,
                             consents_of={"ana": (consent(state=ConsentState.REVOKED),)},
                             role_of={"lee": Role.REPRESENTATIVE})
    assert pairs == [("ana", "ana")]


def test_consent_for_another_agency_tells_the_grantee_nothing() -> None:
    """Lee's consent covers immigration only: nothing of courts."""
    pairs = match_recipients("courts", ["ana"], NOW,
                             consents_of={"ana": (consent(agencies=("immigration",)),)},
                             role_of={"lee": Role.REPRESENTATIVE})
    assert pairs == [("ana", "ana")]


def test_auditor_named_in_a_consent_is_never_told() -> None:
    """Auditors read the ledger, not case data."""
    pairs = match_recipients("courts", ["ana"], NOW, consents_of={"ana": (consent(),)},
                             role_of={"lee": Role.AUDITOR})
    assert pairs == [("ana", "ana")]


def test_erased_subject_tells_no_one() -> None:
    """An erased holder: no one is told."""
    assert match_recipients("courts", ["ana"], NOW, consents_of={"ana": (consent(),)},
                            role_of={}, erased=["ana"]) == []


def test_lee_without_identity_sees_a_courts_number_masked() -> None:
    """A-numbers need IDENTITY: lee with STATUS only gets the masked form."""
    ruling = verdict(Principal("lee", Role.REPRESENTATIVE), "ana", "courts", NOW,
                     (consent(),), True)
    message = released(notification(), ruling, "en", COURTS)
    assert message.case_number is None
    assert message.shown_number == shown_number("A123456789", Scope.IDENTITY, {Scope.STATUS})
    assert "123456" not in message.shown_number and message.shown_number.endswith("6789")


def test_lee_with_identity_sees_the_number_whole() -> None:
    """With IDENTITY granted the number is shown whole."""
    ruling = verdict(Principal("lee", Role.REPRESENTATIVE), "ana", "courts", NOW,
                     (consent((Scope.STATUS, Scope.IDENTITY)),), True)
    message = released(notification(), ruling, "en", COURTS)
    assert message.case_number == "A123456789" == message.shown_number


def test_subject_sees_own_number_in_their_language() -> None:
    """Ana's own notification: whole number, Spanish title and agency name."""
    ruling = verdict(Principal("ana", Role.APPLICANT), "ana", "courts", NOW, (), True)
    message = released(notification("ana"), ruling, "es", COURTS)
    assert (message.case_number, message.title, message.agency_name) == (
        "A123456789", "Audiencia programada", "EOIR (es)")


def test_subject_who_no_longer_holds_the_case_is_not_told() -> None:
    """Unlinked since the change: no release to the former holder."""
    assert not verdict(Principal("ana", Role.APPLICANT), "ana", "courts", NOW, (),
                       False).allowed


def test_unknown_language_falls_back_to_english() -> None:
    """A language without texts gets the English title."""
    ruling = verdict(Principal("ana", Role.APPLICANT), "ana", "courts", NOW, (), True)
    assert released(notification("ana"), ruling, "fr", COURTS).title == "Hearing scheduled"


def test_a_deadline_alert_needs_details_the_inquiry_date_status() -> None:
    assert alert_scope(NotificationKind.DEADLINE_30) == Scope.DETAILS
    assert alert_scope(NotificationKind.DEADLINE_7) == Scope.DETAILS
    assert alert_scope(NotificationKind.INQUIRY_DATE) is None
    assert alert_scope(NotificationKind.CHANGE) is None


def test_alert_recipients_follow_consent_and_scope() -> None:
    """lee (STATUS) is told the inquiry date only; ivy (STATUS, DETAILS) both; a revoked
    consent and another agency's consent tell no one; an erased subject no one at all."""
    consents = (consent(), consent((Scope.STATUS, Scope.DETAILS), grantee="ivy"),
                consent((Scope.STATUS, Scope.DETAILS), state=ConsentState.REVOKED,
                        grantee="rev"),
                consent((Scope.STATUS, Scope.DETAILS), agencies=("labor",), grantee="lab"))
    roles = {g: Role.REPRESENTATIVE for g in ("lee", "ivy", "rev", "lab")}

    def told(kind: NotificationKind, erased: bool = False) -> list[str]:
        return alert_recipients("courts", "ana", kind, NOW, consents=consents,
                                role_of=roles, erased=erased)

    assert told(NotificationKind.DEADLINE_7) == ["ana", "ivy"]
    assert told(NotificationKind.INQUIRY_DATE) == ["ana", "ivy", "lee"]
    assert told(NotificationKind.DEADLINE_7, erased=True) == []
