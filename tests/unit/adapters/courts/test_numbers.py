"""EOIR case numbers: the A-number, typed in any of the ways people write it."""

from __future__ import annotations

import pytest

from adapters.courts.numbers import normalize
from adapters.sdk import InvalidNumberError


@pytest.mark.parametrize(("raw", "canonical"), [
    ("A201555123", "A201555123"), ("a 201 555 123", "A201555123"),
    ("201-555-123", "A201555123"), ("A#12345678", "A012345678"), ("A-12345678", "A012345678"),
])
def test_a_numbers_normalize(raw: str, canonical: str) -> None:
    """Court cases are keyed by A-number: A + 9 digits, 8-digit ones padded."""
    assert normalize(raw) == canonical


@pytest.mark.parametrize("raw", ["A1234567", "A1234567890", "A12345X78", "A000000000", ""])
def test_bad_a_numbers_are_refused_naming_the_format(raw: str) -> None:
    """Wrong lengths, letters, all zeros and empty input are refused with the format."""
    with pytest.raises(InvalidNumberError) as caught:
        normalize(raw)
    assert "e.g. A201555123" in str(caught.value)
    assert caught.value.detail


@pytest.mark.parametrize(("raw", "problem", "structure"), [
    ("", "EMPTY", {}),
    ("A", "MISSING_PART", {}),
    ("B201555123", "WRONG_PREFIX", {"found": "B", "allowed": ("A",)}),
    ("A12345X78", "NOT_DIGITS", {"found": "X"}),
    ("A1234567", "WRONG_LENGTH", {"expected_length": 9, "actual_length": 7}),
    ("A000000000", "IMPOSSIBLE_VALUE", {"found": "000000000"}),
])
def test_refusals_carry_their_structure(raw: str, problem: str,
                                        structure: dict[str, object]) -> None:
    """Each refusal's problem and details, with its part named in English and Spanish."""
    with pytest.raises(InvalidNumberError) as caught:
        normalize(raw)
    error = caught.value
    assert error.problem == problem
    assert {key: getattr(error, key) for key in structure} == structure
    if problem != "EMPTY":
        assert set(error.part) == {"en", "es"}


def test_a_short_a_number_notes_that_old_ones_have_8_digits() -> None:
    with pytest.raises(InvalidNumberError) as caught:
        normalize("A1234567")
    assert "8 dígitos" in caught.value.notes["es"] and "8 digits" in caught.value.notes["en"]
