"""The generators' shared helpers: access codes people can type, working days, notice dates."""

from __future__ import annotations

import random
import re
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from adapters.reference.synthetic import (
    ACCESS_CODE_ALPHABET,
    ACCESS_CODES,
    access_code,
    long_date,
    next_weekday,
    prior_weekday,
    random_access_code,
    working_days_later,
)

PRINTED = re.compile(r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}")
MONDAY = date(2026, 11, 23).toordinal()


def test_the_alphabet_leaves_out_every_character_read_as_another() -> None:
    """No 0/O, 1/I/L or U/V pairs: what is printed can only be typed one way."""
    assert len(set(ACCESS_CODE_ALPHABET)) == len(ACCESS_CODE_ALPHABET) == 30
    assert not set("01OILU") & set(ACCESS_CODE_ALPHABET)
    assert ACCESS_CODES == 30 ** 12


def test_codes_are_numbered_from_all_first_symbols_to_all_last() -> None:
    """Code 0 is all 2s, the last is all Zs, and numbering wraps around after it."""
    assert access_code(0) == "2222-2222-2222"
    assert access_code(1) == "2222-2222-2223"
    assert access_code(ACCESS_CODES - 1) == "ZZZZ-ZZZZ-ZZZZ"
    assert access_code(ACCESS_CODES) == access_code(0)


@given(st.integers(min_value=0, max_value=2 ** 60 - 1))
def test_any_sixty_bit_draw_gives_a_printed_code_that_reads_back(value: int) -> None:
    """Every code is three groups of four typable symbols and stands for its number."""
    code = access_code(value)
    assert PRINTED.fullmatch(code), code
    number = 0
    for symbol in code.replace("-", ""):
        number = number * 30 + ACCESS_CODE_ALPHABET.index(symbol)
    assert number == value % ACCESS_CODES


def test_a_random_code_takes_one_draw_per_symbol_in_order() -> None:
    """random_access_code reads the stream as twelve choices of a symbol would (USCIS's
    generated codes stayed the same when the helper replaced its own)."""
    expected_rng, rng = random.Random(42), random.Random(42)
    symbols = "".join(expected_rng.choice(ACCESS_CODE_ALPHABET) for _ in range(12))
    assert random_access_code(rng) == f"{symbols[:4]}-{symbols[4:8]}-{symbols[8:]}"
    assert rng.random() == expected_rng.random()


def test_weekend_days_move_to_monday_or_back_to_friday() -> None:
    """Saturday and Sunday become the next Monday or the previous Friday; weekdays stay."""
    week = [MONDAY + i for i in range(7)]
    assert [next_weekday(o) - MONDAY for o in week] == [0, 1, 2, 3, 4, 7, 7]
    assert [prior_weekday(o) - MONDAY for o in week] == [0, 1, 2, 3, 4, 4, 4]


def test_working_days_skip_the_weekend() -> None:
    """Five working days after a Thursday is the next Thursday; zero is the day itself."""
    thursday = MONDAY + 3
    assert working_days_later(thursday, 0) == thursday
    assert working_days_later(thursday, 1) == thursday + 1
    assert working_days_later(thursday, 2) == thursday + 4
    assert working_days_later(thursday, 5) == thursday + 7


def test_dates_are_written_as_notices_write_them() -> None:
    """Month name, day without a leading zero, comma, year."""
    assert long_date(date(2026, 3, 3)) == "March 3, 2026"
    assert long_date(date(2024, 12, 31)) == "December 31, 2024"
