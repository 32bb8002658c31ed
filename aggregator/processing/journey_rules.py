"""Journey rules as data (journey_rules.toml): read and checked once, plain records after."""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from aggregator.processing.model import DeadlineKind
from caseline.v1 import vocabulary_pb2

__all__ = ["RULES_PATH", "JourneyRule", "JourneyRules", "NextStepRule", "RuleError", "RuleStep",
           "default_rules", "load_rules", "parse_rules"]

RULES_PATH = Path(__file__).with_name("journey_rules.toml")
LANGUAGES = ("en", "es")
MAX_RULES_BYTES = 256 * 1024  # far above the file's size; a larger one is a mistake
_MAX_TEXT = 120
_MAX_NEXT_TEXT = 400  # a next step's words: two or three short sentences
_MAX_FILING = 40
# The shared vocabulary's category short names ("APPROVED"), as the cases carry them.
CATEGORIES = frozenset(name.removeprefix("STATUS_CATEGORY_")
                       for name in vocabulary_pb2.StatusCategory.keys()  # noqa: SIM118
                       if name != "STATUS_CATEGORY_UNSPECIFIED")


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
class NextStepRule:
    """What a rule expects after a case of the journey (``after_*``): ``filing`` at
    ``agency_id``, not yet filed while the journey has no case of ``types`` and, when
    ``deadline`` names a kind, while that deadline runs on the case it follows (which dates
    it). ``text`` by language may say {due} only when a deadline dates it."""

    after_agency: str
    after_types: tuple[str, ...]
    after_categories: tuple[str, ...]  # empty: any
    agency_id: str
    filing: str
    types: tuple[str, ...]
    deadline: DeadlineKind | None
    text: Mapping[str, str]

    def follows(self, agency_id: str, case_type: str, category: str) -> bool:
        """Whether a case of this agency, type and category is one this step comes after."""
        return (agency_id == self.after_agency and case_type in self.after_types
                and (not self.after_categories or category in self.after_categories))

    def filed_as(self, agency_id: str, case_type: str) -> bool:
        """Whether a case of this agency and type is this step, filed."""
        return agency_id == self.agency_id and case_type in self.types


@dataclass(frozen=True, slots=True)
class JourneyRule:
    """A kind of journey: its id, title by language, steps in order and what it expects
    next."""

    id: str
    title: Mapping[str, str]
    steps: tuple[RuleStep, ...]
    next: tuple[NextStepRule, ...] = ()

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
    rule = JourneyRule(rule_id.strip(), title, tuple(steps))
    next_raw = raw.get("next", [])
    if not isinstance(next_raw, list):
        raise RuleError(f"{where}: next must be a list of [[rule.next]] tables")
    nexts = tuple(_next(f"{where} next {i + 1}", rule, n) for i, n in enumerate(next_raw))
    return JourneyRule(rule.id, title, rule.steps, nexts)


def _in_rule(where: str, rule: JourneyRule, agency: str, types: tuple[str, ...]) -> None:
    missing = [t for t in types if rule.place_of(agency, t, linked=True) is None]
    if missing:
        raise RuleError(f"{where}: {agency} {', '.join(missing)} is not a step of the rule")


def _next_text(where: str, raw: object, *, dated: bool) -> dict[str, str]:
    allowed = {"due"} if dated else set()
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: text needs a text for each of {', '.join(LANGUAGES)}")
    texts = {}
    for lang in LANGUAGES:
        text = raw.get(lang)
        if not isinstance(text, str) or not 0 < len(text.strip()) <= _MAX_NEXT_TEXT:
            raise RuleError(f"{where}: text needs a text of 1 to {_MAX_NEXT_TEXT} characters "
                            f"for each of {', '.join(LANGUAGES)}")
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError as exc:
            raise RuleError(f"{where}: text {lang}: {exc}") from exc
        if fields - allowed:
            raise RuleError(f"{where}: text {lang} may use "
                            f"{'only {due}' if dated else 'no placeholder without a deadline'}"
                            f", not {sorted(fields - allowed)}")
        texts[lang] = text.strip()
    return texts


def _next(where: str, rule: JourneyRule, raw: object) -> NextStepRule:
    if not isinstance(raw, dict) or not isinstance(raw.get("after"), dict):
        raise RuleError(f"{where}: expected after = {{ agency = ..., types = [...] }}, agency, "
                        "filing and text")
    after = raw["after"]
    after_agency, agency, filing = after.get("agency"), raw.get("agency"), raw.get("filing")
    if not isinstance(after_agency, str) or not isinstance(agency, str) or not (
            after_agency.strip() and agency.strip()):
        raise RuleError(f"{where}: after.agency and agency must be agency ids, e.g. \"labor\"")
    if not isinstance(filing, str) or not 0 < len(filing.strip()) <= _MAX_FILING:
        raise RuleError(f"{where}: filing must name what is filed in 1 to {_MAX_FILING} "
                        "characters, e.g. \"I-140\"")
    after_types = _names(f"{where} after", "types", after.get("types"), required=True)
    _in_rule(f"{where} after", rule, after_agency.strip(), after_types)
    categories = _names(f"{where} after", "categories", after.get("categories"),
                        required=False)
    unknown = sorted(set(categories) - CATEGORIES)
    if unknown:
        raise RuleError(f"{where} after: categories {unknown} unknown; expected some of "
                        f"{', '.join(sorted(CATEGORIES))}")
    types = _names(where, "types", raw.get("types"), required=False)
    _in_rule(where, rule, agency.strip(), types)
    kind = raw.get("deadline")
    if kind is not None and kind not in {k.value for k in DeadlineKind}:
        raise RuleError(f"{where}: deadline {kind!r} is not one of "
                        f"{', '.join(k.value for k in DeadlineKind)}")
    if not types and kind is None:
        # Nothing would ever show it taken: it would be shown forever.
        raise RuleError(f"{where}: name the case types that file it (types) or the deadline "
                        "that runs until it is filed (deadline)")
    return NextStepRule(after_agency.strip(), after_types, categories, agency.strip(),
                        filing.strip(), types, DeadlineKind(kind) if kind else None,
                        _next_text(where, raw.get("text"), dated=kind is not None))


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
