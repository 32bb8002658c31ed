"""Every ledger test runs on both engines: ``ledger_url`` is a fresh SQLite file's URL or a
throwaway PostgreSQL schema's (``support.databases``); tests import the fixture."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.databases import fresh_database_url

__all__ = ["ENGINES", "ledger_url"]

ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(params=ENGINES)
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where a test's ledger lives, once per engine."""
    with fresh_database_url(request.param, tmp_path) as url:
        yield url
