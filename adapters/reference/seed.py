"""Filling a demo store: the personas' cases plus N generated ones, deterministically."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from tqdm import tqdm

from adapters.reference.catalog import synthetic
from adapters.reference.demo_store import DemoStoreWriter
from adapters.sdk.records import CaseRecord

__all__ = ["SeedReport", "generated_cases", "seed_store"]

# Cases per write: small enough that a progress display moves while a store fills (a write
# costs about what generating its cases does), large enough that a transaction's fixed cost
# (synchronous=OFF) does not show.
BATCH = 2_000


@dataclass(frozen=True, slots=True)
class SeedReport:
    """What a seeding run wrote and how long it took."""

    agency_id: str
    path: Path
    cases: int
    events: int
    seconds: float


def generated_cases(agency_id: str, count: int, seed: int, today: date) -> Iterator[CaseRecord]:
    """The first ``count`` generated cases for ``seed``, exactly as seeding writes them."""
    generate = synthetic(agency_id).generate_case
    # One generator per agency, advanced case by case: the same (seed, count, today) always
    # yields the same store.
    rng = random.Random(f"{seed}:{agency_id}")
    for serial in range(count):
        yield generate(rng, serial, today)


def seed_store(path: Path, agency_id: str, *, cases: int, seed: int, today: date,
               progress: bool = True,
               on_cases: Callable[[int], None] | None = None) -> SeedReport:
    """Write a new store at ``path`` (which must not exist yet); ``progress`` shows a bar of
    its own, ``on_cases`` is told of each batch of generated cases written (for a display
    that covers more than this store: the demo's first run)."""
    if path.exists():
        raise FileExistsError(f"{path} already exists; remove it to seed again")
    started = time.perf_counter()
    tmp = path.with_suffix(".partial")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    writer = DemoStoreWriter(tmp)
    personas = [c for cs in synthetic(agency_id).persona_cases(today).values() for c in cs]
    events = sum(len(c.events) for c in personas)
    writer.add_cases(personas)
    bar = tqdm(total=cases, unit="case", desc=f"seeding {agency_id}", disable=not progress,
               unit_scale=True, smoothing=0.1)
    batch: list[CaseRecord] = []
    for case in generated_cases(agency_id, cases, seed, today):
        batch.append(case)
        if len(batch) == BATCH:
            events += sum(len(c.events) for c in batch)
            writer.add_cases(batch)
            _advance(bar, on_cases, len(batch))
            batch = []
    if batch:
        events += sum(len(c.events) for c in batch)
        writer.add_cases(batch)
        _advance(bar, on_cases, len(batch))
    bar.close()
    for key, value in (("agency", agency_id), ("seed", str(seed)), ("today", today.isoformat()),
                       ("generated_cases", str(cases))):
        writer.set_meta(key, value)
    writer.finish()
    tmp.rename(path)
    return SeedReport(agency_id, path, cases + len(personas), events,
                      time.perf_counter() - started)


def _advance(bar: tqdm[Any], on_cases: Callable[[int], None] | None, count: int) -> None:
    bar.update(count)
    if on_cases is not None:
        on_cases(count)
