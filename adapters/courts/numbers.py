"""EOIR case numbers: the Alien Registration Number (A-number) is the court's case key.

EOIR's hotline and portal take nine digits; older A-numbers have eight and are entered with a
leading zero (Immigration Court Practice Manual 1.6(c)). People type them with an "A", "A-" or
"A#" prefix and with spaces or dashes between digit groups ("A 201 555 123", "201-555-123").
"""

from __future__ import annotations

from typing import Any

from adapters.sdk.numbers import InvalidNumberError, NumberFormat, Problem

__all__ = ["FORMATS", "normalize"]

FORMATS: tuple[NumberFormat, ...] = (
    NumberFormat(
        name="A-number",
        pattern=r"^A\d{9}$",
        example="A201555123",
        description=(
            "the letter A followed by the 9-digit Alien Registration Number"
            " (8-digit A-numbers take a leading 0)"
        ),
        # EOIR's Spanish materials say "número A" (número de registro de extranjero).
        names={"es": "número A"},
        descriptions={"es": "la letra A seguida de los 9 dígitos del número de registro de"
                            " extranjero (a los números A de 8 dígitos se les antepone un 0)"},
    ),
)

# The parts of an A-number, as the structured errors name them, by language.
_PREFIX = {"en": "prefix", "es": "prefijo"}
_DIGITS_PART = {"en": "A-number", "es": "número A"}
_EIGHT_DIGITS = {"en": "Older A-numbers have 8 digits; they are accepted too.",
                 "es": "Los números A antiguos tienen 8 dígitos; también se aceptan."}

_DIGITS = frozenset("0123456789")
# Separators people put between digit groups; anything else inside the number is an error.
_GROUP_SEPARATORS = frozenset(" -")
# What may follow the "A" before the digits start: "A-", "A#", "A #", "A- ".
_PREFIX_MARKS = " -#"


def _fail(raw: str, detail: str, problem: Problem, **structure: Any) -> InvalidNumberError:
    """The error, with ``structure`` as InvalidNumberError's keyword arguments take it."""
    return InvalidNumberError(raw, FORMATS, detail, problem=problem, **structure)


def normalize(raw: str) -> str:
    """The canonical A-number ("A" + 9 digits) or InvalidNumberError saying what is wrong."""
    text = raw.strip().upper()
    if not text:
        raise _fail(raw, "the number is empty", Problem.EMPTY)
    if text[0] == "A":
        body = text[1:].lstrip(_PREFIX_MARKS)
        if not body:
            raise _fail(raw, "no digits follow the 'A' prefix", Problem.MISSING_PART,
                        part=_DIGITS_PART)
    elif text[0].isalpha():
        raise _fail(raw, f"wrong prefix {text[0]!r}: an A-number starts with 'A' or a digit",
                    Problem.WRONG_PREFIX, part=_PREFIX, found=text[0], allowed=("A",))
    else:
        body = text
    digits: list[str] = []
    for position, char in enumerate(body, start=1):
        if char in _DIGITS:
            digits.append(char)
        elif char in _GROUP_SEPARATORS:
            continue
        elif char.isalpha():
            raise _fail(raw, f"letter {char!r} where a digit is expected (character {position}"
                             " after the prefix)", Problem.NOT_DIGITS, part=_DIGITS_PART,
                        found=char)
        else:
            raise _fail(raw, f"unexpected character {char!r} (only digits, spaces and dashes"
                             " may follow the prefix)", Problem.NOT_DIGITS, part=_DIGITS_PART,
                        found=char)
    count = len(digits)
    if count not in (8, 9):
        raise _fail(raw, f"{count} digit{'s' if count != 1 else ''}; an A-number has 9 digits"
                         " (or 8 for older numbers)", Problem.WRONG_LENGTH, part=_DIGITS_PART,
                    expected_length=9, actual_length=count, notes=_EIGHT_DIGITS)
    number = "".join(digits).rjust(9, "0")
    if number == "000000000":
        raise _fail(raw, "all digits are zero, which is never an assigned A-number",
                    Problem.IMPOSSIBLE_VALUE, part=_DIGITS_PART, found=number)
    return "A" + number
