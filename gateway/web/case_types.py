"""Each agency's case types as its adapter describes them (Describe), for the statistics
index: asked once per adapter and kept, since an agency's case types change only with a new
adapter release (a restart)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from aggregator.federation.from_contract import localized_from_proto
from aggregator.federation.number_formats import description
from aggregator.model import Case, in_language

__all__ = ["CaseTypeName", "case_label", "case_types", "is_identifier", "label"]


def is_identifier(code: str, english_name: str) -> bool:
    """Whether ``code`` is only its English name's words in capitals (CREDIBLE_FEAR_REVIEW,
    BOND for "Bond (Custody Redetermination) Proceedings"): a data identifier nobody reads,
    unlike a form number or acronym people know a case type by (I-485, PERM, H-2A)."""
    words = set(re.findall(r"[a-z0-9]+", english_name.casefold()))
    parts = [p for p in re.split(r"[_\s]+", code.casefold()) if p]
    return bool(parts) and all(p.isalpha() and p in words for p in parts)


def label(code: str, english_name: str, names: Mapping[str, str], language: str) -> str:
    """How the pages name a case type: by its code when people know it by that ("I-485"),
    else by its name in ``language`` (English when the agency gave none)."""
    if is_identifier(code, english_name):
        return in_language(names, language, english_name)
    return code


def case_label(case: Case, language: str) -> str:
    """``case``'s type as the pages name it (see ``label``)."""
    return label(case.case_type, case.case_type_name, case.case_type_names, language)


@dataclass(frozen=True, slots=True)
class CaseTypeName:
    """A case type's code and its name by language ("en" at least)."""

    code: str
    name: str
    names: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)

    def name_in(self, language: str) -> str:
        """The name in ``language``, else English."""
        return in_language(self.names, language, self.name)

    def label_in(self, language: str) -> str:
        """The case type as the pages name it in ``language`` (see ``label``)."""
        return label(self.code, self.name, self.names, language)

    @property
    def identifier(self) -> bool:
        """Whether the code is a data identifier the pages do not show (see
        ``is_identifier``)."""
        return is_identifier(self.code, self.name)


async def case_types(adapter: object, timeout: float) -> tuple[CaseTypeName, ...] | None:
    """The adapter's case types; None when it cannot be asked (it describes nothing, or does
    not answer just now: asked again next time)."""
    described = await description(adapter, timeout)
    if described is None:
        return None
    types = tuple(CaseTypeName(t.code, t.name, localized_from_proto(t.names))
                  for t in described.case_types)
    return types
