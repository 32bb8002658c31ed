"""The journey rules file: the shipped rules, and clear errors for a broken one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aggregator.processing.journey_rules import (
    MAX_RULES_BYTES,
    RuleError,
    default_rules,
    load_rules,
    parse_rules,
)


def test_the_shipped_rules_name_the_journeys_across_agencies() -> None:
    rules = default_rules()
    by_id = {r.id: r for r in rules.rules}
    assert set(by_id) == {"employment-green-card", "asylum", "family-green-card"}
    employment = by_id["employment-green-card"]
    assert [(s.agency_id, s.types) for s in employment.steps] == [
        ("labor", ("PW",)), ("labor", ("PERM",)), ("immigration", ("I-140",)),
        ("immigration", ("I-485",))]
    assert employment.place_of("immigration", "I-765", linked=True) == (3, 1)
    assert employment.place_of("immigration", "I-765", linked=False) is None
    assert employment.place_of("labor", "I-140", linked=True) is None  # agency matters
    assert [(s.agency_id, s.types) for s in by_id["asylum"].steps] == [
        ("immigration", ("I-589",)), ("courts", ("REMOVAL",))]
    for rule in (*rules.rules, rules.fallback):
        assert rule.title["en"] and rule.title["es"] and rule.title["en"] != rule.title["es"]


def _doc(**changes: Any) -> dict[str, Any]:
    rule = {"id": "x", "title": {"en": "X", "es": "X es"},
            "steps": [{"agency": "labor", "types": ["PW"]},
                      {"agency": "labor", "types": ["PERM"]}]}
    rule.update(changes)
    return {"rule": [rule], "fallback": {"id": "f", "title": {"en": "F", "es": "F es"}}}


@pytest.mark.parametrize(("doc", "message"), [
    ({}, r"one or more \[\[rule\]\] tables"),
    (_doc(title={"en": "Only English"}), "for each of en, es"),
    (_doc(id=""), "id must be a non-empty string"),
    (_doc(steps=[{"agency": "labor", "types": ["PW"]}]), "at least two"),
    (_doc(steps=[{"agency": "labor", "types": []}, {"agency": "labor", "types": ["PERM"]}]),
     "types must be a non-empty list"),
    (_doc(steps=[{"types": ["PW"]}, {"agency": "labor", "types": ["PERM"]}]),
     "step 1: expected"),
    ({"rule": _doc()["rule"] * 2, "fallback": _doc()["fallback"]}, "must be distinct"),
    ({"rule": _doc()["rule"]}, r"\[fallback\]: expected a table"),
])
def test_a_broken_rules_file_is_refused_naming_what_is_wrong(doc: dict[str, Any],
                                                             message: str) -> None:
    with pytest.raises(RuleError, match=message):
        parse_rules(doc)


def test_an_oversized_or_unparsable_file_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_text("#" * (MAX_RULES_BYTES + 1))
    with pytest.raises(RuleError, match="at most"):
        load_rules(big)
    bad = tmp_path / "bad.toml"
    bad.write_text("[[rule]\n")
    with pytest.raises(RuleError, match="cannot read journey rules"):
        load_rules(bad)


def _next(**changes: Any) -> dict[str, Any]:
    step: dict[str, Any] = {"after": {"agency": "labor", "types": ["PW"]}, "agency": "labor",
                            "filing": "PERM", "types": ["PERM"],
                            "deadline": "PREVAILING_WAGE_VALIDITY",
                            "text": {"en": "File by {due}.", "es": "Presente antes del {due}."}}
    step.update(changes)
    return _doc(next=[step])


def test_a_next_step_is_read_with_what_it_follows_and_what_dates_it() -> None:
    (rule,) = parse_rules(_next(after={"agency": "labor", "types": ["PW"],
                                       "categories": ["APPROVED"]})).rules
    (step,) = rule.next
    assert step.follows("labor", "PW", "APPROVED") and not step.follows("labor", "PW", "DENIED")
    assert step.filed_as("labor", "PERM") and not step.filed_as("immigration", "PERM")
    assert step.deadline == "PREVAILING_WAGE_VALIDITY"
    assert step.text == {"en": "File by {due}.", "es": "Presente antes del {due}."}


@pytest.mark.parametrize(("doc", "message"), [
    (_next(after={"agency": "labor", "types": ["I-140"]}),
     "next 1 after: labor I-140 is not a step of the rule"),
    (_next(types=["I-140"]), "next 1: labor I-140 is not a step of the rule"),
    (_next(after={"agency": "labor", "types": ["PW"], "categories": ["GRANTED"]}),
     r"categories \['GRANTED'\] unknown"),
    (_next(deadline="PERM_EXPIRY"), "deadline 'PERM_EXPIRY' is not one of"),
    (_next(types=[], deadline=None, text={"en": "Next.", "es": "Siguiente."}),
     "name the case types that file it"),
    (_next(deadline=None), "may use no placeholder without a deadline"),
    (_next(text={"en": "File by {when}.", "es": "Antes del {due}."}), r"not \['when'\]"),
    (_next(text={"en": "File by {due}."}), "text needs a text of 1 to 400 characters"),
    (_next(filing=""), "filing must name what is filed"),
    (_next(after="PW"), "expected after ="),
    (_doc(next={"after": {}}), "next must be a list"),
])
def test_a_broken_next_step_is_refused_naming_what_is_wrong(doc: dict[str, Any],
                                                            message: str) -> None:
    with pytest.raises(RuleError, match=message):
        parse_rules(doc)
