"""Signed notes, canonical encoding and the export verifier against every kind of tampering."""

from __future__ import annotations

import base64
import hashlib
import json
import random

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.ledger.encoding import EncodingError, canonical, decode
from aggregator.ledger.merkle import MerkleTree, leaf_hash
from aggregator.ledger.note import Checkpoint, NoteError, NoteSigner, NoteVerifier
from aggregator.ledger.verify import verify_export

ORIGIN = "test.localhost/ledger"
KEY = Ed25519PrivateKey.generate()


def build(n: int, *, signer: NoteSigner | None = None, seed: int = 1,
          entries: list[dict[str, object]] | None = None) -> list[str]:
    """An honest export as the server writes it: checkpoints after random batches."""
    signer = signer or NoteSigner(ORIGIN, KEY)
    rng = random.Random(seed)
    tree = MerkleTree()
    lines = [json.dumps({"type": "ledger", "origin": ORIGIN, "key": signer.verifier_key()})]
    prev = b""
    next_checkpoint = rng.randint(1, 5)
    for i in range(n):
        body = dict(entries[i]) if entries else {"kind": "access", "subject": f"psn_{i % 3}"}
        body.update(i=i, prev=base64.b64encode(prev).decode() if prev else "",
                    at=f"2026-11-23T00:00:{i % 60:02d}+00:00")
        leaf = canonical(body)
        prev = leaf_hash(leaf)
        tree.append(prev)
        lines.append(json.dumps({"type": "entry", "index": i,
                                 "leaf": base64.b64encode(leaf).decode()}))
        if i + 1 == next_checkpoint or i == n - 1:
            note = signer.sign(Checkpoint(ORIGIN, i + 1, tree.root(), 1795400000 + i))
            lines.append(json.dumps({"type": "checkpoint", "note": note}))
            next_checkpoint += rng.randint(1, 5)
    return lines


def _entry_line(lines: list[str], index: int) -> int:
    return next(n for n, line in enumerate(lines)
                if json.loads(line).get("type") == "entry" and json.loads(line)["index"] == index)


def _alter_leaf(lines: list[str], index: int, old: bytes, new: bytes) -> list[str]:
    altered = list(lines)
    position = _entry_line(lines, index)
    record = json.loads(altered[position])
    leaf = base64.b64decode(record["leaf"])
    assert old in leaf
    record["leaf"] = base64.b64encode(leaf.replace(old, new, 1)).decode()
    altered[position] = json.dumps(record)
    return altered


def test_an_honest_export_verifies() -> None:
    result = verify_export(build(40))
    assert result.ok and result.entries == 40 and result.checkpoint is not None
    assert result.checkpoint.size == 40


@pytest.mark.parametrize("index", [0, 17, 39])
def test_a_byte_altered_in_any_entry_names_it(index: int) -> None:
    result = verify_export(_alter_leaf(build(40), index, b'"psn_', b'"psX_'))
    assert not result.ok and result.first_bad_entry == index
    assert result.message.startswith(f"entry {index}")


def test_removed_inserted_and_swapped_entries_are_named() -> None:
    lines = build(30)
    removed = [line for n, line in enumerate(lines) if n != _entry_line(lines, 12)]
    assert verify_export(removed).first_bad_entry == 12
    duplicated = list(lines)
    duplicated.insert(_entry_line(lines, 12) + 1, lines[_entry_line(lines, 12)])
    result = verify_export(duplicated)
    assert not result.ok and result.first_bad_entry == 12
    swapped = list(lines)
    a, b = _entry_line(lines, 5), _entry_line(lines, 6)
    swapped[a], swapped[b] = swapped[b], swapped[a]
    assert verify_export(swapped).first_bad_entry == 5
    # A fabricated entry that claims the right index still breaks the chain.
    fabricated = list(lines)
    record = json.loads(lines[_entry_line(lines, 8)])
    leaf = decode(base64.b64decode(record["leaf"]))
    leaf["subject"] = "psn_forged"
    record["leaf"] = base64.b64encode(canonical(leaf)).decode()
    fabricated[_entry_line(lines, 8)] = json.dumps(record)
    assert verify_export(fabricated).first_bad_entry == 8


def test_altered_signatures_and_foreign_keys_are_refused() -> None:
    lines = build(10)
    record = json.loads(lines[-1])
    record["note"] = record["note"][:-10] + ("A" if record["note"][-10] != "A" else "B") + \
        record["note"][-9:]
    assert not verify_export([*lines[:-1], json.dumps(record)]).ok
    other = NoteSigner(ORIGIN, Ed25519PrivateKey.generate())
    pinned = verify_export(build(10, signer=other),
                           pinned_vkey=NoteSigner(ORIGIN, KEY).verifier_key())
    assert not pinned.ok and "another key" in pinned.message


def test_history_rewritten_with_the_key_is_caught_by_an_earlier_checkpoint() -> None:
    honest = build(20)
    earlier = json.loads(honest[-1])["note"]
    # Whoever holds the signing key rewrites entry 3 and re-signs everything after it.
    entries = [decode(base64.b64decode(json.loads(line)["leaf"]))
               for line in honest if json.loads(line)["type"] == "entry"]
    for entry in entries:
        for key in ("i", "prev", "at"):
            entry.pop(key)
    entries[3]["subject"] = "psn_other"
    rewritten = build(25, entries=[*entries, *entries[:5]])
    assert verify_export(rewritten).ok  # self-consistent...
    result = verify_export(rewritten, earlier=earlier)
    assert not result.ok and result.message.startswith("history rewritten")  # ...but not ours
    truncated = build(10)
    shrunk = verify_export(truncated, earlier=earlier)
    assert not shrunk.ok and "shrank" in shrunk.message
    assert verify_export(build(30), earlier=earlier).ok


def test_entries_after_the_last_checkpoint_are_refused() -> None:
    lines = build(12)
    extra = build(13)
    cut = [line for line in extra if json.loads(line)["type"] != "checkpoint"
           or json.loads(line)["note"] != json.loads(extra[-1])["note"]]
    result = verify_export(cut)
    assert not result.ok and "after the last signed checkpoint" in result.message
    assert verify_export(lines[:-1]).ok is False


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 25), seed=st.integers(0, 1000), data=st.data())
def test_any_single_byte_change_in_any_leaf_is_caught(n: int, seed: int,
                                                      data: st.DataObject) -> None:
    """Changing one byte anywhere in an entry's leaf fails verification and names that entry
    — or, when the byte is in its link to the entry before, names the pair (from the export
    alone one cannot tell which of the two was altered)."""
    lines = build(n, seed=seed)
    index = data.draw(st.integers(0, n - 1))
    position = _entry_line(lines, index)
    record = json.loads(lines[position])
    leaf = bytearray(base64.b64decode(record["leaf"]))
    at = data.draw(st.integers(0, len(leaf) - 1))
    leaf[at] = data.draw(st.integers(0, 255).filter(lambda b: b != leaf[at]))
    record["leaf"] = base64.b64encode(bytes(leaf)).decode()
    altered = [*lines[:position], json.dumps(record), *lines[position + 1:]]
    result = verify_export(altered)
    assert not result.ok
    assert result.first_bad_entry is not None, result.message
    assert index - 1 <= result.first_bad_entry <= index, result.message
    if result.first_bad_entry == index - 1:
        assert f"entry {index}" in result.message


def test_canonical_encoding_has_one_form() -> None:
    assert canonical({"b": 1, "a": "ñ"}) == '{"a":"ñ","b":1}'.encode()
    assert decode(canonical({"x": [1, None, True]})) == {"x": [1, None, True]}
    for bad in (b'{"b":1,"a":2}', b'{"a": 1}', b'{"a":"\\u00f1"}', b"[1]", b"\xff"):
        with pytest.raises(EncodingError):
            decode(bad)
    with pytest.raises(TypeError, match=r"entry\.score"):
        canonical({"score": 0.5})


def test_note_format_follows_c2sp() -> None:
    signer = NoteSigner(ORIGIN, KEY)
    note = signer.sign(Checkpoint(ORIGIN, 5, bytes(32), 1795400000))
    body, signature_line = note.split("\n\n")
    assert body == f"{ORIGIN}\n5\n{base64.b64encode(bytes(32)).decode()}\ntime 1795400000"
    assert signature_line.startswith(f"\u2014 {ORIGIN} ")
    public = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_hash = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + public).digest()[:4]
    raw = base64.b64decode(signature_line.rsplit(" ", 1)[1])
    assert raw[:4] == key_hash and len(raw) == 68
    encoded_key = base64.b64encode(b"\x01" + public).decode()
    assert signer.verifier_key() == f"{ORIGIN}+{key_hash.hex()}+{encoded_key}"
    verifier = NoteVerifier.from_vkey(signer.verifier_key())
    assert verifier.open(note) == Checkpoint(ORIGIN, 5, bytes(32), 1795400000)
    for position in range(0, len(note) - 1, 7):
        altered = note[:position] + ("x" if note[position] != "x" else "y") + note[position + 1:]
        with pytest.raises(NoteError):
            verifier.open(altered)
    with pytest.raises(NoteError, match="no signature"):
        NoteVerifier.from_vkey(NoteSigner(ORIGIN, Ed25519PrivateKey.generate())
                               .verifier_key()).open(note)
