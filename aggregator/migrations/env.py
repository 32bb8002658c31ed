"""Alembic's environment for the aggregator's database: always online, on the connection the
caller passes in ``config.attributes["connection"]`` (aggregator/migrations/runner.py), so a
URL's options (a PostgreSQL ``search_path``) hold and no alembic.ini is needed."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from aggregator.migrations.registry import schemas_for


def _run(connection: Connection) -> None:
    context.configure(connection=connection,
                      target_metadata=list(schemas_for(connection.dialect.name)),
                      # SQLite alters tables by copying them (batch mode).
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


_connection = context.config.attributes.get("connection")
if not isinstance(_connection, Connection):
    raise RuntimeError("aggregator migrations run through aggregator.migrations (caseline "
                       "migrate), which passes the connection; there is no alembic.ini")
_run(_connection)
