"""The ledger writer for real, on SQLite and PostgreSQL: group commit, restart, SIGKILL
mid-stream, exports that verify."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import delete

from aggregator.ledger.entries import Entry, EntryKind
from aggregator.ledger.errors import LedgerBusyError, LedgerCorruptError
from aggregator.ledger.ledger import Ledger
from aggregator.ledger.merkle import verify_consistency, verify_inclusion
from aggregator.ledger.note import NoteSigner, NoteVerifier
from aggregator.ledger.tables import entries
from aggregator.ledger.verifier import verify_export
from aggregator.vault.key_files import load_or_create_ed25519

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]


def _signer(tmp_path: Path) -> NoteSigner:
    return NoteSigner("test.localhost/ledger", load_or_create_ed25519(tmp_path / "ledger.pem"))


def _entry(n: int) -> Entry:
    return Entry(EntryKind.ACCESS, {
        "decision": "ALLOW", "subject": f"psn_{n % 7}", "actor": "psn_x",
        "agencies": ["immigration"], "scopes": ["STATUS"], "consent": "self",
        "purpose": "SELF_ACCESS"}, subject=f"psn_{n % 7}", actor="psn_x",
        agencies=("immigration",), consent="self")


def _verify(ledger: Ledger, earlier: str | None = None) -> None:
    lines = [line.decode().rstrip("\n") for line in ledger.export()]
    result = verify_export(lines, pinned_vkey=ledger.verifier_key(), earlier=earlier)
    assert result.ok, result.message
    assert result.entries == ledger.size


def test_a_second_ledger_in_one_process_is_refused_until_the_first_closes(
        tmp_path: Path, ledger_url: str) -> None:
    """Within a process the ledger is shared, not opened twice (other processes may open it:
    test_ledger_processes); the second open names the process that holds it."""
    first = Ledger(ledger_url, _signer(tmp_path))
    try:
        with pytest.raises(LedgerBusyError, match=f"pid {os.getpid()}"):
            Ledger(ledger_url, _signer(tmp_path))
        first.append_sync(_entry(1))
    finally:
        first.close()
    second = Ledger(ledger_url, _signer(tmp_path))
    try:
        assert second.size == 1
    finally:
        second.close()


def test_a_new_ledger_signs_the_empty_tree_and_its_export_verifies(tmp_path: Path,
                                                                   ledger_url: str) -> None:
    ledger = Ledger(ledger_url, _signer(tmp_path))
    try:
        stored = ledger.checkpoint()
        assert stored is not None and stored.size == 0
        head = NoteVerifier.from_vkey(ledger.verifier_key()).open(stored.note)
        assert head.size == 0 and head.root == ledger.root(0)
        _verify(ledger)
        # An auditor who pinned the empty head can later check the grown ledger against it.
        ledger.append_sync(_entry(1))
        _verify(ledger, earlier=stored.note)
    finally:
        ledger.close()


async def test_concurrent_appends_are_group_committed_in_order(tmp_path: Path,
                                                               ledger_url: str) -> None:
    ledger = Ledger(ledger_url, _signer(tmp_path))
    try:
        appended = await asyncio.gather(*(ledger.append(_entry(n)) for n in range(500)))
        assert sorted(a.index for a in appended) == list(range(500))
        # Fewer checkpoints than entries: appends waiting together shared a commit.
        checkpoints = list(ledger.store.checkpoints(min_gap=1, up_to=500))
        assert len(checkpoints) < 500
        verifier = NoteVerifier.from_vkey(ledger.verifier_key())
        for a in appended[:50]:
            proof = ledger.inclusion_proof(a.index, a.tree_size)
            verify_inclusion(ledger.leaf_hash(a.index), a.index, a.tree_size, proof, a.root)
            assert verifier.open(a.checkpoint).root == a.root
        verify_consistency(10, 500, ledger.root(10), ledger.root(500),
                           ledger.consistency_proof(10, 500))
        _verify(ledger)
    finally:
        ledger.close()


def test_reopening_checks_the_tree_and_continues(tmp_path: Path, ledger_url: str) -> None:
    path = ledger_url
    ledger = Ledger(path, _signer(tmp_path))
    first = [ledger.append_sync(_entry(n)) for n in range(20)]
    earlier = first[-1].checkpoint
    ledger.close()
    reopened = Ledger(path, _signer(tmp_path))
    try:
        assert reopened.size == 20 and reopened.root() == first[-1].root
        nxt = reopened.append_sync(_entry(20))
        assert nxt.index == 20
        _verify(reopened, earlier=earlier)
    finally:
        reopened.close()


def test_a_ledger_altered_at_rest_refuses_to_start(tmp_path: Path, ledger_url: str) -> None:
    ledger = Ledger(ledger_url, _signer(tmp_path))
    for n in range(5):
        ledger.append_sync(_entry(n))
    engine = ledger.store.engine
    ledger.close()
    with engine.begin() as conn:
        conn.execute(delete(entries).where(entries.c.idx == 2))
    engine.dispose()
    with pytest.raises(LedgerCorruptError, match="entry 3"):
        Ledger(ledger_url, _signer(tmp_path))


def test_entries_that_cannot_be_encoded_fail_alone(tmp_path: Path, ledger_url: str) -> None:
    ledger = Ledger(ledger_url, _signer(tmp_path))
    try:
        bad = ledger.submit(Entry(EntryKind.ACCESS, {"score": 0.5}))
        good = ledger.submit(_entry(1))
        with pytest.raises(TypeError):
            bad.result(timeout=10)
        assert good.result(timeout=10).index == 0
    finally:
        ledger.close()


WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from aggregator.vault.key_files import load_or_create_ed25519
    from aggregator.ledger.note import NoteSigner
    from aggregator.ledger.ledger import Ledger
    from aggregator.ledger.entries import Entry, EntryKind

    root, where = Path(sys.argv[1]), sys.argv[2]
    key = load_or_create_ed25519(root / "ledger.pem")
    ledger = Ledger(where, NoteSigner("test.localhost/ledger", key))
    n = 0
    while True:  # like 64 requests at a time, each waiting for its entry to be durable
        futures = [ledger.submit(Entry(EntryKind.ACCESS, {"subject": f"psn_{n + i}", "n": n + i},
                                       subject=f"psn_{n + i}"))
                   for i in range(64)]
        n += 64
        for future in futures:
            print(future.result().index, flush=True)
""")


def test_sigkill_during_appends_loses_no_acknowledged_entry(tmp_path: Path,
                                                            ledger_url: str) -> None:
    """A writer killed with SIGKILL mid-stream: every index it acknowledged is on disk and
    the ledger still verifies."""
    _signer(tmp_path)  # create the key before the child races for it
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), ledger_url], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    acknowledged = []
    for line in child.stdout:
        acknowledged.append(int(line))
        if len(acknowledged) >= 3000:
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    acknowledged.extend(int(line) for line in child.stdout.read().split())
    child.stdout.close()
    ledger = Ledger(ledger_url, _signer(tmp_path))
    try:
        assert ledger.size > max(acknowledged)
        stored = {index for index, _ in ledger.store.leaves(0, ledger.size)}
        assert set(acknowledged) <= stored
        _verify(ledger)
        ledger.append_sync(_entry(0))
    finally:
        ledger.close()
