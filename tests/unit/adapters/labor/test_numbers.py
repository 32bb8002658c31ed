"""FLAG case numbers: canonical forms, tolerated variants, and precise rejections told in one
short sentence."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.labor.numbers import FORMATS, PREFIXES, normalize, program_of_number
from adapters.sdk.numbers import OTHER_FORMATS, InvalidNumberError, NumberFormat


@pytest.mark.parametrize("prefix", sorted(PREFIXES))
def test_every_known_prefix_is_accepted_and_classified(prefix: str) -> None:
    """Each FLAG prefix normalizes to itself and names its mapping-table program."""
    number = f"{prefix}-24123-123456"
    assert normalize(number) == number
    assert program_of_number(number) == PREFIXES[prefix]


@pytest.mark.parametrize(("fmt", "program"), [(f, f.name) for f in FORMATS])
def test_every_format_example_is_valid_and_matches_its_pattern(fmt: NumberFormat,
                                                               program: str) -> None:
    """Each published format's example normalizes unchanged, fits its pattern and program."""
    assert normalize(fmt.example) == fmt.example
    assert re.fullmatch(fmt.pattern, fmt.example)
    assert program_of_number(fmt.example) == program


def test_there_is_one_format_per_program() -> None:
    """FORMATS lists PERM, PW, LCA, H-2A, H-2B and CW-1 once each."""
    assert [f.name for f in FORMATS] == ["PERM", "PW", "LCA", "H-2A", "H-2B", "CW-1"]
    assert set(PREFIXES.values()) == {f.name for f in FORMATS}


@pytest.mark.parametrize("typed", [
    "G-100-24123-123456",
    "  G-100-24123-123456\n",
    "g-100-24123-123456",
    "G 100 24123 123456",
    "G10024123123456",
    "g100-24123-123456",
    "G-100-24123123456",
    "G-10024123-123456",
    "G100241231234 56",
    "G\u2013100\u201324123\u2013123456",
    "G\u2014100\u201424123\u2014123456",
    "G - 100 - 24123 - 123456",
    "G--100--24123--123456",
])
def test_typing_variants_normalize_to_the_canonical_number(typed: str) -> None:
    """Case, spaces, typographic dashes and missing dashes all give the canonical form."""
    assert normalize(typed) == "G-100-24123-123456"


def test_day_366_is_valid_in_a_leap_year() -> None:
    """The 366th day exists in 2024, so YYDDD 24366 is accepted."""
    assert normalize("h-400-24366-000001") == "H-400-24366-000001"


@pytest.mark.parametrize(("typed", "detail"), [
    ("", "the number is empty"),
    ("   ", "the number is empty"),
    ("G#100-24123-123456", "'#' does not belong in a case number"),
    ("G/100/24123/123456", "'/' does not belong in a case number"),
    ("100-24123-123456", "must start with a program letter (C, G, H, I, P), got '100'"),
    ("X-100-24123-123456", "unknown program letter 'X'; known letters: C, G, H, I, P"),
    ("G-200-24123-123456", "unknown prefix 'G-200'; G is followed by 100"),
    ("P-300-24123-123456", "unknown prefix 'P-300'; P is followed by 100, 200, 201, 202, 203,"
                           " 400 or 500"),
    ("A-12345-12345", "A-XXXXX-XXXXX is a pre-2023 PERM number from the old system, not a"
                      " FLAG number"),
    ("G", "missing the program code, date code and sequence number after 'G'"),
    ("G-100", "missing the date code (YYDDD) and sequence number after 'G-100'"),
    ("G-100-24123", "missing the 6-digit sequence number after G-100-24123"),
    ("G-10-24123-123456", "program code must be 3 digits, got 2 ('10')"),
    ("G-1000-24123-123456", "program code must be 3 digits, got 4 ('1000')"),
    ("G-1O0-24123-123456", "program code '1O0' has letter 'O' where a digit belongs"),
    ("G-100-2412-123456", "date code must be 5 digits, got 4 ('2412')"),
    ("G-100-24I23-123456", "date code '24I23' has letter 'I' where a digit belongs"),
    ("G-100-24000-123456", "date code '24000': day of year 000 is outside 001-366"),
    ("G-100-24367-123456", "date code '24367': day of year 367 is outside 001-366"),
    ("G-100-23366-123456", "date code '23366': 2023 is not a leap year, it has no day 366"),
    ("G-100-24123-12345", "sequence number must be 6 digits, got 5 ('12345')"),
    ("G-100-24123-1234567", "sequence number must be 6 digits, got 7 ('1234567')"),
    ("G-100-24123-12345O", "sequence number '12345O' has letter 'O' where a digit belongs"),
    ("G-100-24123-123456-7", "unexpected extra group '7' after the sequence number"),
])
def test_bad_numbers_say_exactly_what_is_wrong(typed: str, detail: str) -> None:
    """Each way of being wrong raises InvalidNumberError with a detail naming the problem."""
    with pytest.raises(InvalidNumberError) as caught:
        normalize(typed)
    assert caught.value.detail == detail
    assert caught.value.number == typed
    assert caught.value.formats == FORMATS
    assert f"({detail})" in str(caught.value)


def test_prefix_is_checked_before_the_date_and_sequence() -> None:
    """An unknown prefix is reported even when the rest of the number is also wrong."""
    with pytest.raises(InvalidNumberError) as caught:
        normalize("Z-999-99999-1")
    assert caught.value.detail.startswith("unknown program letter 'Z'")


@pytest.mark.parametrize(("typed", "program"), [
    ("G-100-24999-123456", "PERM"), ("P-200-2412-123456", "PW"), ("I-203-24123-1234", "LCA"),
    ("H-400-24123", "H-2B"), ("C-5OO-24123-123456", "CW-1"), ("X-100-24123-123456", "PERM"),
    ("H-999-24123-123456", "H-2A"),
])
def test_error_message_shows_the_format_most_likely_meant(typed: str, program: str) -> None:
    """The message shows the example of the program the prefix names (or its letter starts),
    and only that one: the others are one query away."""
    with pytest.raises(InvalidNumberError) as caught:
        normalize(typed)
    assert caught.value.expected.name == program
    shown = [f.example for f in FORMATS if f.example in str(caught.value)]
    assert shown == [caught.value.expected.example]


@given(prefix=st.sampled_from(sorted(PREFIXES)),
       day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
       sequence=st.integers(min_value=0, max_value=999_999),
       separator=st.sampled_from(["-", " ", "", "\u2013"]),
       lower=st.booleans())
def test_any_real_date_and_sequence_round_trips(prefix: str, day: date, sequence: int,
                                                separator: str, lower: bool) -> None:
    """Any calendar date as YYDDD with any sequence normalizes to the dashed upper-case form."""
    canonical = f"{prefix}-{day.strftime('%y%j')}-{sequence:06d}"
    typed = canonical.replace("-", separator)
    assert normalize(typed.lower() if lower else typed) == canonical


# A bad number is told in one short sentence: what is wrong, the format most likely meant
# with its example, and where the other formats are listed.

BAD = ["G-100-2412-123456", "G100-24123-12345", "P-300-24123-123456", "A-12345-12345",
       "X-100-24123-123456", "G-1O0-24123-123456", "I-200-24123-1234567", "G#100-24123-1",
       "", "G", "G-100-24000-123456", "H-400-24123-12345O", "G-100-24123-123456-7"]


@pytest.mark.parametrize("typed", BAD)
def test_the_message_is_one_short_sentence_naming_a_format_and_where_the_rest_are(
        typed: str) -> None:
    with pytest.raises(InvalidNumberError) as caught:
        normalize(typed)
    text = str(caught.value)
    assert len(text) <= 210, (len(text), text)
    # One sentence: no full stop but the one in "e.g." ends a sentence inside it.
    assert ". " not in text.replace("e.g. ", "") and "\n" not in text
    assert f"e.g. {caught.value.expected.example} ({caught.value.expected.name})" in text
    assert text.endswith(OTHER_FORMATS)


def test_the_typical_typo_is_told_in_under_200_characters() -> None:
    with pytest.raises(InvalidNumberError) as caught:
        normalize("G-100-2412-123456")
    text = str(caught.value)
    assert len(text) < 200, text
    assert "date code must be 5 digits, got 4" in text and "G-100-24123-123456" in text
    # Not the whole catalogue: the other programs' descriptions stay out.
    assert not any(f.description in text for f in FORMATS)


@pytest.mark.parametrize(("raw", "problem", "part", "structure"), [
    ("", "EMPTY", "", {}),
    ("G-100-24123-12#456", "NOT_DIGITS", "", {"found": "#"}),
    ("Z-100-24123-123456", "WRONG_PREFIX", "program letter", {"found": "Z"}),
    ("A-12345-12345", "WRONG_KIND", "", {}),
    ("G", "MISSING_PART", "program code", {}),
    ("G-999-24123-123456", "WRONG_PREFIX", "program code", {"found": "G-999",
                                                            "allowed": ("G-100",)}),
    ("G-100", "MISSING_PART", "date code", {}),
    ("G-100-24999-123456", "IMPOSSIBLE_VALUE", "date code", {"found": "24999"}),
    ("G-100-23366-123456", "IMPOSSIBLE_VALUE", "date code", {"found": "23366"}),
    ("G-100-24123", "MISSING_PART", "sequence number", {}),
    ("G-100-24123-12345", "WRONG_LENGTH", "sequence number",
     {"expected_length": 6, "actual_length": 5}),
    ("G-100-24123-12345X", "NOT_DIGITS", "sequence number", {"found": "X"}),
    ("G-100-24123-123456-7", "EXTRA_PART", "", {"found": "7"}),
])
def test_refusals_carry_their_structure(raw: str, problem: str, part: str,
                                        structure: dict[str, object]) -> None:
    """Each refusal says in structure what its sentence says; a part is named in English
    and Spanish."""
    with pytest.raises(InvalidNumberError) as caught:
        normalize(raw)
    error = caught.value
    assert error.problem == problem, str(error)
    assert error.part.get("en", "") == part and bool(error.part.get("es")) == bool(part)
    assert {key: getattr(error, key) for key in structure} == structure


def test_every_format_has_a_spanish_name_and_description() -> None:
    for fmt in FORMATS:
        assert fmt.names["es"] and fmt.descriptions["es"] != fmt.description
        assert fmt.descriptions["es"].split(":")[1].strip().startswith(fmt.example[:5])
