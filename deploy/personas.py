"""The demo personas (see shared acceptance README). Demo mode only."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PERSONAS", "Persona"]


@dataclass(frozen=True, slots=True)
class Persona:
    """A demo identity."""

    id: str
    role: str
    name: str
    language: str
    about: str


PERSONAS = {
    p.id: p for p in (
        Persona("ana", "applicant", "Ana Morales", "es",
                "applicant, prefers Spanish: cases at immigration and the immigration court"),
        Persona("raj", "applicant", "Raj Patel", "en",
                "applicant: a labor certification and the petitions built on it"),
        Persona("lee", "representative", "Lee Chen", "en",
                "lawyer: no client consents at start"),
        Persona("audrey", "auditor", "Audrey Okafor", "en", "auditor: reads the ledger"),
    )
}
