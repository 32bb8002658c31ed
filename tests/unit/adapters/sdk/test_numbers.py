"""The invalid-number error: its English sentence and its structure."""

from __future__ import annotations

from adapters.sdk.numbers import MAX_ALLOWED, MAX_FOUND, InvalidNumberError, NumberFormat, Problem

FORMATS = (NumberFormat("first", "^F$", "F1", "f"), NumberFormat("second", "^S$", "S1", "s"))


def test_the_sentence_names_the_expected_format_and_where_the_others_are() -> None:
    error = InvalidNumberError("x", FORMATS, "too short", FORMATS[1])
    assert str(error) == ("'x' is not a valid case number (too short); expected e.g. S1 "
                          "(second); others: numberFormats in the agencies query")


def test_an_error_without_structure_says_unspecified() -> None:
    error = InvalidNumberError("x", FORMATS)
    assert error.problem is Problem.UNSPECIFIED and error.part == {} and error.notes == {}


def test_what_is_echoed_is_bounded_as_the_contract_says() -> None:
    error = InvalidNumberError("x", FORMATS, problem=Problem.WRONG_PREFIX, found="Z" * 40,
                               allowed=tuple(str(i) for i in range(50)))
    assert len(error.found) == MAX_FOUND and len(error.allowed) == MAX_ALLOWED


def test_formats_with_localized_texts_still_compare_and_hash_by_their_definition() -> None:
    spanish = NumberFormat("first", "^F$", "F1", "f", names={"es": "primero"})
    assert spanish == FORMATS[0] and hash(spanish) == hash(FORMATS[0])
