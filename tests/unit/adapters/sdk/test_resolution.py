"""Resolving a code with or without its program: EXACT, AMBIGUOUS with candidates, or NONE."""

from __future__ import annotations

from typing import Any

from adapters.sdk.mapping import MappingTable
from adapters.sdk.resolution import AMBIGUOUS, EXACT, NONE, VARIANT, resolve, same_meaning
from adapters.sdk.vocabulary import UNSPECIFIED


def _texts(word: str) -> dict[str, dict[str, str]]:
    return {"en": {"title": f"{word} title", "description": f"{word} text", "next_step": "Wait."},
            "es": {"title": f"{word} título", "description": f"{word} texto",
                   "next_step": "Espere."}}


def _entry(code: str, program: str | None, category: str, words: str,
           **extra: Any) -> dict[str, Any]:
    entry = {"code": code, "category": category, "milestone": "DECISION_MADE",
             "action_required": False, **_texts(words), **extra}
    if program is not None:
        entry["program"] = program
    return entry


TABLE = MappingTable.from_dict({"agency": "t", "version": "1", "codes": [
    # the same meaning (and texts) in both programs that use it
    _entry("WITHDRAWN", "A", "CLOSED", "withdrawn"),
    _entry("WITHDRAWN", "B", "CLOSED", "withdrawn"),
    # the same category, different texts: a different meaning
    _entry("CERTIFIED", "A", "APPROVED", "certified with a clock"),
    _entry("CERTIFIED", "B", "APPROVED", "certified"),
    _entry("Granted", "C", "APPROVED", "granted", aliases=["Certified - Full"]),
    # one program only
    _entry("ANALYST REVIEW", "A", "ACTIVE", "analyst"),
    # program-less, and a program's own wording of the same key
    _entry("RECEIVED", None, "PENDING", "received"),
    _entry("RECEIVED", "B", "PENDING", "received at B"),
]})


def test_a_given_program_resolves_exactly() -> None:
    """Under its program a code is EXACT with that program's entry, candidates not needed."""
    resolution = resolve(TABLE, "certified", "B")
    assert resolution.match == EXACT
    assert resolution.entry is not None and resolution.entry.program == "B"
    assert resolution.candidates == ()


def test_a_given_program_is_not_second_guessed() -> None:
    """A code only other programs use is NONE under the given program, never borrowed."""
    assert resolve(TABLE, "ANALYST REVIEW", "B").match == NONE


def test_without_a_program_one_programs_code_is_exact() -> None:
    """A code only one program uses means the same wherever it occurs: EXACT."""
    resolution = resolve(TABLE, "analyst review")
    assert resolution.match == EXACT
    assert resolution.entry is not None and resolution.entry.program == "A"


def test_without_a_program_a_shared_meaning_is_exact() -> None:
    """Entries equal in category, milestone, action and texts resolve EXACT, all listed."""
    resolution = resolve(TABLE, "Withdrawn")
    assert resolution.match == EXACT
    assert [c.program for c in resolution.candidates] == ["A", "B"]
    assert resolution.status("Withdrawn").category == "CLOSED"


def test_without_a_program_a_differing_meaning_is_ambiguous() -> None:
    """Same category but different texts is a different meaning: AMBIGUOUS, UNSPECIFIED."""
    resolution = resolve(TABLE, "CERTIFIED")
    assert resolution.match == AMBIGUOUS
    assert resolution.entry is None
    assert [c.program for c in resolution.candidates] == ["A", "B"]
    status = resolution.status("CERTIFIED", "agency words")
    assert (status.category, status.agency_text, status.texts) == (UNSPECIFIED, "agency words",
                                                                   ())


def test_aliases_count_as_candidates() -> None:
    """An alias under another program joins the candidates of its normalized key."""
    resolution = resolve(TABLE, "certified full")
    assert resolution.match == EXACT
    assert resolution.entry is not None and resolution.entry.code == "Granted"


def test_a_program_less_entry_answers_first() -> None:
    """Without a program, the table's program-less entry is the answer, as in lookup."""
    resolution = resolve(TABLE, "RECEIVED")
    assert resolution.match == EXACT
    assert resolution.entry is not None and resolution.entry.program is None


def test_unknown_codes_are_none() -> None:
    """A code nothing answers to is NONE with and without a program."""
    assert resolve(TABLE, "NO SUCH STATUS").match == NONE
    assert resolve(TABLE, "NO SUCH STATUS", "A").match == NONE
    assert resolve(TABLE, "NO SUCH STATUS").status("NO SUCH STATUS").category == UNSPECIFIED


def test_same_meaning_compares_texts_too() -> None:
    """same_meaning is false for entries that differ only in their texts."""
    first, second = TABLE.candidates("CERTIFIED")[:2]
    assert not same_meaning(first, second)
    assert same_meaning(*TABLE.candidates("WITHDRAWN"))


def test_a_variant_resolves_after_every_exact_key_failed() -> None:
    """'Was Withdrawn' is no key; as a variant it means the same in A and B: VARIANT."""
    resolution = resolve(TABLE, "Was Withdrawn")
    assert resolution.match == VARIANT
    assert [c.program for c in resolution.candidates] == ["A", "B"]
    status = resolution.status("Was Withdrawn", "words")
    assert (status.category, status.match, status.agency_text) == ("CLOSED", VARIANT, "words")


def test_a_variant_under_a_program_is_that_programs_or_none() -> None:
    """Under a program a variant is that program's entry; another program's is never taken."""
    resolution = resolve(TABLE, "The Certified", "B")
    assert resolution.match == VARIANT
    assert resolution.entry is not None and resolution.entry.program == "B"
    assert resolve(TABLE, "Analyst Review Was", "B").match == NONE
    assert resolve(TABLE, "Analyst Review Was", "A").match == VARIANT


def test_a_variant_of_differing_meanings_is_ambiguous() -> None:
    """'Was Certified' without a program varies A's and B's different CERTIFIED: AMBIGUOUS."""
    resolution = resolve(TABLE, "Was Certified")
    assert (resolution.match, resolution.entry) == (AMBIGUOUS, None)
    assert resolution.status("Was Certified").match == AMBIGUOUS
