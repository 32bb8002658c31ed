"""Tables (SQLAlchemy Core), portable across SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = MetaData()

subjects = Table(
    "subjects", metadata,
    Column("id", String(64), primary_key=True),
    Column("language", String(8), nullable=False, default="en"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Accounts: everyone who signed in once (or was seeded), so a consent can only name someone
# who exists. An erased account keeps its row: it says when its data was erased.
accounts = Table(
    "accounts", metadata,
    Column("id", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=True),
)

# A case number is personal data (at the immigration court it is the A-number): it is kept
# sealed under the subject's data key, found again by a keyed reference.
links = Table(
    "links", metadata,
    Column("subject_id", String(64), nullable=False),
    Column("agency_id", String(32), nullable=False),
    Column("case_ref", String(64), nullable=False),
    Column("case_number_sealed", LargeBinary, nullable=False),
    Column("linked_at", DateTime(timezone=True), nullable=False),
    # Keyed digest of the access code the link was made with (never the code): a different
    # code the agency verifies later is one it issued since, which may take the link over.
    # Null for links made before it was kept, and for links seeded without a code.
    Column("access_code_ref", String(64), nullable=True),
    PrimaryKeyConstraint("subject_id", "agency_id", "case_ref"),
    # A case is linked to one subject at a time (stores from before it may hold a case
    # under several: aggregator/store/migrations.py add_link_holders).
    Index("links_one_holder", "agency_id", "case_ref", unique=True),
)

# The accounts named as the actor of a link event in someone else's access log (an attempt
# on their case, a link that replaced theirs): the ledger holds only pseudonyms, and the
# holder is told which account it was.
link_actors = Table(
    "link_actors", metadata,
    Column("pseudonym", String(64), primary_key=True),
    Column("subject_id", String(64), nullable=False),
)

# Bumped by every write, so caches in other processes (another gateway, the CLI shredding a
# subject's key) notice on their next read.
store_version = Table(
    "store_version", metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)

# Consent versions: rows are only ever inserted; a change is a new version of the same id.
consents = Table(
    "consents", metadata,
    Column("id", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("subject_id", String(64), nullable=False, index=True),
    Column("grantee_id", String(64), nullable=False, index=True),
    Column("agencies", Text, nullable=False),
    Column("scopes", Text, nullable=False),
    Column("purpose_code", String(40), nullable=False),
    # Free text the subject wrote: sealed under the subject's data key (base64 of the sealed
    # value, prefixed "sealed:").
    Column("purpose_text", Text, nullable=False),
    Column("valid_from", DateTime(timezone=True), nullable=False),
    Column("valid_until", DateTime(timezone=True), nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("signature", Text, nullable=False),
    # The name the subject chose to show the grantee: personal data, sealed like the purpose
    # (null when none was given). Added after the table: older stores get it by migration.
    Column("shared_name", Text, nullable=True),
    PrimaryKeyConstraint("id", "version"),
)

# Invitation codes (aggregator/consent/invitations.py): one per grantee, replaced by a new
# one. Found by a keyed digest of the code; the code itself and the name it shows are
# sealed under the grantee's data key (gone when their data is erased).
invitations = Table(
    "invitations", metadata,
    Column("grantee_id", String(64), primary_key=True),
    Column("code_ref", String(64), nullable=False, unique=True),
    Column("code_sealed", Text, nullable=False),
    Column("display_name_sealed", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
