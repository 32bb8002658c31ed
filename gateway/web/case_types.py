"""Each agency's case types as its adapter describes them (Describe), for the statistics
index: asked once per adapter and kept, since an agency's case types change only with a new
adapter release (a restart)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from aggregator.federation.from_contract import localized_from_proto
from aggregator.federation.number_formats import description
from aggregator.model import in_language

__all__ = ["CaseTypeName", "case_types"]


@dataclass(frozen=True, slots=True)
class CaseTypeName:
    """A case type's code and its name by language ("en" at least)."""

    code: str
    name: str
    names: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)

    def name_in(self, language: str) -> str:
        """The name in ``language``, else English."""
        return in_language(self.names, language, self.name)


async def case_types(adapter: object, timeout: float) -> tuple[CaseTypeName, ...] | None:
    """The adapter's case types; None when it cannot be asked (it describes nothing, or does
    not answer just now: asked again next time)."""
    described = await description(adapter, timeout)
    if described is None:
        return None
    types = tuple(CaseTypeName(t.code, t.name, localized_from_proto(t.names))
                  for t in described.case_types)
    return types
