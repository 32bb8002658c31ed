"""`caseline migrate`: bring the aggregator's database to this release's schema.

Run it once, from one place, before a rolling upgrade: revisions are additive, so replicas
still on the previous release keep working on the new schema while they are replaced. On
PostgreSQL the gateway refuses to start on a schema that is behind rather than migrate under
running replicas; on SQLite (one machine) it migrates when it starts.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from deploy.commands.engine_options import without_password

__all__ = ["migrate"]


@click.command()
@click.option("--database-url", default=None, metavar="URL",
              help="The aggregator's database (SQLAlchemy URL, e.g. "
                   "postgresql+psycopg://user@host/db).")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Instead of --database-url: the state directory whose SQLite database to "
                   "migrate.")
def migrate(database_url: str | None, state_dir: Path | None) -> None:
    """Run the schema migrations the aggregator's database lacks (Alembic, upgrade to head);
    prints one JSON line: the database (no password) and its revision before and after."""
    from sqlalchemy.exc import OperationalError

    from aggregator.bootstrap import migrate_state
    from aggregator.state import StatePaths
    from deploy.commands.engine_options import resolve_engines

    if (database_url is None) == (state_dir is None):
        raise click.UsageError("give one of --database-url URL or --state-dir DIR")
    if database_url is not None:
        resolve_engines("embedded", database_url, None, None)  # a usage error if unusable
    paths = StatePaths(state_dir or Path("."))
    if state_dir is not None and not paths.database.exists():
        raise click.ClickException(f"no aggregator database in {state_dir} ({paths.database} "
                                   "is missing)")
    shown = without_password(database_url) if database_url else f"sqlite:///{paths.database}"
    try:
        before, after = migrate_state(paths, database_url)
    except OperationalError as exc:
        raise click.ClickException(f"cannot migrate {shown}: {exc.orig}") from exc
    if before.ahead:
        click.echo(f"{shown} is at {', '.join(before.current)}, newer than this release "
                   f"({before.head}): nothing to do", err=True)
    click.echo(json.dumps({"database": shown,
                           "before": list(before.current) or None,
                           "after": list(after.current), "head": after.head,
                           "from_before_migrations": before.legacy}))
