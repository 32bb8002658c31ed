"""The demo personas (see shared acceptance README). Demo mode only."""

from __future__ import annotations

from dataclasses import dataclass

from aggregator.consent.vocabulary import Role

__all__ = ["PERSONAS", "Persona"]


@dataclass(frozen=True, slots=True)
class Persona:
    """A demo identity. ``email``: the address the demo's provider vouches for (its ID
    token says ``email_verified``); the demo seeds it as verified by Caseline too, so
    notification e-mails reach the demo's mail sink from the start."""

    id: str
    role: Role
    name: str
    language: str
    about: str
    email: str = ""

    def __post_init__(self) -> None:
        if not self.email:  # every persona has a demo address
            object.__setattr__(self, "email", f"{self.id}@example.org")


PERSONAS = {
    p.id: p for p in (
        Persona("ana", Role.APPLICANT, "Ana Morales", "es",
                "applicant, prefers Spanish: cases at immigration and the immigration court"),
        Persona("raj", Role.APPLICANT, "Raj Patel", "en",
                "applicant: a labor certification and the petitions built on it"),
        Persona("mei", Role.APPLICANT, "Mei Lin", "en",
                "applicant: a certified labor certification, its I-140 still to be filed"),
        Persona("lee", Role.REPRESENTATIVE, "Lee Chen", "en",
                "lawyer: no client consents at start"),
        Persona("audrey", Role.AUDITOR, "Audrey Okafor", "en", "auditor: reads the ledger"),
    )
}
