"""Accounts: who signed in (or was seeded), with what role, and whether their data was erased.

Plain data and errors; the store keeps the rows. An account is created at its first
authenticated request, so that a consent can only name someone who exists.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aggregator.consent.vocabulary import Role

__all__ = ["Account", "SignIns", "SubjectErasedError", "UnknownAccountError"]

log = logging.getLogger("caseline.aggregator")


@dataclass(frozen=True, slots=True)
class Account:
    """One account: its id (the sign-in subject), role, first sign-in, and erasure."""

    id: str
    role: Role
    first_seen: datetime
    erased_at: datetime | None = None


class SubjectErasedError(Exception):
    """The subject's data was erased (their keys shredded): nothing of theirs can be read or
    changed any more."""

    def __init__(self, subject_id: str, erased_at: datetime) -> None:
        super().__init__(f"the data of account {subject_id} was erased at "
                         f"{erased_at.isoformat()}")
        self.subject_id = subject_id
        self.erased_at = erased_at


class UnknownAccountError(LookupError):
    """No account has this id."""

    def __init__(self, subject_id: str) -> None:
        super().__init__(f"no account {subject_id!r}")
        self.subject_id = subject_id


class SignIns:
    """Records each signed-in account once per process: a set lookup per request, a database
    write only the first time a subject is seen (``record`` is idempotent, so another process
    having recorded it already is harmless)."""

    def __init__(self, record: Callable[[str, Role], object], remember: int = 100_000) -> None:
        self._record = record
        self._seen: set[str] = set()
        self._remember = remember

    def seen(self, subject_id: str, role: Role) -> None:
        """Note that ``subject_id`` signed in with ``role``."""
        if subject_id in self._seen:
            return
        try:
            self._record(subject_id, role)
        except Exception:  # the request itself can go on; the next one records it
            log.warning("could not record a signed-in account; the next request retries",
                        exc_info=True)
            return
        if len(self._seen) >= self._remember:
            self._seen.clear()  # bounded memory; re-recording is a no-op insert
        self._seen.add(subject_id)
