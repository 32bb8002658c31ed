"""How long `caseline audit verify` takes over a large ledger export (default 1,000,000).

Builds a synthetic export the way the server writes one (canonical access entries chained
by hash, a signed checkpoint every 1,000 entries and at the end), writes it to a file, then
times the streaming verifier over the file. Prints JSON. Target: 1M entries in <= 60 s.
"""

from __future__ import annotations

import argparse
import base64
import json
import tempfile
import time
from pathlib import Path

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.ledger.encoding import canonical
from aggregator.ledger.merkle import CompactRange, leaf_hash
from aggregator.ledger.note import Checkpoint, NoteSigner
from aggregator.ledger.verify import verify_export
from aggregator.ledger.writer import EXPORT_CHECKPOINT_GAP

ORIGIN = "bench.localhost/ledger"


def write_export(path: Path, entries: int) -> None:
    """A valid export of ``entries`` access entries."""
    signer = NoteSigner(ORIGIN, Ed25519PrivateKey.generate())
    tree = CompactRange()
    prev = b""
    with path.open("wb") as out:
        out.write(orjson.dumps({"type": "ledger", "origin": ORIGIN,
                                "key": signer.verifier_key()}) + b"\n")
        for i in range(entries):
            leaf = canonical({
                "kind": "access", "decision": "ALLOW", "subject": f"psn_{i % 5000:026d}",
                "actor": f"psn_{i % 97:026d}", "agencies": ["courts", "immigration"],
                "scopes": ["DETAILS", "STATUS"], "consent": "self", "purpose": "SELF_ACCESS",
                "i": i, "prev": base64.b64encode(prev).decode() if prev else "",
                "at": "2026-11-23T01:00:00.000000+00:00"})
            prev = leaf_hash(leaf)
            tree.append(prev)
            out.write(orjson.dumps({"type": "entry", "index": i,
                                    "leaf": base64.b64encode(leaf).decode()}) + b"\n")
            if (i + 1) % EXPORT_CHECKPOINT_GAP == 0 or i == entries - 1:
                note = signer.sign(Checkpoint(ORIGIN, i + 1, tree.root(), int(time.time())))
                out.write(orjson.dumps({"type": "checkpoint", "note": note}) + b"\n")


def main() -> None:
    """Run and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.jsonl"
        started = time.perf_counter()
        write_export(path, args.entries)
        built_s = time.perf_counter() - started
        size = path.stat().st_size
        started = time.perf_counter()
        with path.open(encoding="utf-8") as lines:
            result = verify_export(line.rstrip("\n") for line in lines)
        verify_s = time.perf_counter() - started
    assert result.ok, result.message
    print(json.dumps({
        "benchmark": "ledger_verify", "entries": result.entries,
        "export_megabytes": round(size / 1e6, 1), "build_seconds": round(built_s, 1),
        "verify_seconds": round(verify_s, 1),
        "entries_per_s": round(result.entries / verify_s), "target_seconds": 60,
    }, indent=2))


if __name__ == "__main__":
    main()
