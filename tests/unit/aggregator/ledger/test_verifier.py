"""The export verifier: an honest ledger passes; every kind of tampering is refused and,
where the export allows it, the first bad entry is named exactly."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.ledger.encoding import canonical, decode
from aggregator.ledger.errors import EncodingError
from aggregator.ledger.merkle import MerkleTree, leaf_hash
from aggregator.ledger.note import Checkpoint, NoteSigner
from aggregator.ledger.verifier import VerifyResult, verify_export

ORIGIN = "audit.test/ledger"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
SIGNER = NoteSigner(ORIGIN, KEY)
OTHER = NoteSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes(range(2, 34))))


def _verify(lines: Iterable[str], *, earlier: str | None = None) -> VerifyResult:
    """Verified with SIGNER's key, which the auditor trusts."""
    return verify_export(lines, pinned_vkey=SIGNER.verifier_key(), earlier=earlier)


def _body(i: int) -> dict[str, Any]:
    """Kind-specific content of entry ``i``, as the server's entry builders make it."""
    if i % 3 == 2:
        return {"kind": "consent", "subject": f"psn_{i % 7:04d}", "grantee": "caseworker-12",
                "scopes": ["STATUS", "DETAILS"], "granted": i % 2 == 0, "note": "ñandú ✓"}
    return {"kind": "access", "subject": f"psn_{i % 5:04d}", "actor": f"psn_{i % 4:04d}",
            "decision": "ALLOW" if i % 4 else "DENY", "agencies": ["courts"]}


@dataclass
class Export:
    """An export as lines, with where each entry and checkpoint sits."""

    lines: list[str]
    checkpoint_sizes: list[int]

    def entry_line(self, index: int) -> int:
        for position, line in enumerate(self.lines):
            record = json.loads(line)
            if record["type"] == "entry" and record["index"] == index:
                return position
        raise AssertionError(f"no entry {index}")

    def checkpoint_line(self, size: int) -> int:
        for position, line in enumerate(self.lines):
            record = json.loads(line)
            if record["type"] == "checkpoint" and Checkpoint.parse_body(
                    record["note"].rpartition("\n\n")[0].encode() + b"\n").size == size:
                return position
        raise AssertionError(f"no checkpoint of size {size}")

    def note(self, size: int) -> str:
        return str(json.loads(self.lines[self.checkpoint_line(size)])["note"])

    def leaf(self, index: int) -> bytes:
        return base64.b64decode(json.loads(self.lines[self.entry_line(index)])["leaf"])

    def with_leaf(self, index: int, leaf: bytes) -> list[str]:
        position = self.entry_line(index)
        record = json.loads(self.lines[position])
        record["leaf"] = base64.b64encode(leaf).decode()
        return [*self.lines[:position], json.dumps(record), *self.lines[position + 1:]]

    def with_entry(self, index: int, **changes: Any) -> list[str]:
        entry = decode(self.leaf(index))
        entry.update(changes)
        return self.with_leaf(index, canonical(entry))

    def without(self, position: int) -> list[str]:
        return [*self.lines[:position], *self.lines[position + 1:]]

    def anchored(self, index: int) -> bool:
        """Whether a checkpoint covering exactly entries 0..index-1 is in the export."""
        return index in self.checkpoint_sizes


def build(n: int, *, seed: int = 1, signer: NoteSigner = SIGNER,
          batches: Sequence[int] | None = None,
          bodies: Sequence[dict[str, Any]] | None = None) -> Export:
    """An honest export the way the server writes one: entries chained by hash, a signed
    checkpoint after each batch of appends (random sizes 1..5 unless given)."""
    rng = random.Random(seed)
    plan = list(batches) if batches is not None else []

    def batch() -> int:
        return plan.pop(0) if plan else rng.randint(1, 5)

    lines = [json.dumps({"type": "ledger", "origin": ORIGIN, "key": signer.verifier_key()})]
    tree = MerkleTree()
    prev = ""
    sizes: list[int] = []
    next_checkpoint = batch()
    for i in range(n):
        body = dict(bodies[i]) if bodies is not None else _body(i)
        body.update(i=i, prev=prev, at=f"2026-11-23T00:{i // 60 % 60:02d}:{i % 60:02d}Z")
        leaf = canonical(body)
        digest = leaf_hash(leaf)
        tree.append(digest)
        prev = base64.b64encode(digest).decode()
        lines.append(json.dumps({"type": "entry", "index": i,
                                 "leaf": base64.b64encode(leaf).decode()}))
        if i + 1 == next_checkpoint or i + 1 == n:
            _sign(lines, sizes, signer, tree, i + 1)
            next_checkpoint = i + 1 + batch()
    if n == 0:
        _sign(lines, sizes, signer, tree, 0)
    return Export(lines, sizes)


def _sign(lines: list[str], sizes: list[int], signer: NoteSigner, tree: MerkleTree,
          size: int) -> None:
    note = signer.sign(Checkpoint(ORIGIN, size, tree.root(size), 1795400000 + size))
    lines.append(json.dumps({"type": "checkpoint", "note": note}))
    sizes.append(size)


def _bad(result: VerifyResult, entry: int | None, *words: str) -> None:
    assert not result.ok, result
    assert result.first_bad_entry == entry, result.message
    if entry is not None:
        assert result.message.startswith(f"entry {entry}"), result.message
    for word in words:
        assert word in result.message, result.message


# -- honest exports ---------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 7, 40, 129])
def test_an_honest_export_verifies(n: int) -> None:
    export = build(n, seed=n)
    assert export.checkpoint_sizes[-1] == n
    result = _verify(export.lines)
    assert result.ok, result.message
    assert result.entries == n and result.first_bad_entry is None
    assert result.checkpoint is not None and result.checkpoint.size == n
    assert result.checkpoint.root == _tree_root(export, n)
    assert verify_export(export.lines, pinned_vkey=SIGNER.verifier_key()).ok
    assert _verify(line + "\n" for line in export.lines).ok  # as read from a file
    assert _verify(iter(export.lines)).ok  # one pass is enough


def _tree_root(export: Export, size: int) -> bytes:
    tree = MerkleTree()
    tree.extend(leaf_hash(export.leaf(i)) for i in range(size))
    return tree.root()


def test_the_helper_signs_after_every_batch() -> None:
    export = build(30, batches=[1, 1, 3, 10, 15])
    assert export.checkpoint_sizes == [1, 2, 5, 15, 30]
    assert build(4, batches=[1, 1, 1, 1]).checkpoint_sizes == [1, 2, 3, 4]
    assert build(6, batches=[6]).checkpoint_sizes == [6]
    random_batches = build(50, seed=3).checkpoint_sizes
    assert random_batches[-1] == 50 and random_batches == sorted(set(random_batches))


def test_an_empty_ledger_with_its_checkpoint_verifies() -> None:
    result = _verify(build(0).lines)
    assert result.ok and result.entries == 0
    _bad(_verify(build(0).lines[:1]), None, "no signed checkpoint")


def test_an_earlier_checkpoint_of_the_same_log_is_accepted() -> None:
    short, long = build(12, batches=[4, 8]), build(30, batches=[4, 8, 18])
    for size in (4, 12):
        result = _verify(long.lines, earlier=long.note(size))
        assert result.ok, result.message
    # A checkpoint the log never exported at that size, kept from an earlier, shorter export.
    assert _verify(long.lines, earlier=short.note(12)).ok


# -- altered entries --------------------------------------------------------------------------

@pytest.mark.parametrize("batches", [None, [1] * 40, [40], [10, 10, 10, 10]],
                         ids=["random batches", "one per append", "one at the end", "tens"])
@pytest.mark.parametrize("index", [0, 1, 9, 17, 20, 38, 39])
def test_a_changed_byte_inside_an_entry_names_it(index: int, batches: list[int] | None
                                                 ) -> None:
    export = build(40, batches=batches)
    leaf = export.leaf(index)
    altered = leaf.replace(b'"psn_', b'"psX_', 1)
    assert altered != leaf
    _bad(_verify(export.with_leaf(index, altered)), index)


def test_altering_the_link_names_the_pair_unless_a_checkpoint_vouches_for_the_first() -> None:
    export = build(20, batches=[5, 5, 10])
    forged = base64.b64encode(bytes(32)).decode()
    _bad(_verify(export.with_entry(7, prev=forged)), 6, "entry 7", "link")
    # Entry 4 is covered by the checkpoint of size 5, which verified: entry 5 is the bad one.
    _bad(_verify(export.with_entry(5, prev=forged)), 5, "covered by a verified")
    _bad(_verify(export.with_entry(0, prev=forged)), 0, "first one")


def test_an_entry_claiming_another_index_is_named() -> None:
    export = build(20)
    _bad(_verify(export.with_entry(8, i=9)), 8, "says it is entry 9")
    _bad(_verify(export.with_entry(8, i="8")), 8, "own index")
    _bad(_verify(export.with_entry(8, kind=None)), 8, "kind or time")
    entry = decode(export.leaf(8))
    del entry["at"]
    _bad(_verify(export.with_leaf(8, canonical(entry))), 8, "kind or time")


@pytest.mark.parametrize(("old", "new"), [
    (b'{"', b'{ "'),  # spacing
    (b'"at":', b'"at" :'),
    (b"\xc3\xb1", b"\\u00f1"),  # an escape instead of UTF-8
    (b'"i":', b'"i":0'),  # a leading zero
])
def test_a_leaf_that_is_not_canonical_is_refused(old: bytes, new: bytes) -> None:
    export = build(10)
    leaf = export.leaf(2)
    assert old in leaf
    _bad(_verify(export.with_leaf(2, leaf.replace(old, new, 1))), 2, "altered")


def test_a_leaf_that_is_not_base64_or_not_canonical_base64_is_refused() -> None:
    export = build(10)
    position = export.entry_line(3)
    record = json.loads(export.lines[position])
    for bad in ("!" + record["leaf"][1:], record["leaf"] + "=", "é" + record["leaf"][1:]):
        lines = [*export.lines[:position], json.dumps({**record, "leaf": bad}),
                 *export.lines[position + 1:]]
        _bad(_verify(lines), 3, "base64")
    # Same bytes, other spelling: the padding bits of the last digit set.
    leaf = export.leaf(3)
    leaf += b" " * ((1 - len(leaf)) % 3)  # one byte in the last group: four padding bits
    encoded = base64.b64encode(leaf).decode()
    digit = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    other = encoded[:-3] + digit[digit.index(encoded[-3]) + 1] + "=="
    assert base64.b64decode(other) == leaf
    lines = [*export.lines[:position], json.dumps({**record, "leaf": other}),
             *export.lines[position + 1:]]
    _bad(_verify(lines), 3, "canonical base64")


# -- missing, inserted, reordered --------------------------------------------------------------

@pytest.mark.parametrize("index", [0, 1, 12, 28, 29])
def test_a_removed_entry_is_named(index: int) -> None:
    export = build(30)
    _bad(_verify(export.without(export.entry_line(index))), index, "missing")


def test_a_removed_entry_just_before_its_checkpoint_is_named() -> None:
    export = build(30, batches=[10, 10, 10])
    _bad(_verify(export.without(export.entry_line(9))), 9, "missing")
    _bad(_verify(export.without(export.entry_line(29))), 29, "missing")


@pytest.mark.parametrize("index", [0, 12, 29])
def test_a_duplicated_entry_is_named(index: int) -> None:
    export = build(30)
    position = export.entry_line(index)
    duplicated = [*export.lines[:position + 1], export.lines[position],
                  *export.lines[position + 1:]]
    _bad(_verify(duplicated), index, "appears again")
    # Renumbered so that every line's index field is in order: the leaf still tells.
    renumbered = _renumber(duplicated)
    _bad(_verify(renumbered), index, "appears again")


def _renumber(lines: list[str]) -> list[str]:
    result, index = [], 0
    for line in lines:
        record = json.loads(line)
        if record["type"] == "entry":
            record["index"] = index
            index += 1
        result.append(json.dumps(record))
    return result


def test_a_fabricated_entry_is_named() -> None:
    export = build(30, batches=[5, 10, 15])
    # A well-formed entry 12 that links to entry 11, inserted after it.
    forged = {**_body(12), "subject": "psn_forged", "i": 12, "at": "2026-11-23T00:00:12Z",
              "prev": base64.b64encode(leaf_hash(export.leaf(11))).decode()}
    line = json.dumps({"type": "entry", "index": 12,
                       "leaf": base64.b64encode(canonical(forged)).decode()})
    position = export.entry_line(12)
    inserted = [*export.lines[:position], line, *export.lines[position:]]
    _bad(_verify(inserted), 12, "appears again")
    _bad(_verify(_renumber(inserted)), 12, "appears again")
    # Just before a checkpoint: the checkpoint's size gives it away.
    forged.update(i=15, prev=base64.b64encode(leaf_hash(export.leaf(14))).decode())
    line = json.dumps({"type": "entry", "index": 15,
                       "leaf": base64.b64encode(canonical(forged)).decode()})
    position = export.checkpoint_line(15)
    _bad(_verify([*export.lines[:position], line, *export.lines[position:]]), 15,
         "inserted")
    # In place of the real entry 12: its successor no longer links to it.
    forged.update(i=12, prev=base64.b64encode(leaf_hash(export.leaf(11))).decode())
    _bad(_verify(export.with_leaf(12, canonical(forged))), 12, "link")


@pytest.mark.parametrize("index", [0, 5, 14, 28])
def test_two_swapped_entries_are_named(index: int) -> None:
    export = build(30, batches=[15, 15])
    a, b = export.entry_line(index), export.entry_line(index + 1)
    swapped = list(export.lines)
    swapped[a], swapped[b] = swapped[b], swapped[a]
    _bad(_verify(swapped), index)
    _bad(_verify(_renumber(swapped)), index)


def test_lines_that_do_not_belong_are_refused() -> None:
    export = build(10)
    _bad(_verify([]), None, "empty")
    _bad(_verify(export.lines[1:]), None, "ledger header")
    _bad(_verify([export.lines[0], "not json", *export.lines[1:]]), None, "line 2")
    _bad(_verify([*export.lines[:3], '{"type":"gossip"}', *export.lines[3:]]), None,
         "unknown line type 'gossip'")
    _bad(_verify([*export.lines[:3], "[1, 2]", *export.lines[3:]]), None,
         "not a JSON object")
    entries_before = sum('"entry"' in line for line in export.lines[:3])
    _bad(_verify([*export.lines[:3], '{"type":"entry","index":true}',
                        *export.lines[3:]]), entries_before, "no integer index")
    header = json.loads(export.lines[0])
    _bad(_verify([json.dumps({**header, "origin": ""}), *export.lines[1:]]), None,
         "ledger header")
    _bad(_verify([json.dumps({**header, "key": "nonsense"}), *export.lines[1:]]), None,
         "verifier key")


# -- checkpoints --------------------------------------------------------------------------------

def _alter_note(export: Export, size: int, old: str, new: str) -> list[str]:
    position = export.checkpoint_line(size)
    record = json.loads(export.lines[position])
    assert old in record["note"]
    record["note"] = record["note"].replace(old, new, 1)
    return [*export.lines[:position], json.dumps(record), *export.lines[position + 1:]]


def test_an_altered_checkpoint_signature_is_refused() -> None:
    export = build(30, batches=[10, 10, 10])
    note = export.note(20)
    signature = note.rpartition(" ")[2]
    flipped = ("B" if signature[10] == "A" else "A").join([signature[:10], signature[11:]])
    _bad(_verify(_alter_note(export, 20, signature, flipped)), 10, "does not verify",
         "entries 10..19")
    # Or the signed text: the size, the root, the time.
    _bad(_verify(_alter_note(export, 20, "\n20\n", "\n21\n")), 10, "does not verify")
    _bad(_verify(_alter_note(export, 30, "time 1795400030", "time 1795400031")), 20,
         "does not verify")


def test_a_checkpoint_signed_by_another_key_or_for_another_log_is_refused() -> None:
    export = build(20, batches=[10, 10])
    tree = MerkleTree()
    tree.extend(leaf_hash(export.leaf(i)) for i in range(10))
    for signer, origin, words in ((OTHER, ORIGIN, "no signature"),
                                  (NoteSigner("elsewhere.test/log", KEY), "elsewhere.test/log",
                                   "no signature"),
                                  (SIGNER, "elsewhere.test/log", "another log")):
        note = signer.sign(Checkpoint(origin, 10, tree.root(), 1))
        position = export.checkpoint_line(10)
        lines = [*export.lines[:position], json.dumps({"type": "checkpoint", "note": note}),
                 *export.lines[position + 1:]]
        _bad(_verify(lines), 0, words)


def test_a_checkpoint_of_the_wrong_size_is_refused() -> None:
    export = build(20, batches=[10, 10])
    a, b = export.checkpoint_line(10), export.entry_line(10)
    moved = list(export.lines)
    moved[a], moved[b] = moved[b], moved[a]  # the checkpoint of size 10 after entry 10
    _bad(_verify(moved), 10, "inserted")
    early = list(export.lines)
    early[a], early[a - 1] = early[a - 1], early[a]  # and before entry 9
    _bad(_verify(early), 9, "missing")


def test_a_checkpoint_with_another_root_is_refused() -> None:
    export = build(20, batches=[10, 10])
    other = build(20, batches=[10, 10], seed=1, bodies=[{**_body(i), "actor": "x"}
                                                         for i in range(20)])
    position = export.checkpoint_line(20)
    swapped = [*export.lines[:position], other.lines[other.checkpoint_line(20)]]
    _bad(_verify(swapped), 19, "signed root", "entries 10..19")


def test_entries_after_the_final_checkpoint_are_refused() -> None:
    longer = build(13, batches=[5, 7, 1])
    cut = longer.without(longer.checkpoint_line(13))
    _bad(_verify(cut), 12, "after the last signed checkpoint")
    _bad(_verify(longer.without(longer.checkpoint_line(12))[:-1]), 5,
         "after the last signed checkpoint")


# -- keys and history ---------------------------------------------------------------------------

def test_a_pinned_key_must_match_the_exports_key() -> None:
    foreign = build(10, signer=OTHER)
    # self-consistent under its own key...
    assert verify_export(foreign.lines, pinned_vkey=OTHER.verifier_key()).ok
    _bad(verify_export(foreign.lines, pinned_vkey=SIGNER.verifier_key()), None,
         "not with the key you trust", SIGNER.verifier_key().split("+")[1])
    # A header naming our key over notes signed by another one fails at the first checkpoint.
    header = json.loads(foreign.lines[0])
    lines = [json.dumps({**header, "key": SIGNER.verifier_key()}), *foreign.lines[1:]]
    _bad(verify_export(lines, pinned_vkey=SIGNER.verifier_key()), 0, "no signature")
    _bad(verify_export(build(3).lines, pinned_vkey="garbage"), None, "the verifier key you trust")
    elsewhere = NoteSigner("elsewhere.test/log", KEY).verifier_key()
    _bad(verify_export(build(3).lines, pinned_vkey=elsewhere), None, "elsewhere.test/log")


def test_history_rewritten_with_the_signing_key_is_caught_only_by_an_earlier_checkpoint(
) -> None:
    honest = build(20, batches=[8, 12])
    kept = honest.note(20)
    # Whoever holds the key changes entry 3, re-links and re-signs everything after it, and
    # keeps appending.
    bodies = [_body(i) for i in range(25)]
    bodies[3] = {**bodies[3], "decision": "ALLOW" if bodies[3]["decision"] == "DENY" else "DENY"}
    rewritten = build(25, bodies=bodies, batches=[8, 12, 5])
    assert rewritten.lines[1:4] == honest.lines[1:4]  # entries 0..2 unchanged
    assert _verify(rewritten.lines).ok  # self-consistent...
    _bad(_verify(rewritten.lines, earlier=honest.note(8)), None, "history rewritten",
         "first 8 entries")
    _bad(_verify(rewritten.lines, earlier=kept), None, "history rewritten",
         "first 20 entries")
    # A checkpoint from before the rewrite still matches.
    early = build(3, batches=[3])
    assert _verify(rewritten.lines, earlier=early.note(3)).ok


def test_a_log_shorter_than_an_earlier_checkpoint_is_refused() -> None:
    honest = build(20, batches=[8, 12])
    kept = honest.note(20)
    _bad(_verify(build(10).lines, earlier=kept), 10, "shrank")
    # Cut after an intermediate checkpoint: self-consistent, but shorter than what was kept.
    cut = honest.lines[:honest.checkpoint_line(8) + 1]
    assert _verify(cut).ok
    _bad(_verify(cut, earlier=kept), 8, "shrank")


def test_an_earlier_checkpoint_must_be_ours() -> None:
    export = build(10)
    _bad(_verify(export.lines, earlier=build(10, signer=OTHER).note(10)), None,
         "earlier checkpoint", "no signature")
    foreign = SIGNER.sign(Checkpoint("elsewhere.test/log", 10, bytes(32)))
    _bad(_verify(export.lines, earlier=foreign), None, "another log")
    _bad(_verify(export.lines, earlier="garbage"), None, "earlier checkpoint")


# -- any single change ------------------------------------------------------------------------

def _expected_first_bad(export: Export, index: int, altered: bytes) -> int:
    """Where the verifier must point for entry ``index``'s leaf replaced by ``altered``: the
    entry itself, unless the change is in its link to the entry before — then that entry
    (from the export alone one cannot tell which of the two changed), except when a verified
    checkpoint vouches for it or there is none."""
    try:
        entry = decode(altered)
    except EncodingError:
        return index
    original = decode(export.leaf(index))
    if entry.get("i") == index and isinstance(entry.get("kind"), str) and \
            isinstance(entry.get("at"), str) and entry.get("prev") != original["prev"]:
        return index if index == 0 or export.anchored(index) else index - 1
    return index


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 25), seed=st.integers(0, 10_000), data=st.data())
def test_any_single_byte_change_in_any_leaf_is_caught_and_named(
        n: int, seed: int, data: st.DataObject) -> None:
    export = build(n, seed=seed)
    index = data.draw(st.integers(0, n - 1), label="entry")
    leaf = bytearray(export.leaf(index))
    at = data.draw(st.integers(0, len(leaf) - 1), label="byte")
    # Printable bytes half the time: they keep the JSON valid more often, reaching the
    # semantic checks rather than the parser.
    value = st.integers(0x20, 0x7e) | st.integers(0, 255)
    leaf[at] = data.draw(value.filter(lambda b: b != leaf[at]), label="value")
    result = _verify(export.with_leaf(index, bytes(leaf)))
    expected = _expected_first_bad(export, index, bytes(leaf))
    _bad(result, expected)
    assert index - 1 <= expected <= index


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 25), seed=st.integers(0, 10_000), data=st.data())
def test_any_single_character_change_in_an_entry_lines_leaf_is_caught(
        n: int, seed: int, data: st.DataObject) -> None:
    """Changing the base64 text in the line: refused always; when the line is still JSON,
    the entry named is the changed one (or the one before, for a changed link)."""
    export = build(n, seed=seed)
    index = data.draw(st.integers(0, n - 1), label="entry")
    position = export.entry_line(index)
    line = export.lines[position]
    start = line.index('"leaf": "') + len('"leaf": "')
    end = line.index('"', start)
    at = data.draw(st.integers(start, end - 1), label="character")
    char = data.draw(st.characters(max_codepoint=0x7f).filter(lambda c: c != line[at]),
                     label="new")
    altered = line[:at] + char + line[at + 1:]
    lines = [*export.lines[:position], altered, *export.lines[position + 1:]]
    result = _verify(lines)
    assert not result.ok
    try:
        record = json.loads(altered)
    except ValueError:
        assert result.first_bad_entry is None, result.message
        return
    try:
        leaf = base64.b64decode(record["leaf"], validate=True)
    except ValueError:
        leaf = None
    if leaf is None or base64.b64encode(leaf).decode() != record["leaf"]:
        expected = index
    else:
        expected = _expected_first_bad(export, index, leaf)
    _bad(result, expected)


# -- canonical encoding (the leaf format the checks above rely on) ------------------------------

def test_canonical_encoding_has_one_byte_form() -> None:
    assert canonical({"b": 1, "a": "ñ", "c": [True, None, {"z": -3, "y": ""}]}) == \
        '{"a":"ñ","b":1,"c":[true,null,{"y":"","z":-3}]}'.encode()
    assert canonical({"line": "a\nb\"c"}) == b'{"line":"a\\nb\\"c"}'
    with pytest.raises(TypeError, match=r"entry\.score"):
        canonical({"score": 0.5})
    with pytest.raises(TypeError, match=r"entry\.nested\.values\[1\]"):
        canonical({"nested": {"values": [1, 2.0]}})
    with pytest.raises(TypeError, match="keys must be strings"):
        canonical({"a": {1: "x"}})
    with pytest.raises(TypeError, match="bytes values"):
        canonical({"a": b"x"})
    with pytest.raises(ValueError, match="not valid Unicode"):
        canonical({"a": "\ud800"})


@pytest.mark.parametrize("leaf", [
    b'{"b":1,"a":2}', b'{"a": 1}', b' {"a":1}', b'{"a":1} ', b'{"a":"\\u00f1"}',
    b'{"a":1,"a":1}', b'{"a":1.0}', b'{"a":1e5}', b'{"a":NaN}', b'{"a":-0}', b'{"a":01}',
    b'[1]', b'"a"', b"\xff", b'{"a":"\\ud800"}', b"[" * 100_000 + b"]" * 100_000, b"",
])
def test_decode_refuses_anything_but_the_canonical_form(leaf: bytes) -> None:
    with pytest.raises(EncodingError):
        decode(leaf)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


@given(st.dictionaries(st.text(), _JSON, max_size=6))
def test_decode_inverts_canonical(value: dict[str, Any]) -> None:
    try:
        leaf = canonical(value)
    except ValueError:  # lone surrogates in generated text
        return
    assert decode(leaf) == value
    assert canonical(decode(leaf)) == leaf
