"""The `--state-dir` and `--url` options of the commands that work on a running demo's state
(dev-token, keys, audit), and turning them into a state directory or a clear refusal."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from deploy.demo.personas import PERSONAS
from deploy.demo.run_files import (
    DEFAULT_URL,
    StateDirNotFound,
    demo_database_url,
    locate_state_dir,
)
from deploy.demo.state import DemoState

if TYPE_CHECKING:
    from aggregator.state import StatePaths
    from aggregator.store import Store
    from aggregator.vault import Vault

__all__ = ["DEMO_URL", "STATE_DIR", "database_url_for", "open_aggregator_state",
           "persona_token", "state_dir_for"]

STATE_DIR = click.option(
    "--state-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="The demo's state directory (default: $CASELINE_STATE_DIR, else that of the demo "
         "running at --url, found from the run file it writes).")
DEMO_URL = click.option(
    "--url", default=DEFAULT_URL, show_default=True,
    help="The running demo whose state directory to use when neither --state-dir nor "
         "$CASELINE_STATE_DIR is given.")


def state_dir_for(state_dir: Path | None, url: str | None) -> Path:
    """The state directory to use; a ClickException naming the places looked when there is
    none (never a silent default)."""
    try:
        return locate_state_dir(state_dir, url)
    except StateDirNotFound as exc:
        raise click.ClickException(str(exc)) from exc
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--url") from exc


def database_url_for(database_url: str | None, root: Path, url: str | None) -> str | None:
    """``database_url``, else that of the demo running at ``url`` on ``root`` (its run file
    says; a `caseline demo --engine postgres`), else None: SQLite in the state directory."""
    if database_url is not None:
        return database_url
    try:
        return demo_database_url(root, url)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--url") from exc


def open_aggregator_state(state_dir: Path | None, url: str | None,
                          database_url: str | None) -> tuple[StatePaths, Store, Vault]:
    """The aggregator's state for an operator command: its paths, store and vault; a
    ClickException saying what to do when there is none or it does not open."""
    # Imported here: commands that never open the aggregator's state start faster.
    from sqlalchemy.exc import OperationalError

    from aggregator.bootstrap import open_state
    from aggregator.migrations import SchemaBehind
    from aggregator.state import StatePaths
    from aggregator.vault import VaultError

    root = state_dir_for(state_dir, url)
    database_url = database_url_for(database_url, root, url)
    paths = StatePaths(root)
    if not paths.database.exists() and database_url is None:
        raise click.ClickException(f"no aggregator state in {root} (run `caseline demo` first, "
                                   "or pass --state-dir)")
    try:
        store, vault = open_state(paths, database_url)
    except (VaultError, ValueError, OSError, SchemaBehind) as exc:
        raise click.ClickException(str(exc)) from exc
    except OperationalError as exc:  # the database server is down or refuses us
        raise click.ClickException(f"cannot open the aggregator's database: {exc.orig}"
                                   ) from exc
    return paths, store, vault


def persona_token(state_dir: Path, persona: str, ttl_s: int = 12 * 3600) -> str:
    """A bearer token for ``persona`` signed with the demo sign-in key in ``state_dir``,
    under the demo's fixed issuer name, which every demo on ``state_dir`` accepts whatever
    its port (the provider's own tokens name its URL; demos sharing a state directory run on
    different ports); a ClickException if there is no key (creating one would sign tokens no
    demo accepts)."""
    from aggregator.vault.key_files import load_or_create_ed25519
    from gateway.auth import DevIssuer

    state = DemoState(state_dir)
    if not state.issuer_key.is_file():
        raise click.ClickException(
            f"no demo sign-in key in {state.root} ({state.issuer_key} is missing): not the "
            "state directory of a demo that has started; run `caseline demo` with it first")
    try:
        key = load_or_create_ed25519(state.issuer_key)  # it exists: loaded, never created
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read the demo sign-in key {state.issuer_key}: "
                                   f"{exc}") from exc
    who = PERSONAS[persona]
    return DevIssuer(key).issue(who.id, who.role, who.name,
                                                           ttl_s=ttl_s)
