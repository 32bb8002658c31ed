"""The auditors' view of the ledger: checkpoint, filtered entries, inclusion and consistency
proofs. Entries only ever hold pseudonyms, keyed references and codes."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from aggregator.ledger.storage import EntryFilter, StoredEntry
from aggregator.ports import LedgerPort
from aggregator.service import CaselineService
from gateway.context import Context
from gateway.schema.consent import b64
from gateway.schema.errors import UserFacingError

__all__ = ["AuditView", "ConsistencyProof", "InclusionProof", "LedgerCheckpoint", "LedgerEntry",
           "checkpoint_of", "consistency_of", "find_entries", "inclusion_of"]

Info = strawberry.Info[Context, None]

MAX_ENTRIES = 1000


@strawberry.type(description="A signed checkpoint of the ledger (C2SP tlog-checkpoint in a "
                             "signed note): anyone holding it can check that later states "
                             "of the ledger extend it.")
class LedgerCheckpoint:
    origin: str
    tree_size: int
    root_hash: str = strawberry.field(description="Base64 SHA-256 Merkle root (RFC 9162).")
    signature: str = strawberry.field(description="Base64 of the note signature: 4-byte key "
                                                  "hash then the 64-byte Ed25519 signature.")
    signed_at: datetime
    note: str = strawberry.field(description="The whole signed note, as `caseline audit "
                                             "verify --since` takes it.")
    verifier_key: str = strawberry.field(description="The C2SP note verifier key.")


@strawberry.type(description="One ledger entry.")
class LedgerEntry:
    index: int
    at: datetime
    kind: str
    leaf: str = strawberry.field(description="Base64 of the entry's canonical bytes.")
    leaf_hash: str
    entry: str = strawberry.field(description="The entry as JSON (the leaf bytes decoded).")


@strawberry.type(description="An RFC 9162 inclusion proof.")
class InclusionProof:
    leaf_index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    hashes: list[str]


@strawberry.type(description="An RFC 9162 consistency proof between two tree sizes.")
class ConsistencyProof:
    first_size: int
    second_size: int
    first_root: str
    second_root: str
    hashes: list[str]


def checkpoint_of(ledger: LedgerPort) -> LedgerCheckpoint:
    """The latest signed checkpoint as GraphQL (an empty ledger has none yet)."""
    stored = ledger.checkpoint()
    if stored is None:
        raise UserFacingError("the ledger is empty: no checkpoint has been signed yet",
                              "EMPTY_LEDGER")
    signature_line = stored.note.rstrip("\n").rsplit("\n", 1)[-1]
    return LedgerCheckpoint(
        origin=ledger.origin, tree_size=stored.size, root_hash=b64(ledger.root(stored.size)),
        signature=signature_line.rsplit(" ", 1)[-1],
        signed_at=datetime.fromisoformat(stored.signed_at), note=stored.note,
        verifier_key=ledger.verifier_key())


def _entry(ledger: LedgerPort, row: StoredEntry) -> LedgerEntry:
    return LedgerEntry(index=row.index, at=datetime.fromisoformat(row.at), kind=row.kind,
                       leaf=b64(row.leaf), leaf_hash=b64(ledger.leaf_hash(row.index)),
                       entry=row.leaf.decode())


def _utc_iso(value: datetime | None, name: str) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise UserFacingError(f"{name}: give a time zone (ISO 8601)", "INVALID_INPUT")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _pseudonymous(service: CaselineService, value: str | None) -> str | None:
    # Auditors work with pseudonyms; an account id is turned into one, never stored.
    if value is None or value.startswith("psn_"):
        return value
    return service.pseudonym(value)


def _proof_error(exc: ValueError) -> UserFacingError:
    return UserFacingError(str(exc), "INVALID_INPUT")


def find_entries(service: CaselineService, *, subject: str | None = None,
                 grantee: str | None = None, agency: str | None = None,
                 kind: str | None = None, since: datetime | None = None,
                 until: datetime | None = None, after: int = -1,
                 first: int = 100) -> list[LedgerEntry]:
    """Entries in index order after ``after``, at most ``first``, filters combined with AND
    (GraphQL's ``audit.entries`` and the audit page); UserFacingError for bad input."""
    if not 1 <= first <= MAX_ENTRIES:
        raise UserFacingError(f"first: expected 1..{MAX_ENTRIES}, got {first}",
                              "INVALID_INPUT")
    ledger = service.ledger
    rows = ledger.store.find(EntryFilter(
        subject=_pseudonymous(service, subject), actor=_pseudonymous(service, grantee),
        agency=agency, kind=kind, since=_utc_iso(since, "since"),
        until=_utc_iso(until, "until"), after_index=after, before_index=ledger.size,
        limit=first))
    return [_entry(ledger, r) for r in rows]


def inclusion_of(ledger: LedgerPort, index: int, tree_size: int | None = None
                 ) -> InclusionProof:
    """Proof that entry ``index`` is in the tree of ``tree_size`` (default: the whole
    ledger); UserFacingError when the sizes do not allow one."""
    try:
        size = tree_size if tree_size is not None else ledger.size
        hashes = ledger.inclusion_proof(index, size)
        return InclusionProof(leaf_index=index, tree_size=size,
                              leaf_hash=b64(ledger.leaf_hash(index)),
                              root_hash=b64(ledger.root(size)),
                              hashes=[b64(h) for h in hashes])
    except ValueError as exc:
        raise _proof_error(exc) from exc


def consistency_of(ledger: LedgerPort, first_size: int, second_size: int | None = None
                   ) -> ConsistencyProof:
    """Proof that the tree of ``first_size`` is a prefix of the tree of ``second_size``
    (default: the whole ledger); UserFacingError when the sizes do not allow one."""
    try:
        size2 = second_size if second_size is not None else ledger.size
        hashes = ledger.consistency_proof(first_size, size2)
        return ConsistencyProof(first_size=first_size, second_size=size2,
                                first_root=b64(ledger.root(first_size)),
                                second_root=b64(ledger.root(size2)),
                                hashes=[b64(h) for h in hashes])
    except ValueError as exc:
        raise _proof_error(exc) from exc


@strawberry.type(description="The ledger, for auditors.")
class AuditView:
    @strawberry.field(description="The latest signed checkpoint.")
    def checkpoint(self, info: Info) -> LedgerCheckpoint:
        return checkpoint_of(info.context.service.ledger)

    @strawberry.field(description=f"Entries in index order after `after`, at most `first` "
                                  f"(<= {MAX_ENTRIES}); filters combine with AND. `subject` and "
                                  "`grantee` take pseudonyms (an account id is pseudonymised).")
    def entries(self, info: Info, subject: str | None = None, grantee: str | None = None,
                agency: strawberry.ID | None = None, kind: str | None = None,
                since: datetime | None = None, until: datetime | None = None,
                after: int = -1, first: int = 100) -> list[LedgerEntry]:
        return find_entries(info.context.service, subject=subject, grantee=grantee,
                            agency=str(agency) if agency else None, kind=kind, since=since,
                            until=until, after=after, first=first)

    @strawberry.field(description="Proof that entry `index` is in the tree of `treeSize` "
                                  "(default: the latest checkpoint).")
    def inclusion_proof(self, info: Info, index: int,
                        tree_size: int | None = None) -> InclusionProof:
        return inclusion_of(info.context.service.ledger, index, tree_size)

    @strawberry.field(description="Proof that the tree of `firstSize` is a prefix of the tree "
                                  "of `secondSize` (default: latest).")
    def consistency_proof(self, info: Info, first_size: int,
                          second_size: int | None = None) -> ConsistencyProof:
        return consistency_of(info.context.service.ledger, first_size, second_size)
