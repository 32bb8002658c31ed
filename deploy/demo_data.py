"""Seeding the demo on first run: agency stores, persona links, and a manifest; persona
accounts on every run (state directories from before the account registry lack them)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import click

from adapters.reference.catalog import REFERENCE_AGENCIES, history
from adapters.reference.seed import generated_cases, seed_store
from aggregator.bootstrap import (
    StatePaths,
    ledger_reference_key,
    open_ledger,
    open_state,
    pseudonym_key,
)
from aggregator.files import private_dir
from aggregator.ledger.entries import link_entry
from aggregator.pseudonyms import pseudonym
from deploy.personas import PERSONAS
from deploy.state import DemoState

__all__ = ["ensure_demo_data"]

SAMPLES_PER_AGENCY = 3


@contextmanager
def _seeding_turn(state: DemoState) -> Iterator[None]:
    """Hold the state directory's seeding lock: two demos started together on one state
    directory must not both seed it (the second would delete the first's stores midway)."""
    private_dir(state.root)
    fd = os.open(state.root / ".seeding.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            click.echo(f"Another demo is seeding {state.root}; waiting for it to finish…")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def ensure_demo_data(state: DemoState, *, cases: int, seed: int,
                     today: date | None = None) -> dict[str, Any]:
    """The manifest, seeding everything first if this state directory has no complete demo."""
    with _seeding_turn(state):
        manifest = state.read_manifest()
        if manifest is None or not all(state.store(a).exists() for a in REFERENCE_AGENCIES):
            manifest = _seed(state, cases=cases, seed=seed, today=today or date.today())
        _ensure_persona_accounts(StatePaths(state.root))
        return manifest


def _ensure_persona_accounts(paths: StatePaths) -> None:
    """Every persona has an account, so consents can name any of them from the start."""
    store, _ = open_state(paths)
    try:
        for persona in PERSONAS.values():
            store.ensure_account(persona.id, persona.role)
    finally:
        store.close()


def _seed(state: DemoState, *, cases: int, seed: int, today: date) -> dict[str, Any]:
    click.echo(f"First run: generating demo data in {state.root} "
               f"({cases:,} cases per agency, seed {seed}, as of {today.isoformat()})")
    for agency_id in REFERENCE_AGENCIES:
        state.store(agency_id).unlink(missing_ok=True)
        report = seed_store(state.store(agency_id), agency_id, cases=cases, seed=seed,
                            today=today)
        click.echo(f"  {agency_id}: {report.cases:,} cases, {report.events:,} events "
                   f"in {report.seconds:.1f} s")
    personas: dict[str, list[dict[str, str]]] = {p: [] for p in PERSONAS}
    paths = StatePaths(state.root)
    store, vault = open_state(paths)
    ledger = open_ledger(paths, vault.keyring)
    psn_key = pseudonym_key(paths, vault.keyring)
    ref_key = ledger_reference_key(paths, vault.keyring)
    try:
        for agency_id in REFERENCE_AGENCIES:
            for persona_id, records in history(agency_id).persona_cases(today).items():
                store.ensure_subject(persona_id, PERSONAS[persona_id].language)
                for record in records:
                    # As if the persona had linked it with the notice's access code.
                    if store.add_link(persona_id, agency_id, record.number, record.access_code):
                        ledger.append_sync(link_entry(ref_key, "LINKED",
                                                      pseudonym(psn_key, persona_id),
                                                      agency_id, record.number))
                    personas[persona_id].append({
                        "agency": agency_id, "number": record.number,
                        "case_type": record.case_type, "access_code": record.access_code})
    finally:
        ledger.close()
        store.close()
    manifest = {
        "today": today.isoformat(), "seed": seed, "cases": cases, "personas": personas,
        "samples": {a: [c.number for c in generated_cases(a, SAMPLES_PER_AGENCY, seed, today)]
                    for a in REFERENCE_AGENCIES},
    }
    state.write_manifest(manifest)
    return manifest
