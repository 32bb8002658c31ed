"""Fixtures for the vault: a keyring under a random environment key, and the aggregator's
database on SQLite and on PostgreSQL (a throwaway schema per test, so runs do not clash)."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from aggregator.store import make_engine
from aggregator.vault import Keyring, LocalKeyService, SubjectKeys
from support.databases import fresh_database_url


@pytest.fixture
def environ() -> dict[str, str]:
    """An environment holding a random keyring key (fast: no scrypt)."""
    return {"CASELINE_KEYRING_KEY": base64.b64encode(os.urandom(32)).decode()}


@pytest.fixture
def keyring_path(tmp_path: Path) -> Path:
    """Where the keyring lives, as in a state directory."""
    return tmp_path / "state" / "keys" / "keyring.json"


@pytest.fixture
def keyring(keyring_path: Path, environ: dict[str, str]) -> Keyring:
    """The keyring under the environment key."""
    return Keyring(keyring_path, environ=environ)


@pytest.fixture
def kms(keyring: Keyring) -> LocalKeyService:
    """The local key service over that keyring."""
    return LocalKeyService(keyring)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The aggregator database URL: a SQLite file, or a fresh PostgreSQL schema."""
    with fresh_database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def engines(database_url: str) -> Iterator[Callable[[], Engine]]:
    """Opens engines on the database (one per simulated process); disposes them after."""
    opened: list[Engine] = []

    def open_engine() -> Engine:
        engine = make_engine(database_url)
        opened.append(engine)
        return engine

    yield open_engine
    for engine in opened:
        engine.dispose()


@pytest.fixture
def subject_keys(engines: Callable[[], Engine], kms: LocalKeyService) -> SubjectKeys:
    """Subject keys on the parametrised database, wrapped by the local key service."""
    return SubjectKeys(engines(), kms)


@pytest.fixture
def other_process(engines: Callable[[], Engine], keyring_path: Path,
                  environ: dict[str, str]) -> Callable[[], SubjectKeys]:
    """Subject keys as another process sees them: own engine, keyring and key service."""
    return lambda: SubjectKeys(engines(), LocalKeyService(Keyring(keyring_path,
                                                                  environ=environ)))
