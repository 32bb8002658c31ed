"""Consent records: immutable versions, their states and what each one allows. No I/O.

A consent is a chain of signed versions sharing one id. Granting creates version 1; pausing,
resuming and revoking each append a new version with the new state, so nothing signed is
ever edited. Expiry is not stored: it is decided from the clock at each request.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from aggregator.consent.vocabulary import ConsentState, Purpose
from caseline.v1.lib.scopes import Scope

__all__ = [
    "ConsentError",
    "ConsentRecord",
    "artefact",
    "effective_state",
    "next_version",
]

# Which state changes a subject may make, from which state.
_TRANSITIONS = {
    ConsentState.PAUSED: {ConsentState.ACTIVE},
    ConsentState.ACTIVE: {ConsentState.PAUSED},
    ConsentState.REVOKED: {ConsentState.ACTIVE, ConsentState.PAUSED},
}


class ConsentError(ValueError):
    """A consent request that cannot be honoured, with a message saying why."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """One signed version of a consent."""

    id: str
    version: int
    subject_id: str
    grantee_id: str
    agencies: tuple[str, ...]
    scopes: tuple[Scope, ...]
    purpose_code: Purpose
    purpose_text: str
    valid_from: datetime
    valid_until: datetime
    state: ConsentState  # as stored: never EXPIRED (see effective_state)
    created_at: datetime
    signature: str = ""
    # The name the subject chose to show the grantee (None: only the subject id is shown).
    # Not part of the signed artefact: it is a courtesy to the grantee, not a term of the
    # consent, and the ledger must never hold it, not even as a digest.
    shared_name: str | None = None

    def covers(self, agency_id: str, scope: Scope) -> bool:
        """True when this consent names the agency and the scope (whatever its state)."""
        return agency_id in self.agencies and scope in self.scopes


def effective_state(record: ConsentRecord, now: datetime) -> ConsentState:
    """The state at ``now``: a stored ACTIVE or PAUSED consent past its end is EXPIRED."""
    if record.state == ConsentState.REVOKED:
        return ConsentState.REVOKED
    if now >= record.valid_until:
        return ConsentState.EXPIRED
    return record.state


def next_version(current: ConsentRecord, state: ConsentState, now: datetime) -> ConsentRecord:
    """The version that moves ``current`` to ``state``; ConsentError if that is not allowed."""
    current_state = effective_state(current, now)
    if current_state == state:
        raise ConsentError(f"consent {current.id} is already {state}", "UNCHANGED")
    if current_state not in _TRANSITIONS.get(state, set()):
        raise ConsentError(
            f"consent {current.id} is {current_state} and cannot become {state}; "
            "revoked and expired consents are final — grant a new one instead",
            "INVALID_TRANSITION")
    return replace(current, version=current.version + 1, state=state, created_at=now,
                   signature="")


def artefact(record: ConsentRecord) -> dict[str, Any]:
    """The signed content of a version (everything but the signature), canonical-encodable."""
    return {
        "id": record.id, "version": record.version, "subject": record.subject_id,
        "grantee": record.grantee_id, "agencies": list(record.agencies),
        "scopes": list(record.scopes), "purpose_code": record.purpose_code,
        "purpose_text": record.purpose_text, "valid_from": _iso(record.valid_from),
        "valid_until": _iso(record.valid_until), "state": record.state,
        "created_at": _iso(record.created_at),
    }


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="microseconds")
