"""The demo OpenID provider's authorization codes, in one SQLite file of the demo's state
directory: every gateway process of the demo serves the provider, and a code issued by one
is redeemed at another. A code is stored by its SHA-256 only, taken out (deleted) when it is
redeemed, and worthless after ``ttl_s``."""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Any

__all__ = ["CODE_TTL_S", "CodeStore"]

CODE_TTL_S = 60


class CodeStore:
    """Single-use, short-lived codes and what each grants."""

    def __init__(self, path: Path, ttl_s: float = CODE_TTL_S) -> None:
        self.path = path
        self.ttl_s = ttl_s
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS codes (code_hash TEXT PRIMARY KEY, "
                       "grant_json TEXT NOT NULL, expires REAL NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        # Autocommit: each statement is its own transaction, so a DELETE ... RETURNING
        # hands a code to exactly one redeemer however many processes ask at once.
        return sqlite3.connect(self.path, timeout=5, isolation_level=None)

    def issue(self, grant: dict[str, Any], *, now: float | None = None) -> str:
        """A new code for ``grant``; expired codes are swept on the way."""
        at = time.time() if now is None else now
        code = secrets.token_urlsafe(32)
        db = self._connect()
        try:
            db.execute("DELETE FROM codes WHERE expires <= ?", (at,))
            db.execute("INSERT INTO codes VALUES (?, ?, ?)",
                       (_digest(code), json.dumps(grant), at + self.ttl_s))
        finally:
            db.close()
        return code

    def redeem(self, code: str, *, now: float | None = None) -> dict[str, Any] | None:
        """What ``code`` grants, once: None if it was never issued, was redeemed already or
        has expired."""
        at = time.time() if now is None else now
        db = self._connect()
        try:
            row = db.execute("DELETE FROM codes WHERE code_hash = ? RETURNING grant_json, "
                             "expires", (_digest(code),)).fetchone()
        finally:
            db.close()
        if row is None or float(row[1]) <= at:
            return None
        grant: dict[str, Any] = json.loads(row[0])
        return grant


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
