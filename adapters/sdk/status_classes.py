"""What processing statistics need to know of an agency status code: whether it completes a
case (its category is APPROVED, DENIED or CLOSED) and its milestone. Read from the agency's
mapping table, so a source can classify codes without the SDK's proto types."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass

from adapters.sdk.mapping import MappingTable
from adapters.sdk.vocabulary import UNSPECIFIED

__all__ = ["COMPLETING_CATEGORIES", "StatusClass", "StatusClassifier"]

COMPLETING_CATEGORIES = frozenset({"APPROVED", "DENIED", "CLOSED"})


@dataclass(frozen=True, slots=True)
class StatusClass:
    """A status code as the statistics see it."""

    completes: bool
    milestone: str


class StatusClassifier:
    """Classifies ``(case type, agency code)`` pairs with a mapping table; the case type's
    program (``program_of``) qualifies the lookup as it does for a case's status. Unknown
    codes are open, at milestone UNSPECIFIED. Thread-safe; answers are memoized (a table has
    hundreds of codes, a store millions of events)."""

    def __init__(self, table: MappingTable, program_of: Callable[[str], str | None]) -> None:
        self._table = table
        self._program_of = program_of
        self._known: dict[tuple[str, str], StatusClass] = {}
        self._lock = threading.Lock()
        rows = sorted((e.program or "", e.code, *e.aliases, e.category, e.milestone)
                      for e in table.entries)
        digest = hashlib.sha256(repr((table.agency, table.version, rows)).encode())
        # Changes whenever a code could classify differently: a derived summary built with
        # another fingerprint must be rebuilt.
        self.fingerprint = digest.hexdigest()[:16]

    def classify(self, case_type: str, code: str) -> StatusClass:
        """The class of ``code`` in a case of ``case_type``."""
        key = (case_type, code)
        found = self._known.get(key)
        if found is None:
            _, entry = self._table.match(code, self._program_of(case_type))
            found = (StatusClass(False, UNSPECIFIED) if entry is None else
                     StatusClass(entry.category in COMPLETING_CATEGORIES, entry.milestone))
            with self._lock:
                self._known[key] = found
        return found
