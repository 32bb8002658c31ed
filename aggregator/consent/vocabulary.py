"""The closed sets of words consents and access are decided in: who asks (:class:`Role`), what
state a consent is in (:class:`ConsentState`) and what it is for (:class:`Purpose`).

A module of their own rather than inside ``records.py`` or ``policy.py``: records, the policy,
the consent service, the store, the gateway's GraphQL enums and the demo's personas all speak
these words, and a module that imports nothing lets each of them do so without importing the
others' logic. The scopes a consent grants are the contract's (``caseline.v1.lib.scopes``);
the case-status vocabulary is the contract's too (``caseline/v1/vocabulary.proto``).

Each value is the string that is stored, signed, written into ledger entries, carried in
bearer tokens (roles) and named in GraphQL: changing one changes all of those.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ConsentState", "Purpose", "Role"]


class Role(StrEnum):
    """What a signed-in account is, as its bearer token's ``role`` claim says."""

    APPLICANT = "applicant"  # reads their own linked cases; grants consents
    REPRESENTATIVE = "representative"  # reads clients' cases under their consents
    AUDITOR = "auditor"  # reads the ledger, never case data


class ConsentState(StrEnum):
    """A consent's state. ACTIVE, PAUSED and REVOKED are stored; EXPIRED is decided from the
    clock at each request (``records.effective_state``)."""

    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"


class Purpose(StrEnum):
    """Why a grantee may read. Small and closed on purpose: auditors compare purposes across
    grantees (the subject's own words travel beside it as free text)."""

    LEGAL_REPRESENTATION = "LEGAL_REPRESENTATION"
    CASE_ASSISTANCE = "CASE_ASSISTANCE"
    EMPLOYER_SPONSORSHIP = "EMPLOYER_SPONSORSHIP"
    FAMILY_SUPPORT = "FAMILY_SUPPORT"
    OTHER = "OTHER"

    @property
    def description(self) -> str:
        """The purpose in plain words (the text of a consent granted by naming it)."""
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    Purpose.LEGAL_REPRESENTATION: "legal representation before the agency or court",
    Purpose.CASE_ASSISTANCE: "help with a case by an accredited representative or nonprofit",
    Purpose.EMPLOYER_SPONSORSHIP: "an employer following the cases it sponsors",
    Purpose.FAMILY_SUPPORT: "a family member following the cases",
    Purpose.OTHER: "another purpose, explained in the free text",
}
