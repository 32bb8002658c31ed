"""Journey rules as data (journey_rules.toml): read and checked once, plain records after."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["RULES_PATH", "JourneyRule", "JourneyRules", "RuleError", "RuleStep",
           "default_rules", "load_rules", "parse_rules"]

RULES_PATH = Path(__file__).with_name("journey_rules.toml")
LANGUAGES = ("en", "es")
MAX_RULES_BYTES = 256 * 1024  # far above the file's size; a larger one is a mistake
_MAX_TEXT = 120


class RuleError(ValueError):
    """A journey rules file that cannot be used: names the rule and what is expected."""


@dataclass(frozen=True, slots=True)
class RuleStep:
    """One step of a rule: an agency's case types, and those filed alongside it (joined only
    through an agency's links)."""

    agency_id: str
    types: tuple[str, ...]
    alongside: tuple[str, ...] = ()

    def rank_of(self, agency_id: str, case_type: str, *, linked: bool) -> int | None:
        """Where a case of ``case_type`` sorts within the step (types first, then those
        alongside), or None if it is not of the step (alongside ones only when ``linked``)."""
        if agency_id != self.agency_id:
            return None
        if case_type in self.types:
            return self.types.index(case_type)
        if linked and case_type in self.alongside:
            return len(self.types) + self.alongside.index(case_type)
        return None


@dataclass(frozen=True, slots=True)
class JourneyRule:
    """A kind of journey: its id, title by language and steps in order."""

    id: str
    title: Mapping[str, str]
    steps: tuple[RuleStep, ...]

    def place_of(self, agency_id: str, case_type: str, *,
                 linked: bool) -> tuple[int, int] | None:
        """(step index, rank within the step) of a case, or None if the rule has no place
        for it."""
        for index, step in enumerate(self.steps):
            rank = step.rank_of(agency_id, case_type, linked=linked)
            if rank is not None:
                return index, rank
        return None


@dataclass(frozen=True, slots=True)
class JourneyRules:
    """Every rule, in the file's order, and the fallback for linked cases no rule knows."""

    rules: tuple[JourneyRule, ...]
    fallback: JourneyRule


def _text_map(where: str, raw: object) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(
            isinstance(raw.get(lang), str) and 0 < len(raw[lang].strip()) <= _MAX_TEXT
            for lang in LANGUAGES):
        raise RuleError(f"{where}: title needs a text of 1 to {_MAX_TEXT} characters for each "
                        f"of {', '.join(LANGUAGES)}, e.g. {{ en = \"Asylum\", es = \"Asilo\" }}")
    return {lang: raw[lang].strip() for lang in LANGUAGES}


def _names(where: str, key: str, raw: object, *, required: bool) -> tuple[str, ...]:
    if raw is None and not required:
        return ()
    if (not isinstance(raw, list) or (required and not raw)
            or not all(isinstance(t, str) and t.strip() for t in raw)):
        raise RuleError(f"{where}: {key} must be a {'non-empty ' if required else ''}list of "
                        "case types, e.g. [\"I-485\"]")
    return tuple(t.strip() for t in raw)


def _rule(where: str, raw: object, *, needs_steps: bool) -> JourneyRule:
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: expected a table with id, title and steps")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise RuleError(f"{where}: id must be a non-empty string, e.g. \"asylum\"")
    where = f"{where} ({rule_id})"
    title = _text_map(where, raw.get("title"))
    steps_raw = raw.get("steps", [])
    if not isinstance(steps_raw, list) or (needs_steps and len(steps_raw) < 2):
        raise RuleError(f"{where}: steps must be a list of at least two "
                        "{ agency = ..., types = [...] } tables")
    steps = []
    for i, step in enumerate(steps_raw):
        at = f"{where} step {i + 1}"
        if not isinstance(step, dict) or not isinstance(step.get("agency"), str) or not (
                step["agency"].strip()):
            raise RuleError(f"{at}: expected {{ agency = \"labor\", types = [\"PERM\"] }}")
        steps.append(RuleStep(step["agency"].strip(),
                              _names(at, "types", step.get("types"), required=True),
                              _names(at, "alongside", step.get("alongside"), required=False)))
    return JourneyRule(rule_id.strip(), title, tuple(steps))


def parse_rules(data: Mapping[str, Any]) -> JourneyRules:
    """Rules from the parsed TOML document; RuleError naming the first problem."""
    raw_rules = data.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RuleError("journey rules: expected one or more [[rule]] tables")
    rules = tuple(_rule(f"rule {i + 1}", r, needs_steps=True) for i, r in enumerate(raw_rules))
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise RuleError(f"journey rules: rule ids must be distinct, got {ids}")
    fallback = _rule("[fallback]", data.get("fallback"), needs_steps=False)
    return JourneyRules(rules, fallback)


def load_rules(path: Path = RULES_PATH) -> JourneyRules:
    """Read and check a rules file (size checked before parsing)."""
    try:
        raw = path.read_bytes()
        if len(raw) > MAX_RULES_BYTES:
            raise RuleError(f"{path}: {len(raw)} bytes, at most {MAX_RULES_BYTES} expected")
        return parse_rules(tomllib.loads(raw.decode("utf-8")))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RuleError(f"{path}: cannot read journey rules: {exc}") from exc


@cache
def default_rules() -> JourneyRules:
    """The rules shipped with the aggregator (read once)."""
    return load_rules()
