"""The consent vocabulary (aggregator.consent.vocabulary): its values are the words already
signed, stored and shown, and every purpose explains itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aggregator.consent.records import ConsentRecord, artefact
from aggregator.consent.vocabulary import ConsentState, Purpose
from aggregator.ledger.encoding import canonical
from caseline.v1.lib.scopes import Scope

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _record(**words: object) -> ConsentRecord:
    return ConsentRecord(id="cns_1", version=1, subject_id="ana", grantee_id="lee",
                         agencies=("courts",), purpose_text="my lawyer", valid_from=T0,
                         valid_until=T0 + timedelta(days=30), created_at=T0,
                         **words)  # type: ignore[arg-type]


def test_a_consent_signs_the_same_bytes_as_before_the_enums() -> None:
    """The signed artefact of a typed consent is byte for byte the one of the plain strings
    consents were signed with, so every existing signature still verifies."""
    typed = _record(scopes=(Scope.STATUS, Scope.DETAILS), state=ConsentState.ACTIVE,
                    purpose_code=Purpose.LEGAL_REPRESENTATION)
    plain = _record(scopes=("STATUS", "DETAILS"), state="ACTIVE",
                    purpose_code="LEGAL_REPRESENTATION")
    assert canonical(artefact(typed)) == canonical(artefact(plain))
    assert b'"scopes":["STATUS","DETAILS"]' in canonical(artefact(typed))


def test_every_purpose_explains_itself_in_its_own_words() -> None:
    """Each purpose has a plain description of its own (a consent granted by naming the
    purpose takes it as its text)."""
    descriptions = [p.description for p in Purpose]
    assert all(d and d == d.strip() for d in descriptions)
    assert len(set(descriptions)) == len(descriptions)
    assert Purpose.FAMILY_SUPPORT.description == "a family member following the cases"
