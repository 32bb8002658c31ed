"""Mapping tables: an agency's status codes onto the shared vocabulary.

A table is a TOML data file, not code::

    agency = "immigration"
    version = "2026.11"
    languages = ["en", "es"]

    [[codes]]
    code = "Case Was Received"          # the agency's own code or title
    aliases = ["Case Received"]         # optional: other wordings seen in the wild
    program = "PERM"                    # optional: the entry applies to this program only
    category = "PENDING"                # StatusCategory short name
    milestone = "RECEIVED"              # Milestone short name
    action_required = false
    [codes.en]
    title = "..."
    description = "..."
    next_step = "..."
    [codes.es]
    title = "..."
    description = "..."
    next_step = "..."

Codes are matched on a normalized key (case, accents, punctuation and spacing ignored), first
with the case's program, then without (EXACT). When no key matches, an unseen variant of a
known title matches on its normal form (:mod:`adapters.sdk.variants`: filler words, spelling
variants, markup dropped, never a word of meaning) as VARIANT, or AMBIGUOUS when the titles it
could vary mean different things. A code matching nothing (NONE) or several meanings maps to
UNSPECIFIED, keeps its original text, is counted (``unknown_codes``) and logged at INFO once
per distinct code, and never raises. ``MappedStatus.match`` says how a code matched. A code
given without a program can be resolved across programs with :mod:`adapters.sdk.resolution`.
"""

from __future__ import annotations

import logging
import threading
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.sdk.variants import normalize_key, variant_form
from adapters.sdk.vocabulary import CATEGORIES, MILESTONES, UNSPECIFIED

__all__ = [
    "AMBIGUOUS",
    "EXACT",
    "MATCH_KINDS",
    "NONE",
    "VARIANT",
    "LocalizedText",
    "MappedStatus",
    "MappingEntry",
    "MappingTable",
    "MappingTableError",
    "lint_table",
    "normalize_key",
    "same_meaning",
]

log = logging.getLogger("caseline.adapter.mapping")

REQUIRED_LANGUAGES = ("en", "es")

# How a code matched its table: its exact normalized key; a variant of a known title (see
# adapters.sdk.variants); several entries that mean different things; nothing.
EXACT = "EXACT"
VARIANT = "VARIANT"
AMBIGUOUS = "AMBIGUOUS"
NONE = "NONE"
MATCH_KINDS = (EXACT, VARIANT, AMBIGUOUS, NONE)


@dataclass(frozen=True, slots=True)
class LocalizedText:
    """Title, plain explanation and next step in one language."""

    language: str
    title: str
    description: str
    next_step: str


@dataclass(frozen=True, slots=True)
class MappingEntry:
    """One row of a mapping table."""

    code: str
    program: str | None
    category: str
    milestone: str
    action_required: bool
    texts: tuple[LocalizedText, ...]
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MappedStatus:
    """An agency status mapped onto the shared vocabulary, with the agency's words beside it."""

    category: str
    milestone: str
    action_required: bool
    agency_code: str
    agency_text: str
    texts: tuple[LocalizedText, ...]
    # How the code matched the table (EXACT, VARIANT, AMBIGUOUS or NONE).
    match: str = EXACT

    @property
    def known(self) -> bool:
        """Whether the mapping table knew the code."""
        return self.category != UNSPECIFIED

    def text(self, language: str) -> LocalizedText | None:
        """Mapped text in ``language``, else English, else None for unknown codes."""
        for text in self.texts:
            if text.language == language:
                return text
        return self.texts[0] if self.texts else None


class MappingTableError(ValueError):
    """A mapping table file is malformed; the message names the entry and the problem."""


@dataclass
class MappingTable:
    """A loaded mapping table. Thread-safe for lookups; counts unknown codes."""

    agency: str
    version: str
    languages: tuple[str, ...]
    entries: tuple[MappingEntry, ...]
    _index: dict[tuple[str, str], MappingEntry] = field(init=False, repr=False)
    # Program-qualified entries by normalized key alone, for resolving a code given without
    # its program (adapters.sdk.resolution).
    _by_key: dict[str, tuple[MappingEntry, ...]] = field(init=False, repr=False)
    # Every entry by the normal form of each of its keys, for unseen variants of known titles.
    _by_variant: dict[str, tuple[MappingEntry, ...]] = field(init=False, repr=False)
    unknown_codes: Counter[str] = field(init=False, repr=False)
    # Codes matched only as variants of known titles: candidates for the table's aliases.
    variant_codes: Counter[str] = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = {}
        for entry in self.entries:
            for key in entry_keys(entry):
                if key in self._index:
                    raise MappingTableError(
                        f"{self.agency}: duplicate normalized key {key[1]!r}"
                        f" (program {key[0] or 'any'}) in {entry.code!r}"
                        f" and {self._index[key].code!r}"
                    )
                self._index[key] = entry
        by_key: dict[str, list[MappingEntry]] = {}
        for (program, normalized), entry in self._index.items():
            if program and entry not in by_key.get(normalized, []):
                by_key.setdefault(normalized, []).append(entry)
        self._by_key = {name: tuple(entries) for name, entries in by_key.items()}
        by_variant: dict[str, list[MappingEntry]] = {}
        for entry in self.entries:
            for text in (entry.code, *entry.aliases):
                if not variant_form(text):
                    continue
                forms = by_variant.setdefault(variant_form(text), [])
                if entry not in forms:
                    forms.append(entry)
        self._by_variant = {form: tuple(entries) for form, entries in by_variant.items()}
        self.unknown_codes = Counter()
        self.variant_codes = Counter()
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path) -> MappingTable:
        """Read and validate a TOML mapping table."""
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise MappingTableError(f"{path}: cannot read mapping table: {exc}") from exc
        return cls.from_dict(raw, source=str(path))

    @classmethod
    def from_dict(cls, raw: dict[str, Any], source: str = "<table>") -> MappingTable:
        """Build a table from parsed TOML, checking every entry."""
        for key in ("agency", "version", "codes"):
            if key not in raw:
                raise MappingTableError(f"{source}: missing top-level key {key!r}")
        languages = tuple(raw.get("languages", REQUIRED_LANGUAGES))
        entries = tuple(
            _parse_entry(item, languages, f"{source}: codes[{i}]")
            for i, item in enumerate(raw["codes"])
        )
        return cls(agency=raw["agency"], version=raw["version"], languages=languages,
                   entries=entries)

    def lookup(self, code: str, program: str | None = None) -> MappingEntry | None:
        """The entry for ``code`` (program-specific first), or None."""
        key = normalize_key(code)
        if program:
            entry = self._index.get((program.upper(), key))
            if entry is not None:
                return entry
        return self._index.get(("", key))

    def candidates(self, code: str) -> tuple[MappingEntry, ...]:
        """Every program-qualified entry ``code`` answers to, in table order; () if none."""
        return self._by_key.get(normalize_key(code), ())

    def variants(self, code: str, program: str | None = None) -> tuple[MappingEntry, ...]:
        """The entries whose titles ``code`` is a variant of (equal normal forms), in table
        order. Under a program: that program's entries, else the program-less ones; never
        another program's. Without one: every entry with that normal form."""
        form = variant_form(code)
        # A code of fillers alone ("A", "The") is a variant of nothing.
        found = self._by_variant.get(form, ()) if form else ()
        if not program:
            return found
        program = program.upper()
        own = tuple(e for e in found if (e.program or "").upper() == program)
        return own or tuple(e for e in found if not e.program)

    def match(self, code: str, program: str | None = None) -> tuple[str, MappingEntry | None]:
        """How ``code`` matches under ``program``: (EXACT, entry) on its normalized key, else
        (VARIANT, entry) when its variants all mean the same, (AMBIGUOUS, None) when they
        differ, (NONE, None) when nothing answers. Never raises."""
        entry = self.lookup(code, program)
        if entry is not None:
            return EXACT, entry
        found = self.variants(code, program)
        if not found:
            return NONE, None
        if all(same_meaning(found[0], other) for other in found[1:]):
            return VARIANT, found[0]
        return AMBIGUOUS, None

    def map(self, code: str, text: str = "", program: str | None = None) -> MappedStatus:
        """Map an agency code, trying its exact key, then variants of known titles; unknown
        and ambiguous codes give UNSPECIFIED with the original text kept, counted and logged."""
        kind, entry = self.match(code, program)
        if entry is None:
            self.count_unknown(code, program, kind)
            return MappedStatus(UNSPECIFIED, UNSPECIFIED, False, code, text, (), kind)
        if kind == VARIANT:
            self._count(self.variant_codes, "agency code matched as a variant", code, program,
                        entry.code)
        return MappedStatus(entry.category, entry.milestone, entry.action_required, code, text,
                            entry.texts, kind)

    def count_unknown(self, code: str, program: str | None, kind: str = NONE) -> None:
        """Count a code that mapped to nothing; log it (INFO) the first time it is seen."""
        self._count(self.unknown_codes, "unmapped agency code", code, program, kind)

    def _count(self, counter: Counter[str], message: str, code: str, program: str | None,
               detail: str) -> None:
        label = f"{program}:{code}" if program else code
        with self._lock:
            counter[label] += 1
            first = counter[label] == 1
        if first:
            # "match" says why a code is unmapped; for a variant, the title it varies.
            log.info(message, extra={"agency": self.agency, "code": label, "match": detail})


def same_meaning(first: MappingEntry, second: MappingEntry) -> bool:
    """Whether two entries say the same: category, milestone, action and every text."""
    return (first.category, first.milestone, first.action_required, first.texts) == (
        second.category, second.milestone, second.action_required, second.texts)


def entry_keys(entry: MappingEntry) -> list[tuple[str, str]]:
    """Every (program, normalized key) an entry answers to."""
    program = (entry.program or "").upper()
    return [(program, normalize_key(text)) for text in (entry.code, *entry.aliases)]


def _parse_entry(item: dict[str, Any], languages: tuple[str, ...], where: str) -> MappingEntry:
    code = item.get("code")
    if not isinstance(code, str) or not code.strip():
        raise MappingTableError(f"{where}: 'code' must be a non-empty string")
    where = f"{where} ({code!r})"
    category = item.get("category")
    if category not in CATEGORIES:
        raise MappingTableError(f"{where}: category {category!r} is not one of {CATEGORIES}")
    milestone = item.get("milestone")
    if milestone not in MILESTONES:
        raise MappingTableError(f"{where}: milestone {milestone!r} is not one of {MILESTONES}")
    action = item.get("action_required", False)
    if not isinstance(action, bool):
        raise MappingTableError(f"{where}: action_required must be true or false")
    texts = []
    for language in languages:
        block = item.get(language)
        if not isinstance(block, dict):
            raise MappingTableError(f"{where}: missing [{language}] texts")
        values = {}
        for name in ("title", "description", "next_step"):
            value = block.get(name, "" if name == "next_step" else None)
            if not isinstance(value, str) or (name != "next_step" and not value.strip()):
                raise MappingTableError(f"{where}: [{language}] {name} must be a non-empty string")
            values[name] = value.strip()
        texts.append(LocalizedText(language=language, **values))
    aliases = item.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise MappingTableError(f"{where}: aliases must be a list of strings")
    program = item.get("program")
    if program is not None and not isinstance(program, str):
        raise MappingTableError(f"{where}: program must be a string")
    return MappingEntry(code=code.strip(), program=program, category=category,
                        milestone=milestone, action_required=action, texts=tuple(texts),
                        aliases=tuple(aliases))


def lint_table(path: Path, known_codes: list[tuple[str | None, str]] | None = None) -> list[str]:
    """Problems in a table file (empty when clean): parse errors, duplicate keys, missing
    languages, and codes of the agency's public code set the table does not map."""
    try:
        table = MappingTable.load(path)
    except MappingTableError as exc:
        return [str(exc)]
    problems = [
        f"language {lang!r} required but not declared"
        for lang in REQUIRED_LANGUAGES if lang not in table.languages
    ]
    for program, code in known_codes or []:
        if table.lookup(code, program) is None:
            where = f" (program {program})" if program else ""
            problems.append(f"code {code!r}{where} is not mapped")
    return problems
