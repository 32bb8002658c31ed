"""Invitation codes: their shape, how typed codes are read, expiry, replacement and the
per-applicant throttle, over the real store in memory."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aggregator.bootstrap import invitation_throttles
from aggregator.consent.invitations import (
    ALPHABET,
    CODE_LENGTH,
    INVITATION_VALIDITY,
    InvitationError,
    Invitations,
    may_receive_consent,
    normalise,
)
from aggregator.consent.vocabulary import Role
from aggregator.shared_limits import RedisLimits, SharedLimits
from support.fakes import FixedClock, memory_store
from support.redis_limits import closed_port_url, unique_limits


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _invitations(clock: FixedClock | None = None,
                 ticks: Ticks | None = None) -> Invitations:
    return Invitations(memory_store().invitations, clock or FixedClock(), ticks or Ticks())


def test_a_code_is_ten_unambiguous_characters_shown_in_two_groups() -> None:
    invitation = _invitations().issue("rep-lee", Role.REPRESENTATIVE, "Lee Ortiz")
    assert len(invitation.code) == CODE_LENGTH
    assert set(invitation.code) <= set(ALPHABET)
    assert not set("ILOU") & set(ALPHABET)
    assert invitation.display == f"{invitation.code[:5]}-{invitation.code[5:]}"


def test_typed_codes_ignore_case_spaces_dashes_and_read_lookalikes_as_digits() -> None:
    assert normalise(" k7qmr-4rtxw ") == "K7QMR4RTXW"
    assert normalise("K7QM R4RT XW") == "K7QMR4RTXW"
    assert normalise("OIL23-45678") == "01123" + "45678"
    assert normalise("K7QMR-4RTX") is None  # too short
    assert normalise("K7QMR-4RTXU") is None  # U is not in the alphabet
    assert normalise("K" * 41) is None  # over the size limit before anything else


async def test_a_code_resolves_to_its_grantee_and_name_however_it_is_typed() -> None:
    invitations = _invitations()
    issued = invitations.issue("rep-lee", Role.REPRESENTATIVE, "Lee  Ortiz")
    found = await invitations.resolve("ana", issued.display.lower().replace("-", " "))
    assert (found.grantee_id, found.display_name) == ("rep-lee", "Lee Ortiz")


async def test_a_new_code_replaces_the_old_one() -> None:
    invitations = _invitations()
    old = invitations.issue("rep-lee", Role.REPRESENTATIVE, "Lee")
    new = invitations.issue("rep-lee", Role.REPRESENTATIVE, "Lee")
    assert invitations.current("rep-lee") == new
    with pytest.raises(InvitationError) as refused:
        await invitations.resolve("ana", old.code)
    assert refused.value.code == "UNKNOWN_CODE"
    assert (await invitations.resolve("ana", new.code)).grantee_id == "rep-lee"


async def test_codes_expire() -> None:
    clock = FixedClock()
    invitations = _invitations(clock)
    issued = invitations.issue("rep-lee", Role.REPRESENTATIVE, "Lee")
    assert issued.expires_at == clock.now + INVITATION_VALIDITY
    clock.advance(INVITATION_VALIDITY + timedelta(seconds=1))
    assert invitations.current("rep-lee") is None
    with pytest.raises(InvitationError) as refused:
        await invitations.resolve("ana", issued.code)
    assert refused.value.code == "EXPIRED_CODE"


def test_auditors_get_no_code_and_applicants_may_be_invited() -> None:
    assert not may_receive_consent(Role.AUDITOR)
    assert may_receive_consent(Role.REPRESENTATIVE) and may_receive_consent(Role.APPLICANT)
    with pytest.raises(InvitationError) as refused:
        _invitations().issue("audrey", Role.AUDITOR, "Audrey")
    assert refused.value.code == "NOT_A_GRANTEE"


def test_a_name_with_control_characters_is_refused() -> None:
    with pytest.raises(InvitationError):
        _invitations().issue("rep-lee", Role.REPRESENTATIVE, "Lee\u202eOrtiz")


async def test_wrong_codes_are_throttled_per_applicant_then_released() -> None:
    ticks = Ticks()
    invitations = _invitations(ticks=ticks)
    issued = invitations.issue("rep-lee", Role.REPRESENTATIVE, "Lee")
    for attempt in range(10):
        with pytest.raises(InvitationError) as refused:
            await invitations.resolve("ana", "ZZZZZ-ZZZZ" + str(attempt % 8 + 2))
        assert refused.value.code == "UNKNOWN_CODE"
    with pytest.raises(InvitationError) as refused:
        await invitations.resolve("ana", issued.code)  # even the right code waits now
    assert refused.value.code == "THROTTLED"
    assert refused.value.retry_after_s == 900
    assert (await invitations.resolve("raj", issued.code)).grantee_id == "rep-lee"  # others are not
    ticks.now += 901
    assert (await invitations.resolve("ana", issued.code)).grantee_id == "rep-lee"


async def test_a_day_caps_the_wrong_codes_whatever_their_pace() -> None:
    ticks = Ticks()
    invitations = _invitations(ticks=ticks)
    for _ in range(50):
        with pytest.raises(InvitationError):
            await invitations.resolve("ana", "malformed")
        ticks.now += 100  # slow enough for the quarter-hour window
    with pytest.raises(InvitationError) as refused:
        await invitations.resolve("ana", "malformed")
    assert refused.value.code == "THROTTLED"
    assert refused.value.retry_after_s is not None and refused.value.retry_after_s > 900


async def test_two_replicas_count_an_applicants_wrong_codes_as_one() -> None:
    """Invitations over one Redis (as two replicas): ten wrong codes, five on each, and the
    applicant waits on both; the day's count is kept apart from the quarter hour's."""
    async with unique_limits() as settings:
        redis = RedisLimits(settings)
        store = memory_store().invitations
        first, second = (Invitations(store, FixedClock(), throttles=invitation_throttles(redis))
                         for _ in range(2))
        try:
            issued = first.issue("rep-lee", Role.REPRESENTATIVE, "Lee")
            for attempt in range(10):
                with pytest.raises(InvitationError) as refused:
                    await (first, second)[attempt % 2].resolve("ana", "ZZZZZ-ZZZZ2")
                assert refused.value.code == "UNKNOWN_CODE"
            for replica in (first, second):
                with pytest.raises(InvitationError) as refused:
                    await replica.resolve("ana", issued.code)
                assert refused.value.code == "THROTTLED"
                assert refused.value.retry_after_s is not None
                assert 890 <= refused.value.retry_after_s <= 900
            assert (await second.resolve("raj", issued.code)).grantee_id == "rep-lee"
        finally:
            await first.aclose()
            await second.aclose()


async def test_redis_unreachable_refuses_every_code() -> None:
    """The throttles fail closed: with Redis on a closed port even the right code is refused
    as THROTTLE_UNAVAILABLE."""
    redis = RedisLimits(SharedLimits(closed_port_url()))
    store = memory_store().invitations
    invitations = Invitations(store, FixedClock(), throttles=invitation_throttles(redis))
    issued = invitations.issue("rep-lee", Role.REPRESENTATIVE, "Lee")
    try:
        with pytest.raises(InvitationError) as refused:
            await invitations.resolve("ana", issued.code)
    finally:
        await invitations.aclose()
    assert refused.value.code == "THROTTLE_UNAVAILABLE"
    assert str(refused.value) == ("invitation codes cannot be checked just now; try again in "
                                  "a minute")
