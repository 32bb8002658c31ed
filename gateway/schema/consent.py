"""Consent, ledger receipt and access-log types."""

from __future__ import annotations

import base64
from datetime import datetime

import strawberry

from aggregator.consent.records import ConsentRecord, effective_state
from aggregator.ledger.ledger import Appended
from aggregator.ports import LedgerPort
from gateway.schema.enums import (
    AccessDecision,
    AccessKind,
    ConsentPurpose,
    ConsentScope,
    ConsentState,
)

__all__ = ["AccessLogEntry", "Consent", "GrantConsentInput", "Receipt", "ScopeConsent"]


def b64(data: bytes) -> str:
    """Standard base64, as checkpoints and the Merkle test vectors use."""
    return base64.b64encode(data).decode()


@strawberry.type(description="Proof that a ledger entry is in the log: its index, the signed "
                             "checkpoint that first covered it and the inclusion proof "
                             "(RFC 9162) from the entry's leaf to that checkpoint's root.")
class Receipt:
    leaf_index: int
    tree_size: int
    root_hash: str = strawberry.field(description="Base64 SHA-256 root of the tree of "
                                                  "`treeSize` entries.")
    inclusion_proof: list[str] = strawberry.field(description="Base64 hashes, leaf to root.")
    leaf_hash: str = strawberry.field(description="Base64 RFC 9162 leaf hash of the entry.")
    checkpoint: str = strawberry.field(description="The signed checkpoint (C2SP signed note).")

    @classmethod
    def of(cls, ledger: LedgerPort, appended: Appended) -> Receipt:
        """The receipt for an acknowledged entry."""
        proof = ledger.inclusion_proof(appended.index, appended.tree_size)
        return cls(leaf_index=appended.index, tree_size=appended.tree_size,
                   root_hash=b64(appended.root), inclusion_proof=[b64(p) for p in proof],
                   leaf_hash=b64(ledger.leaf_hash(appended.index)),
                   checkpoint=appended.checkpoint)


@strawberry.type(description="A consent: one subject lets one grantee read some scopes of "
                             "their cases at some agencies, for a purpose, for a time. Every "
                             "change is a new signed version; `state` is as of now.")
class Consent:
    id: strawberry.ID
    version: int
    state: ConsentState
    subject: strawberry.ID
    grantee: strawberry.ID
    agencies: list[strawberry.ID]
    scopes: list[ConsentScope]
    purpose: str = strawberry.field(description="The purpose in the subject's words.")
    purpose_code: ConsentPurpose
    valid_from: datetime
    valid_until: datetime
    created_at: datetime = strawberry.field(description="When this version was signed.")
    signature: str = strawberry.field(description="Base64 Ed25519 signature of this version.")
    use_count: int = strawberry.field(description="Reads that relied on this consent.")
    last_used_at: datetime | None
    receipt: Receipt | None = strawberry.field(
        description="The ledger receipt of the change just made (mutations only).")
    shared_name: str | None = strawberry.field(
        default=None, description="The name the subject chose to share with the grantee "
                                  "(null when none).")

    @classmethod
    def from_domain(cls, record: ConsentRecord, now: datetime, ledger: LedgerPort,
                    appended: Appended | None = None) -> Consent:
        """The consent as of ``now``; use counts come from the ledger itself."""
        uses, last = ledger.store.usage(record.id)
        return cls(
            id=strawberry.ID(record.id), version=record.version,
            state=ConsentState(effective_state(record, now)),
            subject=strawberry.ID(record.subject_id), grantee=strawberry.ID(record.grantee_id),
            agencies=[strawberry.ID(a) for a in record.agencies],
            scopes=[ConsentScope(s) for s in record.scopes], purpose=record.purpose_text,
            purpose_code=ConsentPurpose(record.purpose_code), valid_from=record.valid_from,
            valid_until=record.valid_until, created_at=record.created_at,
            signature=record.signature, use_count=uses,
            last_used_at=datetime.fromisoformat(last) if last else None,
            receipt=Receipt.of(ledger, appended) if appended else None,
            shared_name=record.shared_name)


@strawberry.input(description="A new consent.")
class GrantConsentInput:
    grantee: strawberry.ID
    agencies: list[strawberry.ID]
    scopes: list[ConsentScope]
    purpose: str = strawberry.field(description="What the access is for, in your words (or a "
                                                "ConsentPurpose name).")
    valid_until: datetime
    valid_from: datetime | None = None
    purpose_code: ConsentPurpose | None = None
    shared_name: str | None = strawberry.field(
        default=None, description="The name the grantee may know you by (they see only your "
                                  "account id without it); kept sealed, never in the ledger.")


@strawberry.type(description="The consent one scope of a read relied on.")
class ScopeConsent:
    scope: ConsentScope
    consent_id: strawberry.ID = strawberry.field(description="`self` for your own reads.")


@strawberry.type(description="One read of your data or one event of your links (or an "
                             "attempt), from the ledger.")
class AccessLogEntry:
    kind: AccessKind
    at: datetime
    actor: str = strawberry.field(description="Who read: the account id (you, or a grantee).")
    purpose: str = strawberry.field(description="The purpose code the read relied on.")
    purpose_text: str | None
    agencies: list[strawberry.ID]
    scopes: list[ConsentScope]
    consent_id: strawberry.ID | None = strawberry.field(
        description="The consent the STATUS scope relied on; `self` for your own reads.")
    consents: list[ScopeConsent] = strawberry.field(
        description="Every consent a read relied on, per scope (DETAILS may rest on another "
                    "consent than STATUS). Empty for refused reads and link events.")
    decision: AccessDecision
    reason: str | None
    leaf_index: int = strawberry.field(description="Position in the ledger (for proofs).")
