"""Ports the aggregator's service depends on (the gRPC client implements AdapterPort)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from aggregator.model import Case, LookupOutcome, SubjectCases
from aggregator.vault.opening import Release

__all__ = ["AdapterPort"]


class AdapterPort(Protocol):
    """One agency's adapter as the aggregator sees it."""

    agency_id: str

    async def lookup(self, numbers: Sequence[str], timeout: float) -> list[LookupOutcome]:
        """Public status for up to 100 numbers, in request order."""
        ...

    async def subject_cases(self, consent_token: str, timeout: float,
                            release: Release) -> SubjectCases:
        """Cases and events released under a consent token, sealed fields opened within
        ``release``."""
        ...

    async def verify_ownership(self, number: str, access_code: str,
                               timeout: float) -> Case | None:
        """The case (with its canonical number) when the access code matches, else None."""
        ...

    async def close(self) -> None:
        """Release the connection."""
        ...
