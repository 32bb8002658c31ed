"""EOIR case numbers: the Alien Registration Number (A-number) is the court's case key.

EOIR's hotline and portal take nine digits; older A-numbers have eight and are entered with a
leading zero (Immigration Court Practice Manual 1.6(c)). People type them with an "A", "A-" or
"A#" prefix and with spaces or dashes between digit groups ("A 201 555 123", "201-555-123").
"""

from __future__ import annotations

from adapters.sdk.numbers import InvalidNumberError, NumberFormat

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
    ),
)

_DIGITS = frozenset("0123456789")
# Separators people put between digit groups; anything else inside the number is an error.
_GROUP_SEPARATORS = frozenset(" -")
# What may follow the "A" before the digits start: "A-", "A#", "A #", "A- ".
_PREFIX_MARKS = " -#"


def _fail(raw: str, detail: str) -> InvalidNumberError:
    return InvalidNumberError(raw, FORMATS, detail)


def normalize(raw: str) -> str:
    """The canonical A-number ("A" + 9 digits) or InvalidNumberError saying what is wrong."""
    text = raw.strip().upper()
    if not text:
        raise _fail(raw, "the number is empty")
    if text[0] == "A":
        body = text[1:].lstrip(_PREFIX_MARKS)
        if not body:
            raise _fail(raw, "no digits follow the 'A' prefix")
    elif text[0].isalpha():
        raise _fail(raw, f"wrong prefix {text[0]!r}: an A-number starts with 'A' or a digit")
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
                             " after the prefix)")
        else:
            raise _fail(raw, f"unexpected character {char!r} (only digits, spaces and dashes"
                             " may follow the prefix)")
    count = len(digits)
    if count not in (8, 9):
        raise _fail(raw, f"{count} digit{'s' if count != 1 else ''}; an A-number has 9 digits"
                         " (or 8 for older numbers)")
    number = "".join(digits).rjust(9, "0")
    if number == "000000000":
        raise _fail(raw, "all digits are zero, which is never an assigned A-number")
    return "A" + number
