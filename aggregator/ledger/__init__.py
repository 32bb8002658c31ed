"""The verifiable ledger: RFC 9162 Merkle log of consent, link and access events.

ledger.py         the Ledger: appends, reads, proofs and exports over one file
entries.py        what an entry is (Entry, EntryKind) and the builders for each kind
batching.py       group commit: one writer thread committing what waits as one batch
verified_tree.py  the Merkle tree of entries verified on disk, following other processes
storage.py        the SQLite file: leaves, columns auditors filter on, signed checkpoints
encoding.py       the canonical bytes of an entry
merkle.py         RFC 9162 hashes, trees and proofs
note.py           signed checkpoints as C2SP signed notes
export.py         writing an export; verifier.py checks one offline
errors.py         every error the ledger raises, as a tree
"""
