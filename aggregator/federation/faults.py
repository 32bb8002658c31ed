"""Whose fault a failed agency call was: the agency's (it counts toward that agency's circuit
breaker) or the request's (it never does, so no client can open an agency's breaker for
everyone by sending bad requests).

Classified by the error's ``google.rpc.ErrorInfo`` reason where the status code alone is
ambiguous: RESOURCE_EXHAUSTED is the agency's when it has spent its own quota, the request's
when the message was too large or the adapter throttles one caller or one case.
"""

from __future__ import annotations

__all__ = ["AGENCY_QUOTA_REASONS", "REQUEST_CODES", "REQUEST_REASON_PREFIXES",
           "counts_against_agency"]

# Codes that describe the request: what was asked, by whom, or that we stopped asking.
REQUEST_CODES = frozenset({
    "INVALID_ARGUMENT", "OUT_OF_RANGE", "NOT_FOUND", "PERMISSION_DENIED", "UNAUTHENTICATED",
    "ALREADY_EXISTS", "ABORTED", "CANCELLED", "UNIMPLEMENTED",
})
# RESOURCE_EXHAUSTED reasons that say the agency's own capacity is spent (AIP-193 names).
AGENCY_QUOTA_REASONS = frozenset({"QUOTA_EXCEEDED", "RATE_LIMIT_EXCEEDED",
                                  "RESOURCE_QUOTA_EXCEEDED"})
# ErrorInfo reasons that name a fault of the request whatever the code (the SDK's convention:
# INVALID_NUMBER, CONSENT_TOKEN_EXPIRED, BATCH_TOO_LARGE, a case's own state, ...).
REQUEST_REASON_PREFIXES = ("INVALID_", "CONSENT_", "CASE_", "REQUEST_", "BATCH_")
# gRPC's own text for a message over the size limit, sent or received.
_TOO_LARGE = "message larger than max"


def counts_against_agency(code: str, reason: str = "", message: str = "") -> bool:
    """Whether a failed call with gRPC status ``code`` (name), ErrorInfo ``reason`` (empty
    when none) and status ``message`` says the agency is unhealthy."""
    if code in REQUEST_CODES:
        return False
    if _TOO_LARGE in message.lower():
        return False
    if reason.startswith(REQUEST_REASON_PREFIXES):
        return False
    if code == "RESOURCE_EXHAUSTED" and reason:
        # A reason other than the agency's quota is a throttle on this caller or case.
        return reason in AGENCY_QUOTA_REASONS
    # UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, UNKNOWN, DATA_LOSS, FAILED_PRECONDITION
    # (the adapter is not set up to answer), RESOURCE_EXHAUSTED without a reason (the
    # server's own limits) and anything unforeseen.
    return True
