"""Seeding the demo on first run: agency stores, persona links, and a manifest; persona
accounts on every run (state directories from before the account registry lack them), and the
personas' cases too (a persona added since, or related cases a store from before lacks)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, TextIO

import click

from adapters.reference.catalog import REFERENCE_AGENCIES, synthetic
from adapters.reference.demo_store import DemoStore
from adapters.reference.seed import generated_cases, seed_store
from aggregator.bootstrap import ledger_reference_key, open_ledger, open_state, pseudonym_key
from aggregator.files import private_dir
from aggregator.ledger.entries import link_entry
from aggregator.notify.model import ChannelKind, Preferences
from aggregator.notify.preferences import SqlPreferences
from aggregator.store import Store
from aggregator.vault.pseudonyms import pseudonym
from deploy.demo.mail import seed_persona_emails
from deploy.demo.personas import PERSONAS
from deploy.demo.progress import StepProgress
from deploy.demo.state import DemoState

__all__ = ["SEEDING_STEPS", "ensure_demo_data"]

SAMPLES_PER_AGENCY = 3

# What a first run does, in order; every step is shown, none runs silently.
SEEDING_STEPS = (*(f"{agency} cases" for agency in REFERENCE_AGENCIES), "keyring and ledger",
                 "persona links", "sample numbers", "persona accounts")


@contextmanager
def _seeding_turn(state: DemoState) -> Iterator[None]:
    """Hold the state directory's seeding lock: two demos started together on one state
    directory must not both seed it (the second would delete the first's stores midway)."""
    private_dir(state.root)
    fd = os.open(state.seeding_lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            click.echo(f"Another demo is seeding {state.root}; waiting for it to finish…")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def ensure_demo_data(state: DemoState, *, cases: int, seed: int, today: date | None = None,
                     stream: TextIO | None = None,
                     database_url: str | None = None) -> dict[str, Any]:
    """The manifest, seeding everything first if this state directory has no complete demo;
    a first run's steps are shown on ``stream`` (stderr by default; see
    :class:`StepProgress`). ``database_url``: the aggregator's database (None: SQLite in
    the state directory); one the personas' cases were never linked in (a state directory
    seeded on the other engine) gets their links."""
    with _seeding_turn(state):
        manifest = state.read_manifest()
        if manifest is None or not all(state.store(a).exists() for a in REFERENCE_AGENCIES):
            anchor = today or date.today()
            progress = StepProgress(len(SEEDING_STEPS), stream)
            progress.say(f"First run: generating demo data in {state.root} ({cases:,} cases "
                         f"per agency, seed {seed}, as of {anchor.isoformat()}), in "
                         f"{len(SEEDING_STEPS)} steps")
            manifest = _seed(state, progress, cases=cases, seed=seed, today=anchor,
                             database_url=database_url)
            with progress.step("persona accounts") as step:
                _ensure_persona_accounts(state, database_url)
                step.summary = f"{len(PERSONAS)} accounts"
        else:
            manifest = _ensure_persona_cases(state, manifest, database_url)
            _ensure_persona_accounts(state, database_url)
        return manifest


def _ensure_persona_cases(state: DemoState, manifest: dict[str, Any],
                          database_url: str | None = None) -> dict[str, Any]:
    """Bring a state directory seeded by an older Caseline up to today's personas: the
    related cases its stores lack for persona cases, and the cases of personas added since
    (dated from the day it was seeded), linked to them and listed in the manifest; and link
    the listed ones in a database that lacks them (seeded on the other engine). Does
    nothing on a directory that has them all."""
    today = date.fromisoformat(str(manifest["today"]))
    listed = {(c["agency"], c["number"]) for cs in manifest.get("personas", {}).values()
              for c in cs}
    missing: list[tuple[str, str, Any]] = []
    for agency_id in REFERENCE_AGENCIES:
        by_persona = synthetic(agency_id).persona_cases(today)
        agency_store = DemoStore(state.store(agency_id))
        records = [r for rs in by_persona.values() for r in rs]
        agency_store.add_missing_cases(records)
        agency_store.ensure_related(records)
        missing += [(agency_id, persona_id, r) for persona_id, rs in by_persona.items()
                    for r in rs if (agency_id, r.number) not in listed]
    store, vault = open_state(state, database_url)
    try:
        unlinked = _unlinked(store, manifest)
        if not missing and not unlinked:
            return manifest
        ledger = open_ledger(state, vault.keyring, database_url=database_url)
        try:
            psn_key = pseudonym_key(state, vault.keyring)
            ref_key = ledger_reference_key(state, vault.keyring)
            personas = manifest.setdefault("personas", {})
            for persona_id, case in unlinked:
                store.ensure_subject(persona_id, PERSONAS[persona_id].language)
                if store.add_link(persona_id, case["agency"], case["number"],
                                  case.get("access_code")):
                    ledger.append_sync(link_entry(ref_key, "LINKED",
                                                  pseudonym(psn_key, persona_id),
                                                  case["agency"], case["number"]))
            for agency_id, persona_id, record in missing:
                store.ensure_subject(persona_id, PERSONAS[persona_id].language)
                if store.add_link(persona_id, agency_id, record.number, record.access_code):
                    ledger.append_sync(link_entry(ref_key, "LINKED",
                                                  pseudonym(psn_key, persona_id), agency_id,
                                                  record.number))
                personas.setdefault(persona_id, []).append({
                    "agency": agency_id, "number": record.number,
                    "case_type": record.case_type, "access_code": record.access_code})
        finally:
            ledger.close()
    finally:
        store.close()
    state.write_manifest(manifest)
    return manifest


def _unlinked(store: Store, manifest: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The manifest's persona cases, when ``store``'s database has none of them linked (it
    was never seeded: the state directory was, on the other engine); else none (a case a
    persona unlinked during a demo stays unlinked)."""
    listed = [(persona_id, case) for persona_id, cases in manifest.get("personas", {}).items()
              if persona_id in PERSONAS for case in cases]
    if any(store.links_for(persona_id) for persona_id in {p for p, _ in listed}):
        return []
    return listed


def _ensure_persona_accounts(state: DemoState, database_url: str | None = None) -> None:
    """Every persona has an account, so consents can name any of them from the start, a
    verified demo e-mail address, and e-mail on in their notification preferences (only
    while they have none of their own: what a person changed on /me/settings stays)."""
    store, vault = open_state(state, database_url)
    try:
        prefs = SqlPreferences(store.engine)
        for persona in PERSONAS.values():
            store.ensure_account(persona.id, persona.role)
            if not prefs.stored(persona.id):
                prefs.set_preferences(persona.id, Preferences(
                    frozenset({ChannelKind.IN_APP, ChannelKind.EMAIL})))
        # Their demo addresses, verified, so notification e-mails reach the mail sink.
        seed_persona_emails(vault)
    finally:
        store.close()


def _seed(state: DemoState, progress: StepProgress, *, cases: int, seed: int,
          today: date, database_url: str | None = None) -> dict[str, Any]:
    for agency_id in REFERENCE_AGENCIES:
        with progress.step(f"{agency_id} cases", total=cases, unit="case") as step:
            state.store(agency_id).unlink(missing_ok=True)
            report = seed_store(state.store(agency_id), agency_id, cases=cases, seed=seed,
                                today=today, progress=False, on_cases=step.advance)
            step.summary = f"{report.cases:,} cases, {report.events:,} events"
    personas: dict[str, list[dict[str, str]]] = {p: [] for p in PERSONAS}
    with progress.step("keyring and ledger") as step:
        store, vault = open_state(state, database_url)
        try:
            ledger = open_ledger(state, vault.keyring, database_url=database_url)
            psn_key = pseudonym_key(state, vault.keyring)
            ref_key = ledger_reference_key(state, vault.keyring)
        except BaseException:
            store.close()
            raise
        where = (_shown(state.ledger, state) if ledger.store.path is not None
                 else "in the database")
        step.summary = (f"{_shown(vault.keyring.path, state)} opened by a "
                        f"{vault.keyring.protection}, ledger {where}")
    try:
        owned = {a: synthetic(a).persona_cases(today) for a in REFERENCE_AGENCIES}
        with progress.step("persona links", total=sum(
                len(records) for by_persona in owned.values() for records in by_persona.values()),
                unit="case") as step:
            linked = 0
            for agency_id, by_persona in owned.items():
                for persona_id, records in by_persona.items():
                    store.ensure_subject(persona_id, PERSONAS[persona_id].language)
                    for record in records:
                        # As if the persona had linked it with the notice's access code.
                        if store.add_link(persona_id, agency_id, record.number,
                                          record.access_code):
                            ledger.append_sync(link_entry(ref_key, "LINKED",
                                                          pseudonym(psn_key, persona_id),
                                                          agency_id, record.number))
                            linked += 1
                        personas[persona_id].append({
                            "agency": agency_id, "number": record.number,
                            "case_type": record.case_type, "access_code": record.access_code})
                        step.advance(1)
            owners = sorted({p for by_persona in owned.values() for p, r in by_persona.items()
                             if r})
            step.summary = (f"{linked} cases linked to {', '.join(owners)}, each recorded in "
                            "the ledger")
    finally:
        ledger.close()
        store.close()
    with progress.step("sample numbers") as step:
        manifest = {
            "today": today.isoformat(), "seed": seed, "cases": cases, "personas": personas,
            "samples": {a: [c.number for c in generated_cases(a, SAMPLES_PER_AGENCY, seed,
                                                              today)]
                        for a in REFERENCE_AGENCIES},
        }
        state.write_manifest(manifest)
        step.summary = f"{SAMPLES_PER_AGENCY} per agency, manifest written"
    return manifest


def _shown(path: Path, state: DemoState) -> str:
    return str(path.relative_to(state.root)) if path.is_relative_to(state.root) else str(path)
