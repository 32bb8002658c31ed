"""Every error the ledger raises, in one tree.

    LedgerError                        anything the ledger package raises on purpose
    ├── LedgerCorruptError             (RuntimeError) the file does not match its own hashes
    │                                  or its last signed checkpoint
    ├── LedgerClosedError              (RuntimeError) an append after close, or after a
    │                                  write failed (the ledger fails closed)
    ├── LedgerBusyError                (RuntimeError) the file is already open in this process
    ├── WriteLockError                 (RuntimeError) another process held the write turn
    │                                  too long, or PostgreSQL's connection failed
    │                                  mid-batch; only that batch fails
    ├── EncodingError                  (ValueError) bytes that are not a canonical entry
    ├── ProofError                     (ValueError) an inclusion or consistency proof that
    │                                  does not verify
    └── NoteError                      (ValueError) a malformed signed note or verifier key,
                                       or a signature that does not verify

Each keeps the built-in base it has always had beside ``LedgerError``, so code that catches
``ValueError`` (bad input from an auditor) or ``RuntimeError`` keeps catching it.
"""

from __future__ import annotations

__all__ = [
    "EncodingError",
    "LedgerBusyError",
    "LedgerClosedError",
    "LedgerCorruptError",
    "LedgerError",
    "NoteError",
    "ProofError",
    "WriteLockError",
]


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""


class LedgerCorruptError(LedgerError, RuntimeError):
    """The ledger file does not match its own hashes or its last signed checkpoint."""


class LedgerClosedError(LedgerError, RuntimeError):
    """Appends after close, or after a write failed (the ledger then fails closed)."""


class LedgerBusyError(LedgerError, RuntimeError):
    """The ledger file is already open in this process."""


class WriteLockError(LedgerError, RuntimeError):
    """The write turn could not be taken (another process held it too long), or the
    database connection failed during a batch: only that batch fails."""


class EncodingError(LedgerError, ValueError):
    """Bytes that are not the canonical encoding of an entry."""


class ProofError(LedgerError, ValueError):
    """A proof that does not verify, with the reason."""


class NoteError(LedgerError, ValueError):
    """A note or key that is malformed, or a signature that does not verify."""
