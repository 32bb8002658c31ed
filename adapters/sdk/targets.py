"""Processing targets as data: per case type, the agency's published goal or statutory
timeframe, its unit, its legal source and how the inquiry date is derived."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from caseline.v1.lib.business_days import add_business_days

__all__ = ["INQUIRY_RULES", "MAX_TARGETS_FILE_BYTES", "TARGET_KINDS", "TARGET_UNITS",
           "TargetSpec", "TargetsFileError", "load_targets", "within_target_until"]

# A targets file lists one entry per case type: a few kilobytes. Anything much larger is not
# such a file, and is refused before it is parsed.
MAX_TARGETS_FILE_BYTES = 256 * 1024
# Every entry states its basis in these languages at least (the contract's default and the
# second language every Caseline text has).
REQUIRED_LANGUAGES = ("en", "es")
_ENTRY_KEYS = {"days", "unit", "kind", "source", "source_url", "inquiry_rule", "basis"}
_REQUIRED_KEYS = ("days", "unit", "kind", "source", "source_url", "basis")
_FILE_KEYS = {"agency", "checked", "targets"}

TARGET_UNITS = ("CALENDAR_DAYS", "BUSINESS_DAYS")
# NONE: no law, rule or published goal sets a time for the case type; the entry still says so
# in plain words (its basis), and where the agency posts how long cases take (its source).
TARGET_KINDS = ("STATUTORY", "REGULATORY", "PUBLISHED_GOAL", "NONE")
INQUIRY_RULES = ("RECEIPT_PLUS_P80", "RECEIPT_PLUS_TARGET", "NONE")


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """One case type's target (the contract's ProcessingTarget, as the agency states it).

    ``basis`` holds one or two plain sentences by BCP 47 tag, English and Spanish at least;
    ``source`` is the citation as written ("8 U.S.C. 1571(b)"), never translated.
    """

    case_type: str
    days: int
    unit: str
    kind: str
    source: str
    basis: Mapping[str, str] = field(default_factory=dict)
    source_url: str = ""
    inquiry_rule: str = "RECEIPT_PLUS_P80"

    def __post_init__(self) -> None:
        if self.days < 0:
            raise ValueError(f"target for {self.case_type}: days must be 0 or more")
        if self.unit not in TARGET_UNITS:
            raise ValueError(f"target for {self.case_type}: unit {self.unit!r} is not one of "
                             f"{', '.join(TARGET_UNITS)}")
        if self.kind not in TARGET_KINDS:
            raise ValueError(f"target for {self.case_type}: kind {self.kind!r} is not one of "
                             f"{', '.join(TARGET_KINDS)}")
        if (self.kind == "NONE") != (self.days == 0):
            raise ValueError(f"target for {self.case_type}: kind NONE goes with days 0 (no "
                             "target), and only with it")
        if self.kind == "NONE" and self.inquiry_rule == "RECEIPT_PLUS_TARGET":
            raise ValueError(f"target for {self.case_type}: without a target the inquiry "
                             "date cannot be counted from it")
        if self.inquiry_rule not in INQUIRY_RULES:
            raise ValueError(f"target for {self.case_type}: inquiry_rule "
                             f"{self.inquiry_rule!r} is not one of {', '.join(INQUIRY_RULES)}")
        if self.source_url and not self.source_url.startswith("https://"):
            raise ValueError(f"target for {self.case_type}: source_url must be https")


class TargetsFileError(ValueError):
    """A targets file is malformed; the message names the file, the entry and what is wrong."""


def load_targets(path: Path) -> dict[str, TargetSpec]:
    """The targets in ``path`` (TOML: a ``[targets."<case type>"]`` table per case type with
    days, unit, kind, source, source_url, inquiry_rule and ``basis`` by language), by case
    type. Raises :class:`TargetsFileError` naming the file and entry for anything malformed.
    """
    try:
        size = path.stat().st_size
        if size > MAX_TARGETS_FILE_BYTES:
            raise TargetsFileError(f"{path}: {size} bytes, more than a targets file may have "
                                   f"({MAX_TARGETS_FILE_BYTES})")
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TargetsFileError(f"{path}: cannot be read as TOML: {exc}") from exc
    unknown = sorted(set(raw) - _FILE_KEYS)
    if unknown:
        raise TargetsFileError(f"{path}: unknown top-level keys {unknown}; expected "
                               f"{sorted(_FILE_KEYS)}")
    entries = raw.get("targets", {})
    if not isinstance(entries, dict):
        raise TargetsFileError(f"{path}: 'targets' must be a table of case types")
    return {case_type: _entry(path, case_type, entry) for case_type, entry in entries.items()}


def _entry(path: Path, case_type: str, entry: Any) -> TargetSpec:
    where = f"{path}: targets.{case_type!r}"
    if not isinstance(entry, dict):
        raise TargetsFileError(f"{where}: must be a table")
    unknown = sorted(set(entry) - _ENTRY_KEYS)
    if unknown:
        raise TargetsFileError(f"{where}: unknown keys {unknown}; expected {sorted(_ENTRY_KEYS)}")
    missing = [key for key in _REQUIRED_KEYS if key not in entry]
    if missing:
        raise TargetsFileError(f"{where}: missing {missing}")
    days = entry["days"]
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise TargetsFileError(f"{where}: days must be a whole number, 0 with kind NONE for a "
                               f"case type without a target, not {days!r}")
    texts = [entry[key] for key in ("unit", "kind", "source", "source_url")]
    rule = entry.get("inquiry_rule", "NONE")
    if not all(isinstance(text, str) and text for text in (*texts, rule)):
        raise TargetsFileError(f"{where}: unit, kind, source, source_url and inquiry_rule must "
                               "be non-empty strings")
    basis = entry["basis"]
    if not isinstance(basis, dict) or not all(isinstance(v, str) for v in basis.values()):
        raise TargetsFileError(f"{where}: basis must be a table of texts by language")
    absent = [tag for tag in REQUIRED_LANGUAGES if not basis.get(tag, "").strip()]
    if absent:
        raise TargetsFileError(f"{where}: basis has no text in {absent}")
    try:
        return TargetSpec(case_type=case_type, days=days, unit=entry["unit"],
                          kind=entry["kind"], source=entry["source"], basis=dict(basis),
                          source_url=entry["source_url"], inquiry_rule=rule)
    except ValueError as exc:
        raise TargetsFileError(f"{path}: {exc}") from exc


def within_target_until(target: TargetSpec, received: date) -> date:
    """The last day on which a case received on ``received`` is still within ``target``:
    ``days`` calendar days later, or the ``days``-th business day after it (weekends and
    federal holidays do not count)."""
    if target.unit == "CALENDAR_DAYS":
        return received + timedelta(days=target.days)
    return add_business_days(received, target.days)
