"""The ledger's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

``entries``, ``entry_consents`` and ``checkpoints`` keep the names and columns ledger files
have always had, so an existing file opens as it is; ``upgrade`` adds what later versions
added (the ``decision`` column, the hash tiles) in place.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
)

__all__ = ["checkpoints", "entries", "entry_consents", "metadata", "tiles"]

metadata = MetaData()

# SQLite: INTEGER PRIMARY KEY is the rowid (as in files written before); PostgreSQL: 64 bits.
_Index = BigInteger().with_variant(Integer(), "sqlite")

entries = Table(
    "entries", metadata,
    Column("idx", _Index, primary_key=True, autoincrement=False),
    Column("leaf", LargeBinary, nullable=False),
    Column("hash", LargeBinary, nullable=False),
    Column("kind", Text, nullable=False),
    Column("at", Text, nullable=False),
    Column("subject", Text),
    Column("actor", Text),
    Column("agencies", Text),  # ",a,b," so that LIKE '%,a,%' finds one agency
    Column("consent", Text),
    # An access entry's decision (ALLOW, DENY...), copied from its leaf on insert so use
    # counts need no JSON functions (which differ between engines).
    Column("decision", Text),
    Index("entries_subject", "subject", "idx"),
    Index("entries_actor", "actor", "idx"),
    Index("entries_consent", "consent", "idx"),
)

# The other consents an access entry relied on (DETAILS under another consent than STATUS,
# whose id is in entries.consent): derived from the leaf on insert, so use counts find them.
entry_consents = Table(
    "entry_consents", metadata,
    Column("consent", Text, nullable=False),
    Column("idx", _Index, nullable=False),
    PrimaryKeyConstraint("consent", "idx"),
    sqlite_with_rowid=False,
)

checkpoints = Table(
    "checkpoints", metadata,
    Column("size", _Index, primary_key=True, autoincrement=False),
    Column("note", Text, nullable=False),
    Column("signed_at", Text, nullable=False),
)

# The Merkle tree as C2SP tlog-tiles (aggregator.ledger.tiles): 32 bytes per hash, a full
# tile 256 hashes. A partial tile's row is rewritten as it grows, a full one never again; a
# partial level-0 tile has no row (it is entries.hash over its range).
tiles = Table(
    "ledger_tiles", metadata,
    Column("level", Integer, nullable=False),
    Column("idx", _Index, nullable=False),
    Column("hashes", LargeBinary, nullable=False),
    PrimaryKeyConstraint("level", "idx"),
)
