"""How long `caseline audit verify` takes over a large ledger export (default 1,000,000).

Builds a synthetic export the way the server writes one (canonical access and consent
entries chained by hash, a signed checkpoint every 1,000 entries and at the end), writes it
to a file, then times the streaming verifier over the file. Prints JSON.
Target: 1M entries in <= 60 s.
"""

from __future__ import annotations

import argparse
import base64
import json
import resource
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.ledger.encoding import canonical
from aggregator.ledger.export import EXPORT_CHECKPOINT_GAP
from aggregator.ledger.merkle import CompactRange, leaf_hash
from aggregator.ledger.note import Checkpoint, NoteSigner
from aggregator.ledger.verifier import verify_export

ORIGIN = "bench.localhost/ledger"
TARGET_S = 60


def _body(i: int) -> dict[str, object]:
    # Mostly reads (access), some consent changes, as a running system records them.
    if i % 10 == 9:
        return {"kind": "consent", "subject": f"psn_{i % 5000:026d}", "action": "grant",
                "grantee": f"psn_{i % 97:026d}", "scopes": ["DETAILS", "STATUS"],
                "agencies": ["courts"], "expires": "2027-11-23T00:00:00+00:00"}
    return {"kind": "access", "decision": "ALLOW", "subject": f"psn_{i % 5000:026d}",
            "actor": f"psn_{i % 97:026d}", "agencies": ["courts", "immigration"],
            "scopes": ["DETAILS", "STATUS"], "consent": "self", "purpose": "SELF_ACCESS"}


def _line(record: dict[str, object]) -> str:
    # Compact, as the server's exporter writes lines.
    return json.dumps(record, separators=(",", ":")) + "\n"


def write_export(path: Path, entries: int, checkpoint_every: int) -> str:
    """A valid export of ``entries`` entries; returns its verifier key."""
    signer = NoteSigner(ORIGIN, Ed25519PrivateKey.generate())
    tree = CompactRange()
    prev = ""
    signed_at = int(time.time())
    with path.open("w", encoding="utf-8") as out:
        out.write(_line({"type": "ledger", "origin": ORIGIN, "key": signer.verifier_key()}))
        for i in range(entries):
            body = _body(i)
            body.update(i=i, prev=prev, at="2026-11-23T01:00:00.000000+00:00")
            leaf = canonical(body)
            digest = leaf_hash(leaf)
            tree.append(digest)
            prev = base64.b64encode(digest).decode()
            out.write(_line({"type": "entry", "index": i,
                             "leaf": base64.b64encode(leaf).decode()}))
            if (i + 1) % checkpoint_every == 0 or i == entries - 1:
                note = signer.sign(Checkpoint(ORIGIN, i + 1, tree.root(), signed_at))
                out.write(_line({"type": "checkpoint", "note": note}))
    return signer.verifier_key()


def main() -> None:
    """Run and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--checkpoint-every", type=int, default=EXPORT_CHECKPOINT_GAP,
                        help="entries between checkpoints (default: what exports carry)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.jsonl"
        started = time.perf_counter()
        vkey = write_export(path, args.entries, args.checkpoint_every)
        built_s = time.perf_counter() - started
        size = path.stat().st_size
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        with path.open(encoding="utf-8") as lines:
            result = verify_export(lines, pinned_vkey=vkey)
        verify_s = time.perf_counter() - started
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert result.ok, result.message
    print(json.dumps({
        "benchmark": "ledger_verify", "entries": result.entries,
        "seconds": round(verify_s, 2),
        "entries_per_s": round(result.entries / verify_s),
        "target_s": TARGET_S,
        "checkpoint_every": args.checkpoint_every,
        "export_megabytes": round(size / 1e6, 1), "build_seconds": round(built_s, 1),
        # Peak memory growth while verifying (kB on Linux): flat, the verifier streams.
        "verify_max_rss_growth_megabytes": round((rss_after - rss_before) / 1024, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
