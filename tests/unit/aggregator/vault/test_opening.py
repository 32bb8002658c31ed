"""The aggregator opens sealed fields only within what a read released, and says why not."""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from adapters.sdk.sealing import CaseSealer
from aggregator.federation.from_contract import events_from_proto, unopened_by_event
from aggregator.model import AgencyInfo
from aggregator.vault.opening import CaseOpener, Release
from caseline.v1 import case_pb2, vocabulary_pb2
from caseline.v1.lib.key_wrap import custodian_key_id, unwrap_data_key
from gateway.schema.types import UNOPENED_REASON, TimelineEvent

AGENCY, SUBJECT = "courts", "psn_ana"


class Keys:
    """CustodianKeys' interface over one fixed public key."""

    def __init__(self, private: X25519PrivateKey) -> None:
        self.public = private.public_key()

    def current(self) -> tuple[str, object]:
        return custodian_key_id(self.public), self.public


class Custodian:
    """The custodian's unwrap, over one private key."""

    def __init__(self, private: X25519PrivateKey) -> None:
        self.private = private
        self.calls = 0

    def unwrap(self, wrapped: bytes, data_key_id: str, custodian_kid: str,
               place: tuple[str, ...]) -> bytes:
        self.calls += 1
        if custodian_kid != custodian_key_id(self.private.public_key()):
            raise ValueError(f"unknown custodian key {custodian_kid}")
        return unwrap_data_key(self.private, wrapped, data_key_id, place)


def _sealed_case(private: X25519PrivateKey, subject: str = SUBJECT) -> case_pb2.Case:
    case = case_pb2.Case(case_number="A201555123", office="New York Court")
    event = case.events.add(event_id="e1", office="New York Court", due_date="2026-12-03")
    event.status.agency_code = "HEARING"
    event.status.agency_text = "Hearing moved to room 12"
    event.occurred_at.seconds = 1_700_000_000
    CaseSealer(AGENCY, Keys(private)).seal(case, subject)  # type: ignore[arg-type]
    return case


def test_released_details_open_and_unreleased_stay_shut() -> None:
    private = X25519PrivateKey.generate()
    custodian = Custodian(private)
    opener = CaseOpener(custodian)
    case = _sealed_case(private)
    report = opener.open(AGENCY, case, Release(SUBJECT, frozenset({"STATUS", "DETAILS"})))
    assert report.opened == {"DETAILS": 4} and report.failed == []
    assert case.events[0].status.agency_text == "Hearing moved to room 12"
    assert not case.HasField("data_key") and not case.sealed_fields

    shut = _sealed_case(private)
    calls = custodian.calls
    report = opener.open(AGENCY, shut, Release(SUBJECT, frozenset({"STATUS"})))
    # Without a released sealed scope the custodian is not even asked.
    assert custodian.calls == calls
    assert report.opened == {} and len(report.withheld) == 4
    assert shut.office == "" and shut.events[0].due_date == ""


def test_a_key_wrapped_for_another_subject_or_custodian_opens_nothing() -> None:
    private = X25519PrivateKey.generate()
    opener = CaseOpener(Custodian(private))
    details = Release(SUBJECT, frozenset({"STATUS", "DETAILS"}))
    for case in (_sealed_case(private, subject="psn_raj"),
                 _sealed_case(X25519PrivateKey.generate())):
        report = opener.open(AGENCY, case, details)
        assert report.opened == {} and len(report.failed) == 4
        assert case.events[0].status.agency_text == "" and case.office == ""
        events = events_from_proto(AGENCY, case, unopened_by_event(p for p, _ in report.failed))
        assert set(events[0].unopened) == {"office", "due_date", "status.agency_text"}


def test_plaintext_from_an_adapter_that_does_not_seal_is_dropped() -> None:
    case = case_pb2.Case(case_number="A201555123", office="New York Court",
                         status=vocabulary_pb2.Status(agency_text="words"))
    report = CaseOpener(Custodian(X25519PrivateKey.generate())).open(
        AGENCY, case, Release(SUBJECT, frozenset({"STATUS", "DETAILS"})))
    assert case.office == "" and case.status.agency_text == ""
    assert {p for p, _ in report.failed} == {"office", "status.agency_text"}


def test_the_gateway_lists_unopened_fields_with_the_reason() -> None:
    private = X25519PrivateKey.generate()
    case = _sealed_case(X25519PrivateKey.generate())
    report = CaseOpener(Custodian(private)).open(
        AGENCY, case, Release(SUBJECT, frozenset({"STATUS", "DETAILS"})))
    (event,) = events_from_proto(AGENCY, case, unopened_by_event(p for p, _ in report.failed))
    view = TimelineEvent.from_domain(event, AgencyInfo(AGENCY, "EOIR", "EOIR"), "en")
    assert (view.office, view.agency_text, view.due_date) == (None, None, None)
    assert {(w.field, w.scope.value, w.reason) for w in view.withheld} == {
        ("office", "DETAILS", UNOPENED_REASON), ("agencyText", "DETAILS", UNOPENED_REASON),
        ("dueDate", "DETAILS", UNOPENED_REASON)}
    assert event.at == datetime.fromtimestamp(1_700_000_000, UTC)


def test_related_cases_reach_the_case_only_when_details_are_released() -> None:
    """Sealed at the agency like every DETAILS field, the related cases open for a read that
    released DETAILS (the person's own, with every scope) and stay out of one that did not."""
    from aggregator.federation.from_contract import case_from_proto
    from aggregator.processing.model import RelatedCase

    private = X25519PrivateKey.generate()
    opener = CaseOpener(Custodian(private))

    def sealed() -> case_pb2.Case:
        case = case_pb2.Case(case_number="IOE0990000011", case_type="I-140")
        case.related_cases.add(agency_id="labor", case_number="G-100-24218-604417",
                               relation=case_pb2.CASE_RELATION_BASED_ON)
        CaseSealer(AGENCY, Keys(private)).seal(case, SUBJECT)  # type: ignore[arg-type]
        assert not case.related_cases  # nothing in plaintext on the wire
        return case

    everything = frozenset({"STATUS", "DETAILS", "IDENTITY"})
    for scopes, expected in [
            (everything, (RelatedCase("labor", "G-100-24218-604417", "BASED_ON"),)),
            (frozenset({"STATUS"}), ()), (frozenset({"STATUS", "IDENTITY"}), ())]:
        case = sealed()
        opener.open(AGENCY, case, Release(SUBJECT, scopes))
        read = case_from_proto(AGENCY, case, related="DETAILS" in scopes)
        assert read.related_cases == expected
