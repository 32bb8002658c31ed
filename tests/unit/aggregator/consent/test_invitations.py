"""Invitation codes: their shape, how typed codes are read, expiry, replacement and the
per-applicant throttle, over the real store in memory."""

from __future__ import annotations

from datetime import timedelta

import pytest

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
from support.fakes import FixedClock, memory_store


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


def test_a_code_resolves_to_its_grantee_and_name_however_it_is_typed() -> None:
    invitations = _invitations()
    issued = invitations.issue("rep-lee", Role.REPRESENTATIVE, "Lee  Ortiz")
    found = invitations.resolve("ana", issued.display.lower().replace("-", " "))
    assert (found.grantee_id, found.display_name) == ("rep-lee", "Lee Ortiz")


def test_a_new_code_replaces_the_old_one() -> None:
    invitations = _invitations()
    old = invitations.issue("rep-lee", Role.REPRESENTATIVE, "Lee")
    new = invitations.issue("rep-lee", Role.REPRESENTATIVE, "Lee")
    assert invitations.current("rep-lee") == new
    with pytest.raises(InvitationError) as refused:
        invitations.resolve("ana", old.code)
    assert refused.value.code == "UNKNOWN_CODE"
    assert invitations.resolve("ana", new.code).grantee_id == "rep-lee"


def test_codes_expire() -> None:
    clock = FixedClock()
    invitations = _invitations(clock)
    issued = invitations.issue("rep-lee", Role.REPRESENTATIVE, "Lee")
    assert issued.expires_at == clock.now + INVITATION_VALIDITY
    clock.advance(INVITATION_VALIDITY + timedelta(seconds=1))
    assert invitations.current("rep-lee") is None
    with pytest.raises(InvitationError) as refused:
        invitations.resolve("ana", issued.code)
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


def test_wrong_codes_are_throttled_per_applicant_then_released() -> None:
    ticks = Ticks()
    invitations = _invitations(ticks=ticks)
    issued = invitations.issue("rep-lee", Role.REPRESENTATIVE, "Lee")
    for attempt in range(10):
        with pytest.raises(InvitationError) as refused:
            invitations.resolve("ana", "ZZZZZ-ZZZZ" + str(attempt % 8 + 2))
        assert refused.value.code == "UNKNOWN_CODE"
    with pytest.raises(InvitationError) as refused:
        invitations.resolve("ana", issued.code)  # even the right code waits now
    assert refused.value.code == "THROTTLED"
    assert refused.value.retry_after_s == 900
    assert invitations.resolve("raj", issued.code).grantee_id == "rep-lee"  # others are not
    ticks.now += 901
    assert invitations.resolve("ana", issued.code).grantee_id == "rep-lee"


def test_a_day_caps_the_wrong_codes_whatever_their_pace() -> None:
    ticks = Ticks()
    invitations = _invitations(ticks=ticks)
    for _ in range(50):
        with pytest.raises(InvitationError):
            invitations.resolve("ana", "malformed")
        ticks.now += 100  # slow enough for the quarter-hour window
    with pytest.raises(InvitationError) as refused:
        invitations.resolve("ana", "malformed")
    assert refused.value.code == "THROTTLED"
    assert refused.value.retry_after_s is not None and refused.value.retry_after_s > 900
