"""In-memory stand-ins for the aggregator's collaborators (aggregator.ports), so that a test
composes a service through ``bootstrap``'s overrides without a state directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from aggregator.bootstrap import ServiceKeys, bootstrap
from aggregator.config import AggregatorConfig
from aggregator.ledger.encoding import canonical
from aggregator.ledger.entries import Entry
from aggregator.ledger.ledger import Appended
from aggregator.ledger.merkle import HASH_SIZE, MerkleTree, leaf_hash
from aggregator.ledger.storage import LedgerStore, StoredCheckpoint
from aggregator.ledger.tiles import (
    TILE_WIDTH,
    TileKey,
    entry_bundle,
    tile_width_at,
    tiles_after_append,
)
from aggregator.ports import AdapterPort
from aggregator.service import CaselineService
from aggregator.store import Store, make_engine
from aggregator.vault.opening import CaseOpener
from support.sealing import MemorySealer

__all__ = ["NO_STATE_DIR", "FakeLedger", "FixedClock", "fake_keys", "fake_service",
           "memory_store", "refusing_opener"]

# Where a service composed of fakes keeps its files: nowhere. A write would fail here.
NO_STATE_DIR = Path("/nonexistent/caseline-state")


@dataclass
class FixedClock:
    """Now, as the test says; ``advance`` moves it on."""

    now: datetime = datetime(2026, 5, 1, 14, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        """Let ``by`` pass."""
        self.now += by


@dataclass
class FakeLedger:
    """Records appended entries in memory (``entries``), with a real Merkle tree over them
    for roots and proofs and its tlog-tiles; it signs no checkpoints and keeps no file."""

    origin: str = "fake.localhost/ledger"
    entries: list[dict[str, Any]] = field(default_factory=list)
    accepting: bool = True
    _tree: MerkleTree = field(default_factory=MerkleTree)
    _tiles: dict[TileKey, bytes] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """Entries recorded."""
        return len(self.entries)

    def key_events(self) -> list[tuple[object, object]]:
        """Each entry's (event, key), in order: what key rotations and destructions recorded."""
        return [(e.get("event"), e.get("key")) for e in self.entries]

    @property
    def store(self) -> LedgerStore:
        """No file: a test of queries over the ledger's entries needs a real ledger."""
        raise NotImplementedError("FakeLedger keeps no file; use a real ledger for queries")

    def append_sync(self, entry: Entry) -> Appended:
        """Record ``entry``'s leaf with the index and time the real ledger would give it."""
        if not self.accepting:
            raise RuntimeError("the fake ledger is closed")
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        index = len(self.entries)
        leaf = entry.leaf_object(index, "", at)
        digest = leaf_hash(canonical(leaf))
        self._tiles.update(tiles_after_append(index, [digest],
                                              lambda level, n: self._tiles.get((level, n), b"")))
        self.entries.append(leaf)
        self._tree.append(digest)
        return Appended(index, at, self.size, self._tree.root(), "")

    async def append(self, entry: Entry) -> Appended:
        """As ``append_sync``."""
        return self.append_sync(entry)

    def kinds(self) -> list[str]:
        """The kind of each entry, in order."""
        return [str(e.get("kind")) for e in self.entries]

    def checkpoint(self) -> StoredCheckpoint | None:
        """None: the fake signs no checkpoints."""
        return None

    def verifier_key(self) -> str:
        """A stand-in for the key checkpoints would verify with."""
        return f"{self.origin}+00000000+fake"

    def export(self) -> Iterator[bytes]:
        """The entries as NDJSON lines."""
        for entry in self.entries:
            yield orjson.dumps(entry) + b"\n"

    def root(self, size: int | None = None) -> bytes:
        """The Merkle root over the first ``size`` entries."""
        return self._tree.root(size)

    def leaf_hash(self, index: int) -> bytes:
        """The leaf hash of entry ``index``."""
        return self._tree.leaf(index)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The Merkle inclusion proof of entry ``index``."""
        return self._tree.inclusion_proof(index, size)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """The Merkle consistency proof between two sizes."""
        return self._tree.consistency_proof(size1, size2)

    def hash_tile(self, level: int, index: int, width: int) -> bytes | None:
        """The first ``width`` hashes of a tile of the tree of every entry, or None."""
        if not 1 <= width <= tile_width_at(level, index, self.size):
            return None
        return self._tiles[(level, index)][:width * HASH_SIZE]

    def entry_bundle(self, index: int, width: int) -> bytes | None:
        """The first ``width`` entries of bundle ``index``, or None."""
        if not 1 <= width <= tile_width_at(0, index, self.size):
            return None
        start = index * TILE_WIDTH
        return entry_bundle([canonical(e) for e in self.entries[start:start + width]])

    def close(self) -> None:
        """Take no more entries."""
        self.accepting = False


def memory_store() -> Store:
    """The aggregator's store over an in-memory SQLite database (one connection shared by
    every thread), personal data sealed under in-memory subject keys."""
    engine = create_engine("sqlite://", poolclass=StaticPool,
                           connect_args={"check_same_thread": False})
    return Store(engine, MemorySealer(), os.urandom(32))


def file_store(directory: Path) -> Store:
    """The aggregator's store over a SQLite file in ``directory``, one connection per thread
    as in production: for code that reaches the store from worker threads (the notification
    core), which must not share the in-memory store's single connection."""
    engine = make_engine(f"sqlite:///{directory / 'aggregator.sqlite3'}")
    return Store(engine, MemorySealer(), os.urandom(32))


def fake_keys() -> ServiceKeys:
    """Fresh service keys, held by nothing but the test."""
    return ServiceKeys(Ed25519PrivateKey.generate(), os.urandom(32), os.urandom(32))


class _RefusingCustodian:
    def unwrap(self, wrapped: bytes, data_key_id: str, custodian_kid: str,
               place: tuple[str, ...]) -> bytes:
        raise ValueError("no key custodian in this test")


def refusing_opener() -> CaseOpener:
    """An opener whose custodian unwraps nothing (fake adapters send nothing sealed)."""
    return CaseOpener(_RefusingCustodian())


def fake_service(config: AggregatorConfig, adapters: dict[str, AdapterPort], *,
                 ledger: FakeLedger | None = None, store: Store | None = None,
                 clock: FixedClock | None = None) -> CaselineService:
    """The production composition (``bootstrap``) over fakes: no state directory, no
    network."""
    return bootstrap(config, NO_STATE_DIR, adapters=adapters,
                     store=store or memory_store(), ledger=ledger or FakeLedger(),
                     opener=refusing_opener(), keys=fake_keys(), clock=clock)
