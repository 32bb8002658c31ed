"""`caseline keys status|rotate|rewrap|shred`: the aggregator's keys, for operators.

They work on the state directory directly (--state-dir, else $CASELINE_STATE_DIR, else that
of the demo running at --url), and may run while the gateway or demo does: the
keyring, the database and the ledger are shared safely between processes, and the running
gateway picks up what they did (new keys, shredded subjects, their ledger entries) without a
restart.

After a shred the key-encryption keys that wrapped the subject's keys are destroyed, since the
deleted keys survive in PostgreSQL's dead tuples and WAL and in every backup: `keys shred`
rotates and rewraps at once and schedules the destruction for after a grace period;
`keys rewrap` destroys them once it ended; `keys status` lists what
is pending.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from deploy.commands.state_options import DEMO_URL, STATE_DIR, open_aggregator_state

if TYPE_CHECKING:
    from aggregator.ledger.ledger import Ledger
    from aggregator.state import StatePaths
    from aggregator.store import Store
    from aggregator.vault import Vault

__all__ = ["keys"]

MAX_ACCOUNT_ID = 64  # the accounts table's id width
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
MAX_GRACE = timedelta(days=365)


class Duration(click.ParamType[timedelta, object]):
    """A duration such as ``24h``, ``90m``, ``30s`` or ``7d``."""

    name = "duration"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> timedelta:
        if isinstance(value, timedelta):
            return value
        found = re.fullmatch(r"(\d{1,6})([smhd])", str(value).strip())
        if found is None:
            self.fail(f"{value!r} is not a duration: give a whole number and a unit, "
                      f"s, m, h or d (e.g. 24h)", param, ctx)
        duration = timedelta(**{_UNITS[found[2]]: int(found[1])})
        if duration > MAX_GRACE:
            self.fail(f"{value!r} is longer than {MAX_GRACE.days} days: the old keys would "
                      f"outlive the shred that long", param, ctx)
        return duration

DATABASE_URL = click.option(
    "--database-url", default=None,
    help="SQLAlchemy URL of the aggregator database (default: SQLite in the state directory).")


@dataclass
class _Opened:
    paths: StatePaths
    store: Store
    vault: Vault
    ledger: Ledger | None

    def recorder(self) -> Ledger:
        """The ledger, which commands that change keys need."""
        assert self.ledger is not None
        return self.ledger


@contextmanager
def _state(state_dir: Path | None, url: str, database_url: str | None,
           with_ledger: bool = True) -> Iterator[_Opened]:
    from aggregator.bootstrap import open_ledger
    from aggregator.ledger.errors import WriteLockError

    paths, store, vault = open_aggregator_state(state_dir, url, database_url)
    ledger = None
    try:
        if with_ledger:
            ledger = open_ledger(paths, vault.keyring, database_url=database_url)
        yield _Opened(paths, store, vault, ledger)
    except WriteLockError as exc:
        # Only a foreign process (sqlite3 by hand) holds the ledger this long. The key change
        # may be done but is not recorded; running the command again records it.
        raise click.ClickException(f"{exc}; the change was not recorded in the ledger, run "
                                   "the command again once the ledger is free") from exc
    finally:
        if ledger is not None:
            ledger.close()
        store.close()


@click.group()
def keys() -> None:
    """Key-encryption keys, the key custodian and per-subject data keys."""


@keys.command("status")
@STATE_DIR
@DEMO_URL
@DATABASE_URL
def keys_status(state_dir: Path | None, url: str, database_url: str | None) -> None:
    """Key ids, which are primary, encryptions per key, keys still to rewrap (JSON)."""
    with _state(state_dir, url, database_url, with_ledger=False) as opened:
        status = opened.vault.status()
        click.echo(json.dumps(status, indent=2, default=str))


@keys.command("rotate")
@click.option("--custodian", is_flag=True,
              help="Also add a new key-custodian key (adapters pick it up from the JWKS).")
@click.option("--rewrap/--no-rewrap", default=True, show_default=True,
              help="Rewrap every subject key under the new key now (resumable; "
                   "`caseline keys rewrap` finishes an interrupted run).")
@STATE_DIR
@DEMO_URL
@DATABASE_URL
def keys_rotate(custodian: bool, rewrap: bool, state_dir: Path | None, url: str,
                database_url: str | None) -> None:
    """Add a new primary key; data sealed under the old ones still opens."""
    from aggregator.bootstrap import consent_issuer
    from aggregator.vault.admin import rotate

    with _state(state_dir, url, database_url) as opened:
        vault = opened.vault
        rotated = rotate(vault, opened.recorder(), custodian=custodian)
        if custodian:
            consent_issuer(opened.paths, vault)  # republish the JWKS adapters seal to
        for kind, key_id in rotated.keys.items():
            click.echo(f"new primary {kind} key {key_id}")
        click.echo(f"recorded in the ledger as entries "
                   f"{', '.join(str(r.index) for r in rotated.receipts)}")
        if rewrap:
            _rewrap(vault)


def _rewrap(vault: Vault) -> None:
    from tqdm import tqdm

    from aggregator.vault.admin import rewrap_all

    pending = vault.subject_keys.pending_rewrap()
    with tqdm(total=pending, unit="key", desc="rewrapping", disable=not pending) as bar:
        def advance(count: int) -> None:
            bar.update(count)

        moved = rewrap_all(vault, advance)
    click.echo(f"rewrapped {moved} subject keys under {vault.kms.primary_id()}")


def _advance(opened: _Opened) -> None:
    """Carry pending KEK destructions as far as they go now, saying what happened."""
    from aggregator.vault import VaultError
    from aggregator.vault.admin import advance_destructions

    try:
        done = advance_destructions(opened.vault, opened.recorder())
    except VaultError as exc:
        raise click.ClickException(
            f"destroying the old key-encryption keys did not finish: {exc}; what was done "
            f"stays done, run `caseline keys rewrap` to carry on") from exc
    if done.rotated is not None:
        click.echo(f"rotated to a new key-encryption key {done.rotated.keys['kek']} (ledger entry "
                   f"{done.rotated.receipts[0].index}); rewrapped {done.moved} subject keys")
    for kek_id, receipt in done.destroyed:
        click.echo(f"destroyed key-encryption key {kek_id} (ledger entry {receipt.index})")
    for kek_id, why in done.waiting:
        click.echo(f"key-encryption key {kek_id} waits for destruction: {why}")


@keys.command("rewrap")
@STATE_DIR
@DEMO_URL
@DATABASE_URL
def keys_rewrap(state_dir: Path | None, url: str, database_url: str | None) -> None:
    """Finish moving subject keys to the primary key-encryption key, then destroy the old
    key-encryption keys a shred scheduled whose grace period ended (recorded in the
    ledger)."""
    with _state(state_dir, url, database_url) as opened:
        _rewrap(opened.vault)
        _advance(opened)


@keys.command("shred")
@click.argument("subject")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--grace", type=Duration(), default="24h", show_default=True,
              help="How long writers in other processes may still wrap under the old "
                   "key-encryption key before it is destroyed (`keys rewrap` destroys "
                   "it after that). Keyring backups must expire within it.")
@STATE_DIR
@DEMO_URL
@DATABASE_URL
def keys_shred(subject: str, yes: bool, grace: timedelta, state_dir: Path | None, url: str,
               database_url: str | None) -> None:
    """Destroy SUBJECT's data keys: everything Caseline keeps of theirs becomes unreadable,
    for good, and every consent they granted or were granted is revoked. Then rotate to a
    new key-encryption key and rewrap everyone else's keys under it; the old ones are
    destroyed after the grace period, so no backup of the database opens SUBJECT's data.
    Recorded in the ledger."""
    from aggregator.accounts import UnknownAccountError
    from aggregator.bootstrap import consent_key, ledger_reference_key, pseudonym_key
    from aggregator.consent.service import ConsentService
    from aggregator.vault.admin import shred_subject
    from aggregator.vault.pseudonyms import pseudonym

    if not 0 < len(subject) <= MAX_ACCOUNT_ID:
        raise click.ClickException(f"an account id has 1 to {MAX_ACCOUNT_ID} characters, got "
                                   f"{len(subject)}: nothing was shredded or recorded")
    with _state(state_dir, url, database_url) as opened:
        account = opened.store.account(subject)
        if account is None:
            raise click.ClickException(
                f"no account {subject!r} in {opened.paths.root}: nothing was shredded or "
                "recorded (an account exists once its person signed in, or was seeded)")
        if account.erased_at is not None:
            click.echo(f"{subject}'s data was already erased at "
                       f"{account.erased_at.isoformat()}; finishing what that left undone")
        elif not yes:
            click.confirm(f"Destroy {subject}'s keys? Their stored data cannot be recovered.",
                          abort=True)
        keyring = opened.vault.keyring
        psn_key = pseudonym_key(opened.paths, keyring)
        consents = ConsentService(
            opened.store, opened.recorder(), consent_key(opened.paths, keyring),
            lambda subject_id: pseudonym(psn_key, subject_id),
            ledger_reference_key(opened.paths, keyring), known_agencies=())
        try:
            shredded = shred_subject(opened.vault, opened.store, opened.recorder(), consents,
                                     subject, pseudonym(psn_key, subject), grace=grace)
        except UnknownAccountError as exc:  # checked above; accounts are never deleted
            raise click.ClickException(f"{exc}: nothing was shredded") from exc
        if shredded.receipt is not None:
            if shredded.versions:
                click.echo(f"destroyed {shredded.versions} data key(s) of {subject}")
            else:
                click.echo(f"{subject} had no data keys (nothing sealed for them); the "
                           "erasure is recorded anyway, so nothing can be sealed for them "
                           "again")
            click.echo(f"recorded in the ledger as entry {shredded.receipt.index}")
        if shredded.revoked:
            click.echo(f"revoked {len(shredded.revoked)} consent(s) granted by or to "
                       f"{subject} (ledger entries "
                       f"{', '.join(str(c.appended.index) for c in shredded.revoked)})")
        _advance(opened)
