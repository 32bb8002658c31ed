"""The one access policy: may this principal read this scope of this subject's data at this
agency now? Plain data in, a decision out that names the consent it relied on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from aggregator.consent.records import ConsentRecord, effective_state
from aggregator.consent.vocabulary import ConsentState, Role
from caseline.v1.lib.scopes import Scope

__all__ = ["NO_CASE_DATA_ROLES", "SELF_ACCESS", "SELF_CONSENT", "Decision", "DecisionCode",
           "Principal", "decide", "decide_scopes"]

# What an allowed read of one's own data relied on, and its purpose code: there is no consent
# (nor a consent Purpose) behind it, but tokens and ledger entries name both.
SELF_CONSENT = "self"
SELF_ACCESS = "SELF_ACCESS"
# Roles that never read case data, under a consent or otherwise (so no consent names them).
NO_CASE_DATA_ROLES = frozenset({Role.AUDITOR})


class DecisionCode(StrEnum):
    """Why a read was allowed or refused: stable codes the gateway shows and the ledger
    records."""

    SELF = "SELF"  # allowed: the applicant's own linked cases
    CONSENT = "CONSENT"  # allowed: an active consent covers it
    NO_CONSENT = "NO_CONSENT"
    SCOPE_NOT_GRANTED = "SCOPE_NOT_GRANTED"
    NOT_YET_VALID = "NOT_YET_VALID"
    NOT_LINKED = "NOT_LINKED"
    ROLE_HAS_NO_ACCESS = "ROLE_HAS_NO_ACCESS"
    # A consent that covers the read but is not active, by its state.
    CONSENT_PAUSED = "CONSENT_PAUSED"
    CONSENT_REVOKED = "CONSENT_REVOKED"
    CONSENT_EXPIRED = "CONSENT_EXPIRED"


_NOT_ACTIVE = {
    ConsentState.PAUSED: DecisionCode.CONSENT_PAUSED,
    ConsentState.REVOKED: DecisionCode.CONSENT_REVOKED,
    ConsentState.EXPIRED: DecisionCode.CONSENT_EXPIRED,
}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who asks, as the policy sees them: account id and role. (The gateway's
    ``gateway.auth.SignedIn`` is a verified bearer token's claims, display name included.)"""

    id: str
    role: Role


@dataclass(frozen=True, slots=True)
class Decision:
    """Allow or deny; ``consent_id`` is what an allow relied on (``self`` for own data)."""

    allowed: bool
    consent_id: str | None
    code: DecisionCode
    reason: str
    purpose: str = ""  # a Purpose, SELF_ACCESS for own data, "" when refused


def decide(principal: Principal, subject_id: str, agency_id: str, scope: Scope, now: datetime,
           consents: Iterable[ConsentRecord], linked_agencies: Iterable[str]) -> Decision:
    """Allow or deny ``scope`` of ``subject_id``'s data at ``agency_id`` for ``principal``.

    ``consents`` are the current versions of the consents the subject granted; only one
    that names this principal, agency and scope and is ACTIVE and already valid at ``now``
    allows a read. Applicants read their own linked data without one.
    """
    if principal.role in NO_CASE_DATA_ROLES:
        return Decision(False, None, DecisionCode.ROLE_HAS_NO_ACCESS,
                        "auditors read the ledger, not case data")
    if principal.id == subject_id and principal.role == Role.APPLICANT:
        if agency_id in set(linked_agencies):
            return Decision(True, SELF_CONSENT, DecisionCode.SELF, "your own linked cases",
                            SELF_ACCESS)
        return Decision(False, None, DecisionCode.NOT_LINKED, f"no case linked at {agency_id}")
    best: Decision | None = None
    for record in consents:
        if record.subject_id != subject_id or record.grantee_id != principal.id:
            continue
        if agency_id not in record.agencies:
            continue
        state = effective_state(record, now)
        if scope not in record.scopes:
            candidate = Decision(False, record.id, DecisionCode.SCOPE_NOT_GRANTED,
                                 f"consent {record.id} does not include {scope}")
        elif state != ConsentState.ACTIVE:
            candidate = Decision(False, record.id, _NOT_ACTIVE[state],
                                 f"consent {record.id} is {state}")
        elif now < record.valid_from:
            candidate = Decision(False, record.id, DecisionCode.NOT_YET_VALID,
                                 f"consent {record.id} is valid from "
                                 f"{record.valid_from.isoformat()}")
        else:
            return Decision(True, record.id, DecisionCode.CONSENT, f"consent {record.id}",
                            record.purpose_code)
        best = best or candidate
    return best or Decision(False, None, DecisionCode.NO_CONSENT,
                            f"no consent from this subject covers {agency_id}")


def decide_scopes(principal: Principal, subject_id: str, agency_id: str,
                  scopes: Iterable[Scope], now: datetime, consents: Iterable[ConsentRecord],
                  linked_agencies: Iterable[str]) -> dict[Scope, Decision]:
    """One decision per scope (a read asks for several at once)."""
    consents = tuple(consents)
    linked = tuple(linked_agencies)
    return {scope: decide(principal, subject_id, agency_id, scope, now, consents, linked)
            for scope in scopes}
