"""Seeded reference-agency stores with the personas linked to their cases (for tests that
run real adapters under a fresh aggregator state)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from adapters.reference.catalog import REFERENCE_AGENCIES, synthetic
from adapters.reference.seed import seed_store
from aggregator.bootstrap import consent_issuer, open_state
from aggregator.state import StatePaths

__all__ = ["seed_world"]


def seed_world(root: Path, *, cases: int, seed: int, today: date,
               database_url: str | None = None) -> dict[str, Path]:
    """Seed a store per agency in ``root``, publish the consent JWKS and link every persona's
    cases in the aggregator's database (``database_url``, else SQLite in ``root``); each
    agency's store file."""
    stores = {a: root / f"{a}.sqlite3" for a in REFERENCE_AGENCIES}
    for agency_id, path in stores.items():
        seed_store(path, agency_id, cases=cases, seed=seed, today=today, progress=False)
    store, vault = open_state(StatePaths(root), database_url)
    consent_issuer(StatePaths(root), vault)  # on the store's engine, closed with it
    for agency_id in REFERENCE_AGENCIES:
        for persona, persona_cases in synthetic(agency_id).persona_cases(today).items():
            for case in persona_cases:
                store.add_link(persona, agency_id, case.number)
    store.close()
    return stores
