"""The access policy against an independent oracle, and consent state changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregator.consent.policy import DecisionCode, Principal, decide
from aggregator.consent.records import (
    ConsentError,
    ConsentRecord,
    effective_state,
    next_version,
)
from aggregator.consent.vocabulary import ConsentState, Role

T0 = datetime(2026, 11, 1, tzinfo=UTC)
PEOPLE = ("ana", "raj", "lee", "kim")
AGENCIES = ("immigration", "labor", "courts")
SCOPES = ("STATUS", "DETAILS", "IDENTITY")
ACTIVE, PAUSED, REVOKED, EXPIRED = (ConsentState.ACTIVE, ConsentState.PAUSED,
                                    ConsentState.REVOKED, ConsentState.EXPIRED)


def consent(**changes: object) -> ConsentRecord:
    base = ConsentRecord(id="cns_1", version=1, subject_id="ana", grantee_id="lee",
                         agencies=("immigration",), scopes=("STATUS",),
                         purpose_code="LEGAL_REPRESENTATION", purpose_text="my lawyer",
                         valid_from=T0, valid_until=T0 + timedelta(days=30), state=ACTIVE,
                         created_at=T0)
    return replace(base, **changes)  # type: ignore[arg-type]


def oracle(reader: str, role: str, subject: str, agency: str, scope: str, now: datetime,
           consents: list[ConsentRecord], linked: set[str]) -> bool:
    """What may be seen, written from the issue's rules rather than from the code."""
    if role == "auditor":
        return False
    if role == "applicant" and reader == subject:
        return agency in linked
    return any(c.subject_id == subject and c.grantee_id == reader and agency in c.agencies
               and scope in c.scopes and c.state == ACTIVE and c.valid_from <= now < c.valid_until
               for c in consents)


consents_strategy = st.lists(st.builds(
    lambda i, subject, grantee, agencies, scopes, start, days, state: consent(
        id=f"cns_{i}", subject_id=subject, grantee_id=grantee, agencies=tuple(agencies),
        scopes=tuple(scopes), valid_from=T0 + timedelta(days=start),
        valid_until=T0 + timedelta(days=start + days), state=state),
    st.integers(0, 10_000), st.sampled_from(PEOPLE), st.sampled_from(PEOPLE),
    st.lists(st.sampled_from(AGENCIES), min_size=1, max_size=3, unique=True),
    st.lists(st.sampled_from(SCOPES), min_size=1, max_size=3, unique=True),
    st.integers(-40, 40), st.integers(1, 60), st.sampled_from((ACTIVE, PAUSED, REVOKED))),
    max_size=8)


@given(reader=st.sampled_from(PEOPLE), role=st.sampled_from(("applicant", "representative",
                                                            "auditor")),
       subject=st.sampled_from(PEOPLE), agency=st.sampled_from(AGENCIES),
       scope=st.sampled_from(SCOPES), day=st.integers(-60, 120), consents=consents_strategy,
       linked=st.sets(st.sampled_from(AGENCIES)))
def test_policy_never_allows_more_than_the_oracle(
        reader: str, role: str, subject: str, agency: str, scope: str, day: int,
        consents: list[ConsentRecord], linked: set[str]) -> None:
    now = T0 + timedelta(days=day, hours=1)
    decision = decide(Principal(reader, role), subject, agency, scope, now, consents, linked)
    expected = oracle(reader, role, subject, agency, scope, now, consents, linked)
    assert decision.allowed == expected
    if decision.allowed and reader != subject:
        relied = next(c for c in consents if c.id == decision.consent_id)
        assert relied.grantee_id == reader and scope in relied.scopes
        assert agency in relied.agencies


def test_refusals_say_why() -> None:
    lee = Principal("lee", "representative")
    now = T0 + timedelta(days=1)
    assert decide(lee, "ana", "immigration", "STATUS", now, [], ()).code == "NO_CONSENT"
    paused = decide(lee, "ana", "immigration", "STATUS", now, [consent(state=PAUSED)], ())
    assert (paused.allowed, paused.code, paused.consent_id) == (False, "CONSENT_PAUSED", "cns_1")
    details = decide(lee, "ana", "immigration", "DETAILS", now, [consent()], ())
    assert details.code == "SCOPE_NOT_GRANTED"
    later = decide(lee, "ana", "immigration", "STATUS", T0 + timedelta(days=31), [consent()], ())
    assert later.code == "CONSENT_EXPIRED"
    ok = decide(lee, "ana", "immigration", "STATUS", now, [consent()], ())
    assert (ok.allowed, ok.consent_id, ok.purpose) == (True, "cns_1", "LEGAL_REPRESENTATION")


@pytest.mark.parametrize(("state", "day"), [(PAUSED, 1), (REVOKED, 1), (ACTIVE, 31)])
def test_a_consent_that_is_not_active_is_refused_with_its_state_in_the_code(
        state: ConsentState, day: int) -> None:
    """Every state a covering consent can be refused in (EXPIRED by the clock) has a code of
    its own, CONSENT_ then the state: the word the ledger records."""
    lee = Principal("lee", Role.REPRESENTATIVE)
    now = T0 + timedelta(days=day)
    refused = decide(lee, "ana", "immigration", "STATUS", now, [consent(state=state)], ())
    ended = effective_state(consent(state=state), now)
    assert not refused.allowed and ended != ACTIVE
    assert refused.code is DecisionCode(f"CONSENT_{ended}")


def test_expiry_is_decided_by_the_clock_not_by_a_job() -> None:
    record = consent()
    assert effective_state(record, T0 + timedelta(days=29)) == ACTIVE
    assert effective_state(record, T0 + timedelta(days=30)) == EXPIRED
    assert effective_state(replace(record, state=PAUSED), T0 + timedelta(days=31)) == EXPIRED
    assert effective_state(replace(record, state=REVOKED), T0 + timedelta(days=31)) == REVOKED


def test_changes_make_new_versions_and_final_states_stay_final() -> None:
    now = T0 + timedelta(days=1)
    paused = next_version(consent(), PAUSED, now)
    assert (paused.version, paused.state, paused.created_at) == (2, PAUSED, now)
    resumed = next_version(paused, ACTIVE, now)
    assert (resumed.version, resumed.state) == (3, ACTIVE)
    revoked = next_version(resumed, REVOKED, now)
    with pytest.raises(ConsentError, match="cannot become ACTIVE"):
        next_version(revoked, ACTIVE, now)
    with pytest.raises(ConsentError, match="already REVOKED"):
        next_version(revoked, REVOKED, now)
    with pytest.raises(ConsentError, match="EXPIRED and cannot"):
        next_version(consent(), PAUSED, T0 + timedelta(days=40))
