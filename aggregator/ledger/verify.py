"""Verifying a ledger export offline: every leaf, the chain, the tree, every signature.

Export format (JSON Lines), as ``Ledger.export`` writes it:

- first ``{"type":"ledger","origin":ORIGIN,"key":VERIFIER_KEY}``;
- entries in index order, ``{"type":"entry","index":N,"leaf":BASE64(leaf bytes)}``, where the
  leaf is the canonical encoding of an object holding its own index ``i``, ``prev`` (base64
  leaf hash of entry N-1, empty for entry 0), ``kind`` and ``at``;
- checkpoint lines ``{"type":"checkpoint","note":SIGNED_NOTE}`` right after the entry that
  completes the tree they sign; the last line is a checkpoint covering every entry.

The check streams: memory stays O(log n) however long the ledger is.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass

from aggregator.ledger.encoding import EncodingError, decode
from aggregator.ledger.merkle import CompactRange, leaf_hash
from aggregator.ledger.note import Checkpoint, NoteError, NoteVerifier

__all__ = ["VerifyResult", "verify_export"]


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The outcome; on failure ``message`` says what and, when it can, which entry."""

    ok: bool
    entries: int
    checkpoint: Checkpoint | None
    first_bad_entry: int | None
    message: str


class _Failure(Exception):
    def __init__(self, message: str, entry: int | None = None) -> None:
        super().__init__(message)
        self.entry = entry


def verify_export(lines: Iterable[str], *, pinned_vkey: str | None = None,
                  earlier: str | None = None) -> VerifyResult:
    """Verify an export; ``earlier`` is a signed checkpoint kept from before, which the
    ledger must still extend."""
    state = _State()
    try:
        state.run(lines, pinned_vkey, earlier)
    except _Failure as failure:
        return VerifyResult(False, state.tree.size, state.last_checkpoint, failure.entry,
                            str(failure))
    return VerifyResult(True, state.tree.size, state.last_checkpoint, None,
                        f"{state.tree.size} entries verified")


class _State:
    def __init__(self) -> None:
        self.tree = CompactRange()
        self.last_checkpoint: Checkpoint | None = None
        self.verified_size = 0  # entries covered by the last checkpoint that verified
        self.prev = b""
        self.verifier: NoteVerifier | None = None
        self.origin = ""
        self.earlier: Checkpoint | None = None

    def run(self, lines: Iterable[str], pinned_vkey: str | None, earlier: str | None) -> None:
        iterator = iter(lines)
        header = self._parse(next(iterator, ""), "header")
        served_key = header.get("key")
        if header.get("type") != "ledger" or not isinstance(served_key, str):
            raise _Failure("the export does not start with a ledger header line")
        self.origin = str(header.get("origin", ""))
        try:
            self.verifier = NoteVerifier.from_vkey(pinned_vkey or served_key)
        except NoteError as exc:
            raise _Failure(f"verifier key: {exc}") from exc
        if pinned_vkey and pinned_vkey.strip() != served_key:
            raise _Failure("the export is signed with another key than the one you pinned")
        if earlier is not None:
            try:
                self.earlier = self.verifier.open(earlier)
            except NoteError as exc:
                raise _Failure(f"earlier checkpoint: {exc}") from exc
            if self.earlier.size == 0:
                self.earlier = None
        for line in iterator:
            if not line.strip():
                continue
            record = self._parse(line, f"line after entry {self.tree.size - 1}")
            kind = record.get("type")
            if kind == "entry":
                self._entry(record)
            elif kind == "checkpoint":
                self._checkpoint(record)
            else:
                raise _Failure(f"unknown line type {kind!r} after entry {self.tree.size - 1}")
        if self.last_checkpoint is None or self.last_checkpoint.size != self.tree.size:
            raise _Failure(f"entry {self.verified_size}: entries after the last signed "
                           "checkpoint (or the export was cut short)", self.verified_size)
        if self.earlier is not None and self.earlier.size > self.tree.size:
            raise _Failure(f"the ledger shrank: an earlier checkpoint covered "
                           f"{self.earlier.size} entries, the export has {self.tree.size}",
                           self.tree.size)

    @staticmethod
    def _parse(line: str, where: str) -> dict[str, object]:
        try:
            value = json.loads(line)
        except ValueError as exc:
            raise _Failure(f"{where}: not JSON") from exc
        if not isinstance(value, dict):
            raise _Failure(f"{where}: not a JSON object")
        return value

    def _entry(self, record: dict[str, object]) -> None:
        expected = self.tree.size
        index = record.get("index")
        if not isinstance(index, int) or isinstance(index, bool):
            raise _Failure(f"entry {expected}: no index", expected)
        if index > expected:
            raise _Failure(f"entry {expected} is missing (the next entry is {index})", expected)
        if index < expected:
            raise _Failure(f"entry {index} appears again at position {expected} (inserted or "
                           "reordered)", index)
        try:
            leaf = base64.b64decode(str(record.get("leaf", "")), validate=True)
            entry = decode(leaf)
        except (binascii.Error, EncodingError) as exc:
            raise _Failure(f"entry {index}: its bytes were altered ({exc})", index) from exc
        if entry.get("i") != index:
            raise _Failure(f"entry {index}: it says it is entry {entry.get('i')} (altered, "
                           "inserted or reordered)", index)
        if not isinstance(entry.get("kind"), str) or not isinstance(entry.get("at"), str):
            raise _Failure(f"entry {index}: kind or time missing (altered)", index)
        prev = base64.b64encode(self.prev).decode() if self.prev else ""
        if entry.get("prev") != prev:
            # Entry index-1 no longer hashes to what this entry recorded when it was appended.
            raise _Failure(f"entry {index - 1}: its hash no longer matches the link recorded "
                           f"in entry {index} (entry {index - 1} was altered, or the link in "
                           f"entry {index})", index - 1)
        digest = leaf_hash(leaf)
        self.tree.append(digest)
        self.prev = digest
        if (self.earlier is not None and self.tree.size == self.earlier.size
                and self.tree.root() != self.earlier.root):
            raise _Failure(f"history rewritten: the first {self.earlier.size} entries do not "
                           "hash to the root of your earlier checkpoint", None)

    def _checkpoint(self, record: dict[str, object]) -> None:
        assert self.verifier is not None
        try:
            checkpoint = self.verifier.open(str(record.get("note", "")))
        except NoteError as exc:
            raise _Failure(f"checkpoint after entry {self.tree.size - 1}: {exc}") from exc
        if checkpoint.origin != self.origin:
            raise _Failure(f"checkpoint for another log ({checkpoint.origin!r})")
        if checkpoint.size != self.tree.size:
            raise _Failure(f"entry {min(checkpoint.size, self.tree.size)}: a checkpoint of "
                           f"size {checkpoint.size} sits after entry {self.tree.size - 1} "
                           "(entries missing or inserted)",
                           min(checkpoint.size, self.tree.size))
        if checkpoint.root != self.tree.root():
            # Every link up to here held, so no entry before the last one changed on its own
            # (its successor would no longer link to it): the last one was altered, or
            # everything since the last good checkpoint was rewritten and re-linked.
            last = self.tree.size - 1
            raise _Failure(f"entry {last}: entries {self.verified_size}..{last} do not hash "
                           f"to the signed root of size {checkpoint.size}; entry {last} was "
                           f"altered (or entries from {self.verified_size} on were rewritten)",
                           last)
        self.verified_size = checkpoint.size
        self.last_checkpoint = checkpoint
