"""Several processes appending to one ledger, on SQLite and PostgreSQL: one chain, one tree,
seen by all of them; a writer killed mid-stream loses nothing it acknowledged while the other
goes on."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete

from aggregator.ledger import tables as t
from aggregator.ledger.encoding import canonical
from aggregator.ledger.entries import Entry, EntryKind
from aggregator.ledger.errors import LedgerClosedError, LedgerCorruptError
from aggregator.ledger.ledger import Ledger
from aggregator.ledger.merkle import MerkleTree, leaf_hash, verify_consistency, verify_inclusion
from aggregator.ledger.note import Checkpoint, NoteSigner, NoteVerifier
from aggregator.ledger.tiles import TILE_BYTES, TILE_WIDTH, tiles_after_append
from aggregator.ledger.verifier import verify_export
from aggregator.vault.key_files import load_or_create_ed25519

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
ORIGIN = "test.localhost/ledger"

# Opens the ledger, says "ready", appends COUNT entries on "go" (64 waiting at a time, like
# concurrent requests), printing each acknowledged one, says "done"; on the next line of
# input it reports what it then sees of the whole ledger and whether its export verifies.
CHILD = textwrap.dedent("""
    import json
    import sys
    from pathlib import Path
    from aggregator.vault.key_files import load_or_create_ed25519
    from aggregator.ledger.note import NoteSigner
    from aggregator.ledger.verifier import verify_export
    from aggregator.ledger.ledger import Ledger
    from aggregator.ledger.entries import Entry, EntryKind

    root, where, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    signer = NoteSigner("test.localhost/ledger", load_or_create_ed25519(root / "ledger.pem"))
    ledger = Ledger(where, signer)
    print("ready", flush=True)
    sys.stdin.readline()
    for start in range(0, count, 64):
        futures = [(n, ledger.submit(Entry(EntryKind.ACCESS, {"by": "child", "n": n})))
                   for n in range(start, min(start + 64, count))]
        for n, future in futures:
            print(json.dumps({"n": n, "index": future.result().index}), flush=True)
    print("done", flush=True)
    sys.stdin.readline()
    lines = [line.decode().rstrip("\\n") for line in ledger.export()]
    result = verify_export(lines, pinned_vkey=ledger.verifier_key())
    print(json.dumps({"size": ledger.size, "root": ledger.root().hex(), "ok": result.ok,
                      "entries": result.entries, "message": result.message}), flush=True)
    ledger.close()
""")


def _signer(tmp_path: Path) -> NoteSigner:
    return NoteSigner(ORIGIN, load_or_create_ed25519(tmp_path / "ledger.pem"))


def _export_lines(ledger: Ledger) -> list[str]:
    return [line.decode().rstrip("\n") for line in ledger.export()]


def _start_child(tmp_path: Path, where: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path), where, str(count)],
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def _stop(child: subprocess.Popen[str]) -> None:
    if child.poll() is None:
        child.kill()
    child.wait()
    for pipe in (child.stdin, child.stdout):
        if pipe is not None:
            pipe.close()


def _child_acks(child: subprocess.Popen[str]) -> tuple[threading.Thread, list[dict[str, int]]]:
    """Collect the child's acknowledgements while this process appends (a full pipe would
    stall it)."""
    assert child.stdout is not None
    stdout = child.stdout
    acks: list[dict[str, int]] = []

    def read() -> None:
        for line in stdout:
            if line.strip() == "done":
                return
            acks.append(json.loads(line))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader, acks


async def _append_as_parent(ledger: Ledger, writers: int, started: threading.Event,
                            until: threading.Thread) -> dict[int, int]:
    """Append from ``writers`` concurrent tasks until ``until`` (the child's run) ends, so
    the child's whole run overlaps ours however the machine schedules it; n -> index."""
    acked: dict[int, int] = {}
    numbers = itertools.count()

    async def writer() -> None:
        while until.is_alive():
            n = next(numbers)
            entry = Entry(EntryKind.ACCESS, {"by": "parent", "n": n})
            acked[n] = (await ledger.append(entry)).index
            started.set()

    await asyncio.gather(*(writer() for _ in range(writers)))
    return acked


def _tell(child: subprocess.Popen[str], line: str) -> None:
    assert child.stdin is not None
    child.stdin.write(line + "\n")
    child.stdin.flush()


def test_two_processes_appending_at_once_share_one_chain(tmp_path: Path,
                                                         ledger_url: str) -> None:
    """Every entry either process acknowledged is stored exactly once, at the index it was
    given; the indices are contiguous and both processes verify the same tree."""
    children = 1500
    ledger = Ledger(ledger_url, _signer(tmp_path))
    child = _start_child(tmp_path, ledger_url, children)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        reader, child_acks = _child_acks(child)
        started = threading.Event()
        threading.Thread(target=lambda: started.wait(60) and _tell(child, "go"),
                         daemon=True).start()
        parent_acks = asyncio.run(_append_as_parent(ledger, 16, started, until=reader))
        reader.join(timeout=120)
        assert not reader.is_alive(), "the child did not finish appending"
        _tell(child, "report")
        child_view = json.loads(child.stdout.readline())
        assert child.wait(timeout=60) == 0

        total = children + len(parent_acks)
        assert len(child_acks) == children
        stored = list(ledger.store.leaves(0, ledger.size))
        assert [index for index, _ in stored] == list(range(total))
        owners = [(entry["by"], entry["n"]) for entry in (json.loads(leaf) for _, leaf in stored)]
        assert len(set(owners)) == total  # nobody's entry written twice
        for ack in child_acks:
            assert owners[ack["index"]] == ("child", ack["n"])
        for n, index in parent_acks.items():
            assert owners[index] == ("parent", n)
        # The two really did append at the same time: the child's entries are not one run.
        switches = sum(1 for a, b in itertools.pairwise(owners) if a[0] != b[0])
        assert switches >= 4, "the processes appended one after the other; nothing was tested"

        result = verify_export(_export_lines(ledger), pinned_vkey=ledger.verifier_key())
        assert result.ok, result.message
        assert result.entries == total
        assert child_view["ok"], child_view["message"]
        assert child_view["entries"] == total
        assert (child_view["size"], child_view["root"]) == (ledger.size, ledger.root().hex())
    finally:
        _stop(child)
        ledger.close()


def test_an_open_ledger_sees_entries_another_process_appended(tmp_path: Path,
                                                              ledger_url: str) -> None:
    """Without reopening: the size, the checkpoint, proofs and the export include them, and
    this process's next entry continues the chain after them."""
    ledger = Ledger(ledger_url, _signer(tmp_path))
    try:
        for n in range(3):
            ledger.append_sync(Entry(EntryKind.ACCESS, {"by": "parent", "n": n}))
        before = ledger.checkpoint()
        assert before is not None and ledger.size == 3

        done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path), ledger_url, "100"],
                              cwd=ROOT,
                              input="go\nreport\n", capture_output=True, text=True, timeout=120,
                              check=False)
        assert done.returncode == 0, done.stderr

        assert ledger.size == 103
        latest = ledger.checkpoint()
        assert latest is not None and latest.size == 103
        head = NoteVerifier.from_vkey(ledger.verifier_key()).open(latest.note)
        assert head.size == 103 and head.root == ledger.root()
        verify_inclusion(ledger.leaf_hash(50), 50, 103, ledger.inclusion_proof(50), head.root)
        verify_consistency(3, 103, ledger.root(3), head.root, ledger.consistency_proof(3))

        nxt = ledger.append_sync(Entry(EntryKind.ACCESS, {"by": "parent", "n": 3}))
        assert nxt.index == 103 and nxt.tree_size == 104
        result = verify_export(_export_lines(ledger), pinned_vkey=ledger.verifier_key(),
                               earlier=before.note)
        assert result.ok, result.message
        assert result.entries == 104
    finally:
        ledger.close()


def _forge(ledger: Ledger, signer: NoteSigner, *, prev: bytes | None = None,
           stored_hash: bytes | None = None, tile_hash: bytes | None = None) -> None:
    """Append one entry, its tiles and a checkpoint over it behind the ledger's back, as
    another writer would; ``prev``, ``stored_hash`` and ``tile_hash`` override what a correct
    writer records."""
    leaves = [leaf for _, leaf in ledger.store.leaves(0, ledger.size)]
    index = len(leaves)
    link = leaf_hash(leaves[-1]) if prev is None else prev
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    leaf = canonical({"kind": "access", "i": index, "prev": base64.b64encode(link).decode(),
                      "at": at})
    tree = MerkleTree()
    tree.extend(leaf_hash(each) for each in [*leaves, leaf])
    note = signer.sign(Checkpoint(ORIGIN, index + 1, tree.root(), 0, ()))
    changed = tiles_after_append(index, [tile_hash or leaf_hash(leaf)], ledger.store.tile)
    with ledger.store.engine.begin() as conn:
        conn.execute(t.entries.insert(), {"idx": index, "leaf": leaf, "kind": "access", "at": at,
                                          "hash": stored_hash or leaf_hash(leaf)})
        for (level, tile_index), data in changed.items():
            if level == 0 and len(data) < TILE_BYTES:
                continue  # a writer stores a level-0 tile once full
            conn.execute(delete(t.tiles).where(t.tiles.c.level == level,
                                               t.tiles.c.idx == tile_index))
            conn.execute(t.tiles.insert(), {"level": level, "idx": tile_index, "hashes": data})
        conn.execute(t.checkpoints.insert(), {"size": index + 1, "note": note, "signed_at": at})


Forgery = Callable[[Ledger, NoteSigner], None]

FORGERIES: dict[str, tuple[Forgery, str]] = {
    "broken link": (lambda ledger, signer: _forge(ledger, signer, prev=bytes(32)),
                    "entry 5 does not record .* the chain is broken"),
    "wrong stored hash": (lambda ledger, signer: _forge(ledger, signer, stored_hash=bytes(32)),
                          "entry 5 does not match its stored hash"),
    "checkpoint by another key": (
        lambda ledger, _: _forge(ledger, NoteSigner(ORIGIN, Ed25519PrivateKey.generate())),
        "last checkpoint .* does not verify"),
}


@pytest.mark.parametrize("first", ["read", "append"])
@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_entries_from_another_writer_that_do_not_check_out_stop_the_ledger(
        tmp_path: Path, ledger_url: str, forgery: str, first: str) -> None:
    """Whether a read or the next batch finds them first: a clear LedgerCorruptError, then
    reads keep failing and no more entries are accepted (nothing is signed over them)."""
    signer = _signer(tmp_path)
    ledger = Ledger(ledger_url, signer)
    try:
        for n in range(5):
            ledger.append_sync(Entry(EntryKind.ACCESS, {"n": n}))
        forge, message = FORGERIES[forgery]
        forge(ledger, signer)
        with pytest.raises(LedgerCorruptError, match=message):
            if first == "read":
                ledger.checkpoint()
            else:
                ledger.append_sync(Entry(EntryKind.ACCESS, {"n": 5}))
        with pytest.raises(LedgerCorruptError, match=message):
            _ = ledger.size
        with pytest.raises(LedgerClosedError, match="not accepting entries"):
            ledger.append_sync(Entry(EntryKind.ACCESS, {"n": 6}))
    finally:
        ledger.close()


@pytest.mark.parametrize("first", ["read", "append"])
def test_a_hash_tile_from_another_writer_that_does_not_match_its_entries_stops_the_ledger(
        tmp_path: Path, ledger_url: str, first: str) -> None:
    """The entry completing tile 0/0 is right, the tile stored for it is not: found before
    anything is proved from it or signed over it."""
    signer = _signer(tmp_path)
    ledger = Ledger(ledger_url, signer)
    try:
        futures = [ledger.submit(Entry(EntryKind.ACCESS, {"n": n}))
                   for n in range(TILE_WIDTH - 1)]
        for future in futures:
            future.result()
        _forge(ledger, signer, tile_hash=bytes(32))
        with pytest.raises(LedgerCorruptError, match="hash tile 0/0 does not match entries "
                                                     r"255\.\.255"):
            if first == "read":
                ledger.checkpoint()
            else:
                ledger.append_sync(Entry(EntryKind.ACCESS, {"n": 256}))
        with pytest.raises(LedgerClosedError, match="not accepting entries"):
            ledger.append_sync(Entry(EntryKind.ACCESS, {"n": 257}))
    finally:
        ledger.close()


def test_a_correct_entry_from_another_writer_is_taken_in(tmp_path: Path,
                                                         ledger_url: str) -> None:
    """The control for the forgeries above: the same entry, linked and signed properly."""
    signer = _signer(tmp_path)
    ledger = Ledger(ledger_url, signer)
    try:
        for n in range(5):
            ledger.append_sync(Entry(EntryKind.ACCESS, {"n": n}))
        _forge(ledger, signer)
        assert ledger.size == 6
        assert ledger.append_sync(Entry(EntryKind.ACCESS, {"n": 6})).index == 6
        result = verify_export(_export_lines(ledger), pinned_vkey=ledger.verifier_key())
        assert result.ok, result.message
    finally:
        ledger.close()


# Opens the ledger, says "ready", then appends for ever (64 waiting at a time), printing each
# acknowledged entry; the test kills it mid-stream.
ENDLESS = textwrap.dedent("""
    import json
    import sys
    from pathlib import Path
    from aggregator.vault.key_files import load_or_create_ed25519
    from aggregator.ledger.note import NoteSigner
    from aggregator.ledger.ledger import Ledger
    from aggregator.ledger.entries import Entry, EntryKind

    root, where = Path(sys.argv[1]), sys.argv[2]
    signer = NoteSigner("test.localhost/ledger", load_or_create_ed25519(root / "ledger.pem"))
    ledger = Ledger(where, signer)
    print("ready", flush=True)
    n = 0
    while True:
        futures = [(n + i, ledger.submit(Entry(EntryKind.ACCESS, {"by": "child", "n": n + i})))
                   for i in range(64)]
        n += 64
        for number, future in futures:
            print(json.dumps({"n": number, "index": future.result().index}), flush=True)
""")


def _acks(lines: list[str]) -> list[dict[str, int]]:
    # A line cut short by SIGKILL was never a whole acknowledgement.
    return [json.loads(line) for line in lines if line.endswith("}")]


def test_a_writer_killed_mid_stream_loses_nothing_it_acknowledged_and_the_other_goes_on(
        tmp_path: Path, ledger_url: str) -> None:
    """Two processes append interleaved; one is SIGKILLed (whatever it held: on PostgreSQL
    the sequencer's lock, which its dropped connection releases). Every entry either
    acknowledged is stored at its index, the survivor keeps appending, the export verifies."""
    ledger = Ledger(ledger_url, _signer(tmp_path))
    child = subprocess.Popen([sys.executable, "-c", ENDLESS, str(tmp_path), ledger_url],
                             cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        stdout = child.stdout
        assert stdout.readline().strip() == "ready"
        lines: list[str] = []

        def read_then_kill() -> None:
            for line in stdout:
                lines.append(line.strip())
                if len(lines) >= 1500:
                    child.kill()  # SIGKILL
                    return

        reader = threading.Thread(target=read_then_kill, daemon=True)
        reader.start()
        parent_acks = asyncio.run(_append_as_parent(ledger, 16, threading.Event(),
                                                    until=reader))
        child.wait(timeout=60)
        lines += stdout.read().splitlines()
        child_acks = _acks(lines)
        assert child.returncode == -signal.SIGKILL and len(child_acks) >= 1500

        # The survivor goes on: its next entries follow whatever the killed one committed.
        after = [ledger.append_sync(Entry(EntryKind.ACCESS, {"by": "after", "n": n}))
                 for n in range(20)]
        assert [a.index for a in after] == list(range(after[0].index, after[0].index + 20))

        stored = list(ledger.store.leaves(0, ledger.size))
        assert [index for index, _ in stored] == list(range(ledger.size))
        owners = [(entry["by"], entry["n"]) for entry in (json.loads(leaf) for _, leaf in stored)]
        for ack in child_acks:
            assert owners[ack["index"]] == ("child", ack["n"])
        for n, index in parent_acks.items():
            assert owners[index] == ("parent", n)
        switches = sum(1 for a, b in itertools.pairwise(owners) if a[0] != b[0])
        assert switches >= 4, "the processes appended one after the other; nothing was tested"
        result = verify_export(_export_lines(ledger), pinned_vkey=ledger.verifier_key())
        assert result.ok, result.message
        assert result.entries == ledger.size == after[-1].index + 1
    finally:
        _stop(child)
        ledger.close()
