"""USCIS receipt numbers and A-numbers (pure functions)."""

from __future__ import annotations

import re

from adapters.sdk.numbers import InvalidNumberError, NumberFormat, Problem

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
                "followed by 10 digits, as printed on the receipt notice",
    # USCIS's Spanish pages call it "número de recibo" and the notice "notificación de recibo".
    names={"es": "número de recibo de USCIS"},
    descriptions={"es": "3 letras de la oficina (como IOE, EAC, WAC, LIN, SRC, MSC, NBC, YSC) "
                        "seguidas de 10 dígitos, tal como aparecen en la notificación de recibo"})
A_NUMBER = NumberFormat(
    name="A-number", pattern=r"^A[0-9]{9}$", example="A201555123",
    description="A followed by 9 digits (8-digit A-numbers get a leading 0)",
    names={"es": "número A"},
    descriptions={"es": "A seguida de 9 dígitos (a los números A de 8 dígitos se les antepone "
                        "un 0)"})
FORMATS = (RECEIPT,)

# The parts of a receipt number, as the structured errors name them, by language.
_OFFICE = {"en": "office code", "es": "código de oficina"}
_SERIAL = {"en": "number after the office code", "es": "número después del código de oficina"}
_A_DIGITS = {"en": "A-number", "es": "número A"}
_A_LOOKALIKE = {
    "en": "It looks like an A-number; case status needs the receipt number from your notice.",
    "es": "Parece un número A; para consultar el estado del caso se necesita el número de "
          "recibo de su notificación.",
}
_EIGHT_DIGITS = {"en": "Older A-numbers have 8 digits; they are accepted too.",
                 "es": "Los números A antiguos tienen 8 dígitos; también se aceptan."}

_SEPARATORS = re.compile(r"[\s\-#./]+")
_A_LIKE = re.compile(r"^A?[0-9]{8,9}$")


def normalize(raw: str) -> str:
    """The canonical receipt number (``IOE0912345678``) or InvalidNumberError saying why."""
    compact = _SEPARATORS.sub("", raw).upper()
    if not compact:
        raise InvalidNumberError(raw, FORMATS, "it is empty", problem=Problem.EMPTY)
    if _A_LIKE.match(compact):
        raise InvalidNumberError(raw, FORMATS, "this looks like an A-number; USCIS case status "
                                               "needs the receipt number from your notice",
                                 problem=Problem.WRONG_KIND, notes=_A_LOOKALIKE)
    prefix, digits = compact[:3], compact[3:]
    known = tuple(sorted(PREFIXES))
    if len(compact) < 3 or not prefix.isalpha():
        raise InvalidNumberError(raw, FORMATS, "it must start with 3 letters",
                                 problem=Problem.WRONG_PREFIX, part=_OFFICE, found=prefix,
                                 allowed=known)
    if prefix not in PREFIXES:
        raise InvalidNumberError(raw, FORMATS, f"{prefix} is not a USCIS office code "
                                               f"(known: {', '.join(known)})",
                                 problem=Problem.WRONG_PREFIX, part=_OFFICE, found=prefix,
                                 allowed=known)
    if not digits.isdigit():
        raise InvalidNumberError(raw, FORMATS, "after the 3 letters only digits may follow",
                                 problem=Problem.NOT_DIGITS, part=_SERIAL,
                                 found=next((c for c in digits if not c.isdigit()), ""))
    if len(digits) != 10:
        raise InvalidNumberError(raw, FORMATS, f"it has {len(digits)} digits after {prefix}; "
                                               "a receipt number has 10 digits there",
                                 problem=Problem.WRONG_LENGTH, part=_SERIAL,
                                 expected_length=10, actual_length=len(digits))
    return prefix + digits


def normalize_a_number(raw: str) -> str:
    """The canonical A-number (``A012345678``) or InvalidNumberError saying why."""
    compact = _SEPARATORS.sub("", raw).upper().removeprefix("A")
    formats = (A_NUMBER,)
    if not compact.isdigit():
        raise InvalidNumberError(raw, formats, "only digits may follow the A",
                                 problem=Problem.NOT_DIGITS, part=_A_DIGITS,
                                 found=next((c for c in compact if not c.isdigit()), ""))
    if len(compact) not in (8, 9):
        raise InvalidNumberError(raw, formats, f"it has {len(compact)} digits; an A-number "
                                               "has 9 (or 8, which get a leading 0)",
                                 problem=Problem.WRONG_LENGTH, part=_A_DIGITS,
                                 expected_length=9, actual_length=len(compact),
                                 notes=_EIGHT_DIGITS)
    if not int(compact):
        raise InvalidNumberError(raw, formats, "it cannot be all zeros",
                                 problem=Problem.IMPOSSIBLE_VALUE, found=compact)
    return "A" + compact.zfill(9)
