"""The one access policy: may this principal read this scope of this subject's data at this
agency now? Plain data in, a decision out that names the consent it relied on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from aggregator.consent.records import ACTIVE, ConsentRecord, effective_state

__all__ = ["SELF_CONSENT", "Decision", "Principal", "decide", "decide_scopes"]

SELF_CONSENT = "self"

# Why a read was refused; stable codes the gateway shows and the ledger records.
NO_CONSENT = "NO_CONSENT"
SCOPE_NOT_GRANTED = "SCOPE_NOT_GRANTED"
NOT_YET_VALID = "NOT_YET_VALID"
NOT_LINKED = "NOT_LINKED"
ROLE_HAS_NO_ACCESS = "ROLE_HAS_NO_ACCESS"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who asks: account id and role (applicant, representative, auditor)."""

    id: str
    role: str


@dataclass(frozen=True, slots=True)
class Decision:
    """Allow or deny; ``consent_id`` is what an allow relied on (``self`` for own data)."""

    allowed: bool
    consent_id: str | None
    code: str
    reason: str
    purpose: str = ""


def decide(principal: Principal, subject_id: str, agency_id: str, scope: str, now: datetime,
           consents: Iterable[ConsentRecord], linked_agencies: Iterable[str]) -> Decision:
    """Allow or deny ``scope`` of ``subject_id``'s data at ``agency_id`` for ``principal``.

    ``consents`` are the current versions of the consents the subject granted; only one
    that names this principal, agency and scope and is ACTIVE and already valid at ``now``
    allows a read. Applicants read their own linked data without one.
    """
    if principal.role == "auditor":
        return Decision(False, None, ROLE_HAS_NO_ACCESS,
                        "auditors read the ledger, not case data")
    if principal.id == subject_id and principal.role == "applicant":
        if agency_id in set(linked_agencies):
            return Decision(True, SELF_CONSENT, "SELF", "your own linked cases", "SELF_ACCESS")
        return Decision(False, None, NOT_LINKED, f"no case linked at {agency_id}")
    best: Decision | None = None
    for record in consents:
        if record.subject_id != subject_id or record.grantee_id != principal.id:
            continue
        if agency_id not in record.agencies:
            continue
        state = effective_state(record, now)
        if scope not in record.scopes:
            candidate = Decision(False, record.id, SCOPE_NOT_GRANTED,
                                 f"consent {record.id} does not include {scope}")
        elif state != ACTIVE:
            candidate = Decision(False, record.id, f"CONSENT_{state}",
                                 f"consent {record.id} is {state}")
        elif now < record.valid_from:
            candidate = Decision(False, record.id, NOT_YET_VALID,
                                 f"consent {record.id} is valid from "
                                 f"{record.valid_from.isoformat()}")
        else:
            return Decision(True, record.id, "CONSENT", f"consent {record.id}",
                            record.purpose_code)
        best = best or candidate
    return best or Decision(False, None, NO_CONSENT,
                            f"no consent from this subject covers {agency_id}")


def decide_scopes(principal: Principal, subject_id: str, agency_id: str,
                  scopes: Iterable[str], now: datetime, consents: Iterable[ConsentRecord],
                  linked_agencies: Iterable[str]) -> dict[str, Decision]:
    """One decision per scope (a read asks for several at once)."""
    consents = tuple(consents)
    linked = tuple(linked_agencies)
    return {scope: decide(principal, subject_id, agency_id, scope, now, consents, linked)
            for scope in scopes}
