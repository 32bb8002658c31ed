"""USCIS receipt numbers and A-numbers: canonical forms and precise refusals."""

from __future__ import annotations

import re

import pytest

from adapters.immigration.numbers import normalize, normalize_a_number
from adapters.sdk import InvalidNumberError


@pytest.mark.parametrize(("raw", "canonical"), [
    ("IOE0912345678", "IOE0912345678"),
    (" ioe0912345678 ", "IOE0912345678"),
    ("EAC-21-900-12345", "EAC2190012345"),
    ("wac 21 900 12345", "WAC2190012345"),
    ("LIN2190012345", "LIN2190012345"),
    ("SRC2190012345", "SRC2190012345"),
    ("MSC2190012345", "MSC2190012345"),
    ("NBC2190012345", "NBC2190012345"),
    ("YSC2190012345", "YSC2190012345"),
])
def test_receipt_numbers_normalize_to_canonical_form(raw: str, canonical: str) -> None:
    """Case, spaces and dashes are tolerated; leading zeros are kept (numbers are strings)."""
    assert normalize(raw) == canonical


@pytest.mark.parametrize(("raw", "detail"), [
    ("", "it is empty"),
    ("IOE091234567", "it has 9 digits after IOE; a receipt number has 10 digits there"),
    ("IOE09123456789", "it has 11 digits after IOE; a receipt number has 10 digits there"),
    ("ABC0912345678", "ABC is not a USCIS office code (known: CSC, EAC, IOE, LIN, MSC, NBC, "
                      "NSC, SRC, TSC, VSC, WAC, YSC)"),
    ("IOE09123X5678", "after the 3 letters only digits may follow"),
    ("1230912345678", "it must start with 3 letters"),
    ("A201555123", "this looks like an A-number; USCIS case status needs the receipt number "
                   "from your notice"),
])
def test_bad_receipt_numbers_say_exactly_what_is_wrong(raw: str, detail: str) -> None:
    """Each way of being wrong has its own explanation, plus the expected format."""
    with pytest.raises(InvalidNumberError) as caught:
        normalize(raw)
    message = str(caught.value)
    assert f"({detail})" in message
    assert "e.g. IOE0912345678" in message


@pytest.mark.parametrize(("raw", "canonical"), [
    ("A201555123", "A201555123"), ("a-201-555-123", "A201555123"),
    ("A# 12345678", "A012345678"), ("12345678", "A012345678"),
])
def test_a_numbers_are_nine_digits_with_eight_digit_ones_padded(raw: str, canonical: str) -> None:
    """A-numbers normalize to A + 9 digits."""
    assert normalize_a_number(raw) == canonical


@pytest.mark.parametrize(("raw", "detail"), [
    ("A1234567", "it has 7 digits; an A-number has 9 (or 8, which get a leading 0)"),
    ("A1234567890", "it has 10 digits; an A-number has 9 (or 8, which get a leading 0)"),
    ("A12345X78", "only digits may follow the A"),
    ("A000000000", "it cannot be all zeros"),
])
def test_bad_a_numbers_are_refused_precisely(raw: str, detail: str) -> None:
    """Wrong length, letters and all zeros are refused with their reason."""
    with pytest.raises(InvalidNumberError, match=re.escape(f"({detail})")):
        normalize_a_number(raw)


@pytest.mark.parametrize(("raw", "problem", "part", "structure"), [
    ("", "EMPTY", "", {}),
    ("A201555123", "WRONG_KIND", "", {}),
    ("XYZ0912345678", "WRONG_PREFIX", "office code", {"found": "XYZ"}),
    ("IOE09123X5678", "NOT_DIGITS", "number after the office code", {"found": "X"}),
    ("IOE12", "WRONG_LENGTH", "number after the office code",
     {"expected_length": 10, "actual_length": 2}),
])
def test_refusals_carry_their_structure(raw: str, problem: str, part: str,
                                        structure: dict[str, object]) -> None:
    """Each refusal says in structure what its English sentence says, with the part named in
    English and Spanish, so Caseline can word it in the reader's language."""
    with pytest.raises(InvalidNumberError) as caught:
        normalize(raw)
    error = caught.value
    assert error.problem == problem
    assert error.part.get("en", "") == part and bool(error.part.get("es")) == bool(part)
    assert {key: getattr(error, key) for key in structure} == structure
    assert error.expected.example == "IOE0912345678"


def test_a_wrong_office_code_lists_the_accepted_ones() -> None:
    with pytest.raises(InvalidNumberError) as caught:
        normalize("XYZ0912345678")
    assert "IOE" in caught.value.allowed and len(caught.value.allowed) <= 20


def test_an_a_number_given_for_a_receipt_says_so_in_both_languages() -> None:
    with pytest.raises(InvalidNumberError) as caught:
        normalize("A201555123")
    assert "A-number" in caught.value.notes["en"] and "número A" in caught.value.notes["es"]
