"""Fresh databases for tests that run on both engines: a SQLite file, or a throwaway
PostgreSQL schema on the machine's server (``CASELINE_TEST_POSTGRES``)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

__all__ = ["POSTGRES_URL", "fresh_database_url"]

POSTGRES_URL = os.environ.get("CASELINE_TEST_POSTGRES",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_database_url(engine: str, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database: ``engine`` "sqlite" (a file in ``tmp_path``) or
    "postgresql" (a schema created here and dropped afterwards)."""
    if engine == "sqlite":
        yield f"sqlite:///{tmp_path / 'aggregator.sqlite3'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
