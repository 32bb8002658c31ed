"""Databases from before Alembic (no ``alembic_version`` table): the hand-written upgrades
that used to run at every open bring their existing tables to the baseline layout, the
baseline's missing tables are created, and the database is stamped at the baseline; later
revisions then run like on any other database.

Data migrations that need keys (sealing plaintext case numbers and consent purposes) cannot
run here: the store does them when it opens (aggregator/store/subjects.py).
"""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

from aggregator.migrations.registry import table_names
from aggregator.notify.tables import add_alert_columns
from aggregator.store.migrations import (
    add_link_holders,
    add_shared_names,
    create_accounts,
    legacy_links,
)

__all__ = ["BASELINE_REVISION", "is_legacy", "upgrade_legacy"]

BASELINE_REVISION = "r0001"


def is_legacy(conn: Connection) -> bool:
    """Whether the database holds aggregator tables but no migration version."""
    present = set(inspect(conn).get_table_names())
    return "alembic_version" not in present and bool(present & table_names())


def upgrade_legacy(engine: Engine) -> None:
    """Bring a pre-Alembic database to the baseline layout (each step checks whether it is
    needed); the caller stamps it at :data:`BASELINE_REVISION`."""
    from aggregator.migrations.versions.r0001_baseline import BASELINE

    legacy_links(engine)  # plaintext links set aside, sealed by the store when it opens
    had_accounts = inspect(engine).has_table("accounts")
    BASELINE.create_all(engine)  # the tables it lacks, as the baseline has them
    add_shared_names(engine)
    add_link_holders(engine)
    add_alert_columns(engine)
    if not had_accounts:
        create_accounts(engine)
