"""Mapping tables: normalized matching, program qualifiers, unknown codes, validation."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.sdk.mapping import MappingTable, MappingTableError, normalize_key


def _entry(code: str, program: str | None = None, category: str = "PENDING") -> dict[str, Any]:
    texts = {"title": "t", "description": "d", "next_step": ""}
    entry: dict[str, Any] = {"code": code, "category": category, "milestone": "RECEIVED",
                             "en": texts, "es": texts}
    if program:
        entry["program"] = program
    return entry


def _table(*entries: dict[str, Any]) -> MappingTable:
    return MappingTable.from_dict({"agency": "x", "version": "1", "codes": list(entries)})


def test_titles_match_whatever_their_case_punctuation_and_spacing() -> None:
    """Case, punctuation, accents and spacing do not matter when matching."""
    table = _table(_entry("Response To USCIS' Request For Evidence Was Received"))
    assert table.map("response to uscis request for evidence  was received.").known
    assert normalize_key("Certified - Withdrawn") == normalize_key("CERTIFIED-WITHDRAWN")
    assert normalize_key("Ñandú") == "nandu"


def test_program_specific_entries_win_over_generic_ones() -> None:
    """The same word can mean different things per program."""
    table = _table(_entry("CERTIFIED", "PERM", "APPROVED"),
                   _entry("CERTIFIED - WITHDRAWN", "LCA", "CLOSED"),
                   _entry("CERTIFIED", None, "PENDING"))
    assert table.map("CERTIFIED", program="PERM").category == "APPROVED"
    assert table.map("CERTIFIED", program="LCA").category == "PENDING"
    assert table.map("Certified - Withdrawn", program="LCA").category == "CLOSED"
    assert not table.map("CERTIFIED - WITHDRAWN", program="PERM").known


def test_unknown_codes_keep_their_text_and_are_counted() -> None:
    """An unknown code maps to UNSPECIFIED with its own words, counted per code."""
    table = _table(_entry("Known"))
    first = table.map("Mystery", "agency words")
    table.map("Mystery")
    assert (first.category, first.milestone, first.agency_text) == ("UNSPECIFIED",
                                                                   "UNSPECIFIED", "agency words")
    assert first.texts == () and table.unknown_codes["Mystery"] == 2


def test_duplicate_normalized_keys_are_refused() -> None:
    """Two entries answering to the same normalized key are an error naming both."""
    with pytest.raises(MappingTableError, match="duplicate normalized key 'case was received'"):
        _table(_entry("Case Was Received"), _entry("CASE WAS RECEIVED!"))


def test_missing_language_is_refused() -> None:
    """Every entry needs text in every declared language."""
    entry = _entry("Known")
    del entry["es"]
    with pytest.raises(MappingTableError, match=r"missing \[es\] texts"):
        _table(entry)


def test_unknown_category_is_refused_listing_the_valid_ones() -> None:
    """A category outside the vocabulary is refused with the allowed names."""
    with pytest.raises(MappingTableError, match="category 'WON' is not one of"):
        _table(_entry("Known", category="WON"))
