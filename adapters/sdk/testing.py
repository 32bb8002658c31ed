"""Test doubles for adapter authors: an in-memory case source (no database, no network)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from adapters.sdk.records import CaseRecord, ChangeRecord, EventRecord

__all__ = ["InMemoryCaseSource"]


class InMemoryCaseSource:
    """A :class:`~adapters.sdk.source.CaseSource` over a list of records.

    ``add_event`` appends to a case and to the change feed, as an agency's workflow would.
    """

    def __init__(self, cases: Iterable[CaseRecord] = (), access_codes: dict[str, str] | None = None
                 ) -> None:
        self._cases: dict[str, CaseRecord] = {}
        self._changes: list[ChangeRecord] = []
        self._codes = dict(access_codes or {})
        for case in cases:
            self._cases[case.number] = case
            self._codes.setdefault(case.number, case.access_code)

    def find_cases(self, numbers: Sequence[str], *, with_history: bool) -> dict[str, CaseRecord]:
        """Cases by number; without history only the latest event."""
        found = {n: self._cases[n] for n in numbers if n in self._cases}
        if with_history:
            return found
        # As a real source would: the latest event only, and the opening time beside it.
        return {n: replace(c, events=c.events[-1:], opened_at=c.opened)
                for n, c in found.items()}

    def verify_access_code(self, number: str, access_code: str) -> bool:
        """Whether the access code matches (case and separators ignored)."""
        expected = self._codes.get(number)

        def canonical(code: str) -> str:
            return "".join(ch for ch in code.upper() if ch.isalnum())

        return expected is not None and canonical(expected) == canonical(access_code)

    def latest_cursor(self) -> int:
        """Cursor of the newest change."""
        return self._changes[-1].cursor if self._changes else 0

    def changes_since(self, cursor: int, limit: int) -> list[ChangeRecord]:
        """Changes after ``cursor``."""
        return [c for c in self._changes if c.cursor > cursor][:limit]

    def add_event(self, number: str, event: EventRecord) -> ChangeRecord:
        """Append a new status to a case and to the change feed."""
        case = self._cases[number]
        self._cases[number] = replace(case, events=(*case.events, event))
        change = ChangeRecord(self.latest_cursor() + 1, number, event)
        self._changes.append(change)
        return change
