"""Schema migrations of the aggregator's database (Alembic): the revisions under
``versions/``, every table listed in ``registry.py``, run by `caseline migrate` and checked
whenever a part of the aggregator opens the database (``ensure_schema``).

A new revision: change the tables, then write ``versions/rNNNN_what.py`` from
``script.py.mako`` (or let Alembic draft it: ``alembic.command.revision(alembic_config(),
message, autogenerate=True)`` with ``config.attributes["connection"]`` set to a database at
the previous head), keeping it additive so that a rolling upgrade works.
"""

from aggregator.migrations.runner import (
    SchemaBehind,
    SchemaStatus,
    alembic_config,
    ensure_schema,
    head_revision,
    schema_status,
    upgrade,
)

__all__ = ["SchemaBehind", "SchemaStatus", "alembic_config", "ensure_schema",
           "head_revision", "schema_status", "upgrade"]
