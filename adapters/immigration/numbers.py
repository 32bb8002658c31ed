"""USCIS receipt numbers and A-numbers (pure functions)."""

from __future__ import annotations

import re

from adapters.sdk.numbers import InvalidNumberError, NumberFormat

__all__ = ["A_NUMBER", "FORMATS", "PREFIXES", "RECEIPT", "normalize", "normalize_a_number"]

# Office codes that issue receipt numbers: service centers, the National Benefits Center,
# the online filing system (IOE), and lockbox / field-office intake.
PREFIXES: dict[str, str] = {
    "EAC": "Vermont Service Center",
    "VSC": "Vermont Service Center",
    "WAC": "California Service Center",
    "CSC": "California Service Center",
    "LIN": "Nebraska Service Center",
    "NSC": "Nebraska Service Center",
    "SRC": "Texas Service Center",
    "TSC": "Texas Service Center",
    "YSC": "Potomac Service Center",
    "MSC": "National Benefits Center",
    "NBC": "National Benefits Center",
    "IOE": "USCIS Electronic Immigration System (online filing)",
}

RECEIPT = NumberFormat(
    name="USCIS receipt number", pattern=r"^[A-Z]{3}[0-9]{10}$", example="IOE0912345678",
    description="3 letters for the office (such as IOE, EAC, WAC, LIN, SRC, MSC, NBC, YSC) "
                "followed by 10 digits, as printed on the receipt notice")
A_NUMBER = NumberFormat(
    name="A-number", pattern=r"^A[0-9]{9}$", example="A201555123",
    description="A followed by 9 digits (8-digit A-numbers get a leading 0)")
FORMATS = (RECEIPT,)

_SEPARATORS = re.compile(r"[\s\-#./]+")
_A_LIKE = re.compile(r"^A?[0-9]{8,9}$")


def normalize(raw: str) -> str:
    """The canonical receipt number (``IOE0912345678``) or InvalidNumberError saying why."""
    compact = _SEPARATORS.sub("", raw).upper()
    if not compact:
        raise InvalidNumberError(raw, FORMATS, "it is empty")
    if _A_LIKE.match(compact):
        raise InvalidNumberError(raw, FORMATS, "this looks like an A-number; USCIS case status "
                                               "needs the receipt number from your notice")
    prefix, digits = compact[:3], compact[3:]
    if len(compact) < 3 or not prefix.isalpha():
        raise InvalidNumberError(raw, FORMATS, "it must start with 3 letters")
    if prefix not in PREFIXES:
        known = ", ".join(sorted(PREFIXES))
        raise InvalidNumberError(raw, FORMATS, f"{prefix} is not a USCIS office code "
                                               f"(known: {known})")
    if not digits.isdigit():
        raise InvalidNumberError(raw, FORMATS, "after the 3 letters only digits may follow")
    if len(digits) != 10:
        raise InvalidNumberError(raw, FORMATS, f"it has {len(digits)} digits after {prefix}; "
                                               "a receipt number has 10 digits there")
    return prefix + digits


def normalize_a_number(raw: str) -> str:
    """The canonical A-number (``A012345678``) or InvalidNumberError saying why."""
    compact = _SEPARATORS.sub("", raw).upper().removeprefix("A")
    formats = (A_NUMBER,)
    if not compact.isdigit():
        raise InvalidNumberError(raw, formats, "only digits may follow the A")
    if len(compact) not in (8, 9):
        raise InvalidNumberError(raw, formats, f"it has {len(compact)} digits; an A-number "
                                               "has 9 (or 8, which get a leading 0)")
    if not int(compact):
        raise InvalidNumberError(raw, formats, "it cannot be all zeros")
    return "A" + compact.zfill(9)
