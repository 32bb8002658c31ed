"""The verifiable ledger: RFC 9162 Merkle log of consent, link and access events.

ledger.py         the Ledger: appends, reads, proofs, tiles and exports over its storage
entries.py        what an entry is (Entry, EntryKind) and the builders for each kind
batching.py       group commit: one writer thread committing what waits as one batch
verified_tree.py  the verified head, following other writers, proofs from stored tiles
storage.py        SQLite or PostgreSQL: leaves, auditors' columns, checkpoints, hash tiles
tables.py         the ledger's tables (SQLAlchemy Core)
sequencer.py      one writer at a time: SQLite's lock files, PostgreSQL's advisory lock
tiles.py          C2SP tlog-tiles math (tile_paths.py: their names, entry bundles)
tile_cache.py     the bounded cache of full (immutable) tiles
encoding.py       the canonical bytes of an entry
merkle.py         RFC 9162 hashes, trees and proofs
note.py           signed checkpoints as C2SP signed notes
export.py         writing an export; verifier.py checks one offline
errors.py         every error the ledger raises, as a tree
"""
