"""Verifying a ledger export offline: every leaf, the chain, the tree, every signature.

Export format (JSON Lines), as ``Ledger.export`` writes it:

- first ``{"type":"ledger","origin":ORIGIN,"key":VERIFIER_KEY}``; the key there only says
  which key the exporter claims, and must be the one the auditor trusts (given or pinned):
  an export is never verified with a key taken from the export itself;
- entries in index order, ``{"type":"entry","index":N,"leaf":BASE64(leaf bytes)}``, where the
  leaf is the canonical encoding of an object holding its own index ``i``, ``prev`` (base64
  leaf hash of entry N-1, empty for entry 0), ``kind`` and ``at``;
- checkpoint lines ``{"type":"checkpoint","note":SIGNED_NOTE}`` right after the entry that
  completes the tree they sign; the last line is a checkpoint covering every entry.

Blank lines are skipped. The check streams: memory stays O(log n) however long the ledger is.

What a failure names (``first_bad_entry``), from the export alone:

- a line out of place (missing, repeated, swapped — by its ``index`` field or, when the
  fields were renumbered, by the leaf's own ``i`` and its link): the first position that is
  wrong, or the entry that appears a second time;
- an entry whose bytes are not a well-formed leaf for its position: that entry;
- a broken link (entry N does not record the hash of entry N-1): entry N-1, whose content no
  longer hashes to what entry N recorded — or entry N itself when N-1 is vouched for by a
  verified checkpoint (or N is 0);
- a signed root that the entries since the last verified checkpoint do not reproduce: the
  last of them. Every link in that range held, so the last entry is certainly altered (if an
  earlier one alone had changed, its successor's link would have broken); the message names
  the whole range, since someone able to re-link may have rewritten all of it;
- a checkpoint that does not verify (signature, key, origin), or entries after the last
  one: the first entry no valid signature covers;
- history rewritten against ``earlier``: no entry (only the old root is known).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NoReturn

from aggregator.ledger.encoding import decode
from aggregator.ledger.errors import EncodingError, NoteError
from aggregator.ledger.merkle import CompactRange, empty_root, leaf_hash
from aggregator.ledger.note import Checkpoint, NoteVerifier

__all__ = ["ExportHeader", "VerifyResult", "export_header", "verify_export"]


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The outcome; on failure ``message`` says what and, when it can, which entry (then it
    starts with ``entry N``)."""

    ok: bool
    entries: int  # entries whose leaf and link checked out (all of them when ok)
    checkpoint: Checkpoint | None  # the last checkpoint that verified
    first_bad_entry: int | None
    message: str


class _Failure(Exception):
    def __init__(self, message: str, entry: int | None = None) -> None:
        super().__init__(message)
        self.entry = entry


@dataclass(frozen=True, slots=True)
class ExportHeader:
    """What an export's first line claims: the log's origin and its verifier key."""

    origin: str
    vkey: str


def export_header(line: str) -> ExportHeader:
    """The header line of an export; ValueError saying what is wrong otherwise. It tells the
    auditor which origin's pinned key to use, and is not itself trusted."""
    return _header_of(_parse(line))


def _header_of(record: dict[str, Any] | None) -> ExportHeader:
    origin = record.get("origin") if record else None
    served_key = record.get("key") if record else None
    if record is None or record.get("type") != "ledger" or not isinstance(origin, str) \
            or not origin or not isinstance(served_key, str):
        raise ValueError("the export does not start with a ledger header line "
                         '({"type":"ledger","origin":...,"key":...})')
    return ExportHeader(origin, served_key)


def verify_export(lines: Iterable[str], *, pinned_vkey: str,
                  earlier: str | None = None) -> VerifyResult:
    """Verify an export, stopping at the first failure.

    ``pinned_vkey`` is the verifier key the auditor trusts, obtained apart from the export
    (the export's own key must be the same key under the same origin); ``earlier`` is a
    signed checkpoint note kept from before, which the ledger must still extend — the only
    defence against whoever holds the signing key rewriting history.
    """
    state = _State()
    try:
        state.run(lines, pinned_vkey, earlier)
    except _Failure as failure:
        return VerifyResult(False, state.tree.size, state.last_checkpoint, failure.entry,
                            str(failure))
    return VerifyResult(True, state.tree.size, state.last_checkpoint, None,
                        f"{state.tree.size} entries verified")


def _parse(line: str) -> dict[str, Any] | None:
    """The JSON object on ``line``, None if it is not one (the caller says where)."""
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


class _State:
    def __init__(self) -> None:
        self.tree = CompactRange()
        self.last_checkpoint: Checkpoint | None = None
        self.verified_size = 0  # entries covered by the last checkpoint that verified
        self.prev = ""  # base64 leaf hash of the last entry, as the next one must record it
        self.verifier: NoteVerifier | None = None
        self.origin = ""
        self.earlier: Checkpoint | None = None
        self.line_number = 0

    def _where(self) -> str:
        return f"line {self.line_number} (after entry {self.tree.size - 1})" \
            if self.tree.size else f"line {self.line_number}"

    def run(self, lines: Iterable[str], pinned_vkey: str, earlier: str | None) -> None:
        entry, checkpoint = self._entry, self._checkpoint
        for self.line_number, line in enumerate(lines, 1):
            if not line or line.isspace():
                continue
            record = _parse(line)
            if record is None:
                raise _Failure(f"{self._where()}: not a JSON object")
            if self.verifier is None:
                self._header(record, pinned_vkey, earlier)
                continue
            kind = record.get("type")
            if kind == "entry":
                entry(record)
            elif kind == "checkpoint":
                checkpoint(record)
            else:
                raise _Failure(f"{self._where()}: unknown line type {kind!r}")
        self._finish()

    def _header(self, record: dict[str, Any], pinned_vkey: str, earlier: str | None) -> None:
        try:
            header = _header_of(record)
        except ValueError as exc:
            raise _Failure(str(exc)) from exc
        self.origin = header.origin
        try:
            trusted = NoteVerifier.from_vkey(pinned_vkey)
        except NoteError as exc:
            raise _Failure(f"the verifier key you trust: {exc}") from exc
        try:
            presented = NoteVerifier.from_vkey(header.vkey)
        except NoteError as exc:
            raise _Failure(f"the export's verifier key: {exc}") from exc
        if trusted.name != header.origin:
            raise _Failure(f"the export is the log {header.origin!r}, but the key you trust is "
                           f"for {trusted.name!r}")
        if presented.name != trusted.name or not presented.same_key(trusted):
            raise _Failure(f"the export of {header.origin!r} is signed with key "
                           f"{presented.key_hash}, not with the key you trust "
                           f"({trusted.key_hash}): a forgery, or the operator changed the key")
        self.verifier = trusted
        if earlier is not None:
            self._earlier(earlier)

    def _earlier(self, note: str) -> None:
        assert self.verifier is not None
        try:
            self.earlier = self.verifier.open(note)
        except NoteError as exc:
            raise _Failure(f"your earlier checkpoint: {exc}") from exc
        if self.earlier.origin != self.origin:
            raise _Failure(f"your earlier checkpoint is for another log "
                           f"({self.earlier.origin!r}, the export is {self.origin!r})")
        if self.earlier.size == 0 and self.earlier.root != empty_root():
            raise _Failure("history rewritten: your earlier checkpoint of size 0 does not "
                           "have the empty tree's root")

    def _entry(self, record: dict[str, Any]) -> None:
        expected = self.tree.size
        index = record.get("index")
        if type(index) is not int:
            raise _Failure(f"entry {expected}: {self._where()} has no integer index",
                           expected)
        if index > expected:
            raise _Failure(f"entry {expected} is missing ({self._where()} holds entry "
                           f"{index})", expected)
        if index < expected:
            raise _Failure(f"entry {index} appears again / out of order at position "
                           f"{expected} (inserted or reordered)", index)
        encoded = record.get("leaf")
        if not isinstance(encoded, str):
            raise _Failure(f"entry {index}: no leaf", index)
        try:
            leaf = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _Failure(f"entry {index}: its leaf is not base64 (altered)", index) from exc
        # One spelling per leaf, so that every byte of the line matters.
        if base64.b64encode(leaf).decode() != encoded:
            raise _Failure(f"entry {index}: its leaf is not in canonical base64 (altered)",
                           index)
        try:
            entry = decode(leaf)
        except EncodingError as exc:
            raise _Failure(f"entry {index}: its bytes were altered ({exc})", index) from exc
        own = entry.get("i")
        linked = entry.get("prev") == self.prev
        if type(own) is not int:
            raise _Failure(f"entry {index}: its own index is {own!r} (altered)", index)
        if own != index:
            # Whether it still links to the entry before tells an altered index (it does)
            # from an entry that does not belong here (it does not).
            if linked:
                raise _Failure(f"entry {index}: it says it is entry {own} (altered)", index)
            if own < index:
                raise _Failure(f"entry {own} appears again / out of order at position {index} "
                               "(inserted or reordered)", own)
            raise _Failure(f"entry {index} is missing or out of order: position {index} holds "
                           f"entry {own} (removed or reordered)", index)
        if not isinstance(entry.get("kind"), str) or not isinstance(entry.get("at"), str):
            raise _Failure(f"entry {index}: kind or time missing (altered)", index)
        if not linked:
            self._broken_link(index)
        digest = leaf_hash(leaf)
        self.tree.append(digest)
        self.prev = base64.b64encode(digest).decode()
        if self.earlier is not None and index + 1 == self.earlier.size and \
                self.tree.root() != self.earlier.root:
            raise _Failure(f"history rewritten: the first {self.earlier.size} entries do not "
                           f"hash to the root of your earlier checkpoint of that size — the "
                           "log was rewritten after you kept it (by whoever holds the "
                           "signing key)")

    def _broken_link(self, index: int) -> None:
        if index == 0:
            raise _Failure("entry 0: it links to a previous entry, but it is the first one "
                           "(altered)", 0)
        if self.verified_size == index:
            # Entry index-1 is vouched for by a verified checkpoint: the link itself changed.
            raise _Failure(f"entry {index}: its link to entry {index - 1} is wrong, and "
                           f"entry {index - 1} is covered by a verified checkpoint (entry "
                           f"{index} was altered)", index)
        raise _Failure(f"entry {index - 1}: its hash no longer matches the link recorded in "
                       f"entry {index} (entry {index - 1} was altered, or the link in entry "
                       f"{index})", index - 1)

    def _checkpoint(self, record: dict[str, Any]) -> None:
        assert self.verifier is not None
        size = self.tree.size
        note = record.get("note")
        if not isinstance(note, str):
            raise _Failure(f"{self._where()}: checkpoint line without a note")
        try:
            checkpoint = self.verifier.open(note)
        except NoteError as exc:
            self._unvouched(f"the checkpoint at {self._where()} does not verify: {exc}")
        if checkpoint.origin != self.origin:
            self._unvouched(f"the checkpoint at {self._where()} is for another log "
                            f"({checkpoint.origin!r}, the export is {self.origin!r})")
        if checkpoint.size > size:
            raise _Failure(f"entry {size} is missing: a checkpoint of size {checkpoint.size} "
                           f"follows only {size} entries", size)
        if checkpoint.size < size:
            raise _Failure(f"entry {checkpoint.size}: a checkpoint of size {checkpoint.size} "
                           f"follows {size} entries, so entries {checkpoint.size}..{size - 1} "
                           "were inserted before it", checkpoint.size)
        if checkpoint.root != self.tree.root():
            last = size - 1
            raise _Failure(f"entry {last}: entries {self.verified_size}..{last} do not hash "
                           f"to the signed root of size {size}; entry {last} was altered (and "
                           f"possibly others from entry {self.verified_size} on, re-linked)",
                           last)
        self.verified_size = size
        self.last_checkpoint = checkpoint

    def _unvouched(self, problem: str) -> NoReturn:
        """A checkpoint that vouches for nothing: name the first entry it was to cover."""
        first, size = self.verified_size, self.tree.size
        if first < size:
            raise _Failure(f"entry {first}: {problem}; entries {first}..{size - 1} are not "
                           "covered by a valid signature", first)
        raise _Failure(problem)

    def _finish(self) -> None:
        if self.verifier is None:
            raise _Failure("the export is empty (no ledger header line)")
        size = self.tree.size
        if self.last_checkpoint is None and size == 0:
            raise _Failure("the export has no signed checkpoint, so nothing is verified")
        if self.verified_size != size:
            raise _Failure(f"entry {self.verified_size}: entries {self.verified_size}.."
                           f"{size - 1} come after the last signed checkpoint (added after "
                           "signing, or the final checkpoint was cut off)", self.verified_size)
        if self.earlier is not None and self.earlier.size > size:
            raise _Failure(f"entry {size} is missing: the log shrank — your earlier "
                           f"checkpoint covers {self.earlier.size} entries, the export has "
                           f"{size}", size)
