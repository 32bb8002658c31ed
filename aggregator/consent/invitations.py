"""Invitation codes: how an applicant names a grantee without typing an opaque account id.

A grantee (a representative, or anyone else a consent may name) asks for a short code such
as ``K7QMR-4RTXW`` and gives it to the applicant, who types it on the consent form; the code
resolves to the grantee's account and the name they chose to show, so the "check your
answers" page can say whom the consent is for before anything is signed.

Codes are 10 characters from Crockford's base32 alphabet (no I, L, O or U: nothing to misread),
50 random bits; a typed code is read case-insensitively, spaces and dashes ignored, and O, I
and L as the digits they look like. Each grantee has at most one code, valid for
``INVITATION_VALIDITY``; a new one replaces it. Wrong codes are throttled per applicant, so
with 2^50 codes guessing one takes lifetimes.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from aggregator.consent.policy import NO_CASE_DATA_ROLES
from aggregator.consent.throttle import (
    AccessCodeThrottle,
    LinkThrottle,
    LocalLinkThrottle,
    ThrottleUnavailable,
    whole_seconds,
)
from aggregator.consent.vocabulary import Role

__all__ = ["ALPHABET", "CODE_LENGTH", "DAY", "INVITATION_VALIDITY", "MAX_TYPED_CODE", "SHORT",
           "Invitation", "InvitationError", "InvitationStorePort", "Invitations",
           "may_receive_consent", "normalise"]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
INVITATION_VALIDITY = timedelta(days=30)
# A typed code is bounded before any other work: room for spaces and dashes, no more.
MAX_TYPED_CODE = 40
# Wrong codes one applicant may type: 10 per quarter hour, 50 per day (two windows), as
# (limit, window in seconds).
SHORT = (10, 900.0)
DAY = (50, 86_400.0)
# Crockford's reading of letters that look like digits.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_IGNORED = str.maketrans("", "", " -\t\u2010\u2011\u2012\u2013\u2014")
_THROTTLE_KEY = "invitation"


def may_receive_consent(role: Role) -> bool:
    """Whether an account of ``role`` can be named by a consent (the access policy lets
    every role but auditors read under one)."""
    return role not in NO_CASE_DATA_ROLES


def normalise(typed: str) -> str | None:
    """The code a person typed, in its stored form (upper case, no separators, look-alike
    letters read as digits); None when it cannot be a code."""
    if len(typed) > MAX_TYPED_CODE:
        return None
    code = typed.translate(_IGNORED).upper().translate(_LOOKALIKES)
    if len(code) != CODE_LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code


def shown(code: str) -> str:
    """A stored code as people read it: two groups of five."""
    return f"{code[:5]}-{code[5:]}"


@dataclass(frozen=True, slots=True)
class Invitation:
    """A grantee's current code, the name it shows applicants, and its lifetime."""

    code: str  # stored form; ``display`` is how it is shown
    grantee_id: str
    display_name: str
    created_at: datetime
    expires_at: datetime

    @property
    def display(self) -> str:
        """The code grouped for reading aloud or copying."""
        return shown(self.code)

    def expired(self, now: datetime) -> bool:
        """Whether the code no longer resolves at ``now``."""
        return now >= self.expires_at


class InvitationStorePort(Protocol):
    """Where invitations are kept (``aggregator.store.invitations.InvitationStore``)."""

    def put(self, invitation: Invitation) -> None:
        """Keep ``invitation`` as its grantee's only one (replacing any before it)."""
        ...

    def of_grantee(self, grantee_id: str) -> Invitation | None:
        """The grantee's invitation, expired or not."""
        ...

    def by_code(self, code: str) -> Invitation | None:
        """The invitation with this (normalised) code, expired or not."""
        ...


class InvitationError(ValueError):
    """A code that does not resolve, with a stable ``code``: INVALID_CODE (not a code's
    shape), UNKNOWN_CODE, EXPIRED_CODE, THROTTLED (``retry_after_s`` set), NOT_A_GRANTEE,
    THROTTLE_UNAVAILABLE (wrong codes cannot be counted now: none is tried)."""

    def __init__(self, message: str, code: str, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.retry_after_s = retry_after_s


class Invitations:
    """Issuing and resolving invitation codes over a store, a clock and per-applicant
    throttles (two windows: a short one that slows a burst, a day that caps the total).
    ``throttles`` replaces the two (in Redis, shared by replicas: aggregator.bootstrap);
    by default they are in this process's memory, on ``monotonic`` time."""

    def __init__(self, store: InvitationStorePort, clock: Callable[[], datetime],
                 monotonic: Callable[[], float] = time.monotonic,
                 throttles: tuple[LinkThrottle, LinkThrottle] | None = None) -> None:
        self._store = store
        self._clock = clock
        self._throttles = throttles or tuple(
            LocalLinkThrottle(AccessCodeThrottle(per_case=limit, per_subject=limit,
                                                 window_s=window, clock=monotonic))
            for limit, window in (SHORT, DAY))

    def issue(self, grantee_id: str, role: Role, display_name: str) -> Invitation:
        """A new code for ``grantee_id``, replacing any earlier one; InvitationError
        NOT_A_GRANTEE for a role no consent can name, or a name that cannot be shown."""
        if not may_receive_consent(role):
            raise InvitationError(f"a {role} account cannot be named in a consent",
                                  "NOT_A_GRANTEE")
        # Here, not at the top: the consent service imports the store, which imports this.
        from aggregator.consent.service import shared_name

        try:
            name = shared_name(display_name) or grantee_id
        except ValueError as exc:
            raise InvitationError(str(exc), "NOT_A_GRANTEE") from exc
        now = self._clock()
        for _ in range(3):  # two grantees drawing one code of 2^50: practically never
            invitation = Invitation("".join(secrets.choice(ALPHABET)
                                            for _ in range(CODE_LENGTH)),
                                    grantee_id, name, now, now + INVITATION_VALIDITY)
            try:
                self._store.put(invitation)
            except ValueError:
                continue
            return invitation
        raise RuntimeError("three invitation codes in a row were taken; is the RNG broken?")

    def current(self, grantee_id: str) -> Invitation | None:
        """The grantee's code while it is valid; None when there is none or it expired."""
        invitation = self._store.of_grantee(grantee_id)
        if invitation is None or invitation.expired(self._clock()):
            return None
        return invitation

    def name_of(self, grantee_id: str) -> str | None:
        """The name the grantee's invitation shows (expired or not), to name them in lists
        of consents; None when they never had one."""
        invitation = self._store.of_grantee(grantee_id)
        return invitation.display_name if invitation else None

    async def resolve(self, applicant_id: str, typed: str) -> Invitation:
        """The invitation behind the code ``applicant_id`` typed; InvitationError otherwise.
        Every wrong, unknown or expired code counts against the applicant."""
        try:
            return await self._resolve(applicant_id, typed)
        except ThrottleUnavailable as exc:
            # Fail closed: without the count, guesses would go unlimited.
            raise InvitationError("invitation codes cannot be checked just now; try again in "
                                  "a minute", "THROTTLE_UNAVAILABLE") from exc

    async def _resolve(self, applicant_id: str, typed: str) -> Invitation:
        wait = max([await throttle.check(applicant_id, _THROTTLE_KEY, "")
                    for throttle in self._throttles])
        if wait > 0:
            seconds = whole_seconds(wait)
            raise InvitationError(f"too many wrong invitation codes; try again in {seconds} s",
                                  "THROTTLED", seconds)
        code = normalise(typed)
        if code is None:
            await self._failed(applicant_id)
            raise InvitationError(f"an invitation code has {CODE_LENGTH} letters and digits, "
                                  "like K7QMR-4RTXW", "INVALID_CODE")
        invitation = self._store.by_code(code)
        if invitation is None:
            await self._failed(applicant_id)
            raise InvitationError("no invitation has this code; check it with the person who "
                                  "gave it to you", "UNKNOWN_CODE")
        if invitation.expired(self._clock()):
            await self._failed(applicant_id)
            raise InvitationError("this invitation code has expired; ask for a new one",
                                  "EXPIRED_CODE")
        return invitation

    async def _failed(self, applicant_id: str) -> None:
        for throttle in self._throttles:
            await throttle.record_failure(applicant_id, _THROTTLE_KEY, "")

    async def aclose(self) -> None:
        """Release the throttles' connections."""
        for throttle in self._throttles:
            await throttle.aclose()
