"""Who the reference agencies' cases are about: what each agency's records know identifies
the person (names, dates of birth, numbers), for the personas and for generated cases."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from adapters.sdk.records import CaseRecord, IdentityTerms

__all__ = ["PERSONAS", "generated_identity", "persona_records", "with_siblings"]

# The demo personas as the agencies know them (deploy/demo/personas.py names the same people).
PERSONAS: dict[str, IdentityTerms] = {
    "ana": IdentityTerms(names=("Ana Morales", "Ana Lucía Morales Peña"),
                         birth_dates=(date(1991, 3, 14),), numbers=("A201555123",)),
    "raj": IdentityTerms(names=("Raj Patel", "Rajesh Kumar Patel"),
                         birth_dates=(date(1987, 9, 2),), numbers=("A098765432",)),
    "mei": IdentityTerms(names=("Mei Lin", "Lin Mei"),
                         birth_dates=(date(1993, 6, 21),), numbers=("A076543210",)),
}

_GIVEN = ("María", "José", "Ana", "Luis", "Carmen", "Wei", "Priya", "Olumide", "Fatima",
          "Dmitri", "Sofía", "Jean-Baptiste", "Nguyen", "Amara", "Diego", "Hana", "Tomás",
          "Aisha", "Mateo", "Ioana", "Kwame", "Lucía", "Arjun", "Mei", "Yusuf", "Elena",
          "Rafael", "Zainab", "Oksana", "Joaquín", "Chinedu")
_FAMILY = ("García", "Hernández", "Núñez", "Okafor", "Chen", "Singh", "Kowalski",
           "Haddad", "Mensah", "Ivanova", "Pérez", "Tran", "Abdi", "Rossi", "Castillo",
           "Nakamura", "Mwangi", "Oyelaran", "Fernández", "Petrov", "Kaur", "Ramírez",
           "O'Brien", "Da Silva", "Al-Masri", "Gómez", "Sato", "Rahman", "Baptiste")
_BIRTH_BASE = date(1940, 1, 1).toordinal()
_BIRTH_SPAN = 365 * 62


def generated_identity(serial: int, subject_ref: str) -> IdentityTerms:
    """A generated case's person, derived from its serial alone (the generators' random
    streams are left untouched, so stores seeded before stay reproducible)."""
    mix = (serial * 2_654_435_761 + 97) % 4_294_967_291
    given = _GIVEN[mix % len(_GIVEN)]
    family = _FAMILY[(mix // 31) % len(_FAMILY)]
    born = date.fromordinal(_BIRTH_BASE + (mix // 961) % _BIRTH_SPAN)
    return IdentityTerms(names=(f"{given} {family}",), birth_dates=(born,),
                         numbers=(subject_ref,))


def with_siblings(person: IdentityTerms, numbers: Iterable[str]) -> IdentityTerms:
    """``person`` with the numbers of their other cases at one agency: a case's texts must not
    show those to a reader without IDENTITY (its own number the reader already holds)."""
    known = dict.fromkeys((*person.numbers, *numbers))
    return IdentityTerms(person.names, person.birth_dates, tuple(known))


def persona_records(person: IdentityTerms, records: list[CaseRecord]) -> list[CaseRecord]:
    """``records`` of one persona at one agency, each carrying the persona's identity."""
    return [replace(r, identity=with_siblings(person, (o.number for o in records if o is not r)))
            for r in records]
