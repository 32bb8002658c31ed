"""OFLC case numbers as the FLAG system issues them.

Every FLAG filing gets ``[letter]-[3-digit program]-[YYDDD]-[6-digit sequence]``: the letter and
program code name the program and form (``G-100`` PERM, ``P-100`` a prevailing wage request for a
PERM job, ``I-200`` an H-1B LCA, ``H-300`` H-2A, ...), ``YYDDD`` is the filing date as a two-digit
year and day of the year, and the sequence is a six-digit counter shared by all programs.
People copy these from notices and e-mails with spaces instead of dashes, with no dashes at all,
in lower case, or with the typographic dashes word processors substitute; all of those are
accepted. Old PERM numbers from before FLAG (``A-12345-12345``) are a different system and are
rejected with a detail that says so.
"""

from __future__ import annotations

from typing import Any

from adapters.sdk.numbers import InvalidNumberError, NumberFormat, Problem

__all__ = ["FORMATS", "PREFIXES", "normalize", "program_of_number"]

# Prefix -> mapping-table program. P-400/P-500 are H-2B and CW-1 wage requests: still Form
# ETA-9141 determinations, so they share the PW vocabulary.
PREFIXES: dict[str, str] = {
    "G-100": "PERM",
    "P-100": "PW",
    "P-200": "PW",
    "P-201": "PW",
    "P-202": "PW",
    "P-203": "PW",
    "P-400": "PW",
    "P-500": "PW",
    "I-200": "LCA",
    "I-201": "LCA",
    "I-202": "LCA",
    "I-203": "LCA",
    "H-300": "H-2A",
    "H-400": "H-2B",
    "C-500": "CW-1",
}

FORMATS: tuple[NumberFormat, ...] = (
    NumberFormat(
        name="PERM",
        pattern=r"^G-100-\d{5}-\d{6}$",
        example="G-100-24123-123456",
        description="PERM labor certification (Form ETA-9089): G-100, the filing date as"
                    " YYDDD, and a 6-digit sequence",
        names={"es": "PERM"},
        descriptions={"es": "certificación laboral PERM (formulario ETA-9089): G-100, la fecha de "
                            "presentación como AADDD y un número de secuencia de 6 dígitos"},
    ),
    NumberFormat(
        name="PW",
        pattern=r"^P-(100|200|201|202|203|400|500)-\d{5}-\d{6}$",
        example="P-100-24123-123456",
        description="prevailing wage request (Form ETA-9141): P-100 (PERM), P-200 (H-1B),"
                    " P-201/P-202 (H-1B1), P-203 (E-3), P-400 (H-2B) or P-500 (CW-1), the"
                    " filing date as YYDDD, and a 6-digit sequence",
        names={"es": "salario prevaleciente"},
        descriptions={"es": "solicitud de salario prevaleciente (formulario ETA-9141): P-100 "
                            "(PERM), P-200 (H-1B), P-201/P-202 (H-1B1), P-203 (E-3), P-400 (H-2B) "
                            "o P-500 (CW-1), la fecha de presentación como AADDD y un número de "
                            "secuencia de 6 dígitos"},
    ),
    NumberFormat(
        name="LCA",
        pattern=r"^I-(200|201|202|203)-\d{5}-\d{6}$",
        example="I-200-24123-123456",
        description="labor condition application (Form ETA-9035): I-200 (H-1B), I-201/I-202"
                    " (H-1B1) or I-203 (E-3), the filing date as YYDDD, and a 6-digit sequence",
        names={"es": "LCA"},
        descriptions={"es": "solicitud de condiciones laborales (formulario ETA-9035): I-200 "
                            "(H-1B), I-201/I-202 (H-1B1) o I-203 (E-3), la fecha de presentación "
                            "como AADDD y un número de secuencia de 6 dígitos"},
    ),
    NumberFormat(
        name="H-2A",
        pattern=r"^H-300-\d{5}-\d{6}$",
        example="H-300-24123-123456",
        description="H-2A temporary agricultural certification (Form ETA-9142A): H-300, the"
                    " filing date as YYDDD, and a 6-digit sequence",
        names={"es": "H-2A"},
        descriptions={"es": "certificación temporal agrícola H-2A (formulario ETA-9142A): H-300, "
                            "la fecha de presentación como AADDD y un número de secuencia de 6 "
                            "dígitos"},
    ),
    NumberFormat(
        name="H-2B",
        pattern=r"^H-400-\d{5}-\d{6}$",
        example="H-400-24123-123456",
        description="H-2B temporary non-agricultural certification (Form ETA-9142B): H-400,"
                    " the filing date as YYDDD, and a 6-digit sequence",
        names={"es": "H-2B"},
        descriptions={"es": "certificación temporal no agrícola H-2B (formulario ETA-9142B): "
                            "H-400, la fecha de presentación como AADDD y un número de secuencia "
                            "de 6 dígitos"},
    ),
    NumberFormat(
        name="CW-1",
        pattern=r"^C-500-\d{5}-\d{6}$",
        example="C-500-24123-123456",
        description="CW-1 Northern Mariana Islands certification (Form ETA-9142C): C-500, the"
                    " filing date as YYDDD, and a 6-digit sequence",
        names={"es": "CW-1"},
        descriptions={"es": "certificación CW-1 de las Islas Marianas del Norte (formulario "
                            "ETA-9142C): C-500, la fecha de presentación como AADDD y un número "
                            "de secuencia de 6 dígitos"},
    ),
)

# The four groups of a FLAG number, as the structured errors name them, by language.
_LETTER = {"en": "program letter", "es": "letra del programa"}
_PROGRAM = {"en": "program code", "es": "código del programa"}
_DATE = {"en": "date code", "es": "código de fecha"}
_SEQUENCE = {"en": "sequence number", "es": "número de secuencia"}
_PART = {"program code": _PROGRAM, "date code": _DATE, "sequence number": _SEQUENCE}
_OLD_PERM = {"en": "A-XXXXX-XXXXX is a pre-2023 PERM number from the old system, not a FLAG "
                   "number.",
             "es": "A-XXXXX-XXXXX es un número PERM del sistema anterior a 2023, no un número "
                   "de FLAG."}
_DAY_OF_YEAR = {"en": "Its last 3 digits are the day of the year, 001 to 366 (366 only in a "
                      "leap year).",
                "es": "Sus 3 últimos dígitos son el día del año, de 001 a 366 (366 solo en un "
                      "año bisiesto)."}

_DIGITS = frozenset("0123456789")
# Hyphen, the dashes word processors and PDFs substitute for it, and whitespace all separate
# groups; every other non-alphanumeric character is an error.
_SEPARATORS = str.maketrans({"-": " ", "\u2010": " ", "\u2011": " ", "\u2012": " ",
                             "\u2013": " ", "\u2014": " ", "\u2212": " ", "\u00a0": " "})
# (name used in messages, length) of the four groups, in order.
_FIELDS: tuple[tuple[str, int], ...] = (
    ("program letter", 1), ("program code", 3), ("date code", 5), ("sequence number", 6),
)
_LETTERS = "".join(sorted({prefix[0] for prefix in PREFIXES}))


_BY_NAME = {f.name: f for f in FORMATS}


def _codes_after(letter: str) -> str:
    """The program codes that follow ``letter`` ("100, 200 or 201")."""
    codes = [prefix[2:] for prefix in PREFIXES if prefix[0] == letter]
    return codes[0] if len(codes) == 1 else f"{', '.join(codes[:-1])} or {codes[-1]}"


def _likely_format(letter: str = "", prefix: str = "") -> NumberFormat:
    """The format the person most likely meant: their prefix's program, else the first
    program their letter starts, else PERM (the most common filing)."""
    if prefix in PREFIXES:
        return _BY_NAME[PREFIXES[prefix]]
    program = next((p for known, p in PREFIXES.items() if known[0] == letter), "PERM")
    return _BY_NAME[program]


def _fail(raw: str, detail: str, problem: Problem, letter: str = "", prefix: str = "",
          **structure: Any) -> InvalidNumberError:
    """The error, with ``structure`` as InvalidNumberError's keyword arguments take it."""
    return InvalidNumberError(raw, FORMATS, detail, _likely_format(letter, prefix),
                              problem=problem, **structure)


def _split_fields(text: str) -> tuple[list[str], str | None]:
    """The four groups as typed (possibly of wrong length), and an error about extra groups.

    Separators may sit between any groups or be left out: a group that spans several fields
    ("G100") is split at the field boundaries. A group shorter than its field stays whole, so
    the field checks name the short field. A stray separator inside a field ("...1234 56") is
    ignored: the rest is then cut positionally, the last field taking what remains.
    """
    groups = text.translate(_SEPARATORS).split()
    lengths = [length for _, length in _FIELDS]
    fields: list[str] = []
    for index, typed in enumerate(groups):
        group = typed
        if len(fields) == len(_FIELDS):
            extra = " ".join(groups[index:])
            return fields, f"unexpected extra group {extra!r} after the sequence number"
        if not fields and len(group) > 1 and group[0].isalpha():
            # "G100" or "g100241231234 56": the letter is always a single character.
            fields.append(group[0])
            group = group[1:]
        start = len(fields)
        span, covered = 0, start
        while covered < len(lengths) and span + lengths[covered] <= len(group):
            span += lengths[covered]
            covered += 1
            if span == len(group):
                break
        last = index == len(groups) - 1
        if not last and span == len(group) and covered > start:
            pos = 0
            for field in range(start, covered):
                fields.append(group[pos:pos + lengths[field]])
                pos += lengths[field]
            continue
        if not last and start < len(lengths) - 1 and len(group) < lengths[start] + lengths[
                start + 1]:
            # One field of the wrong length ("G-10-..."): kept whole for the field checks.
            fields.append(group)
            continue
        rest = "".join(groups[index:])[len(typed) - len(group):]
        pos = 0
        for field in range(start, len(lengths)):
            if pos >= len(rest):
                break
            end = len(rest) if field == len(lengths) - 1 else pos + lengths[field]
            fields.append(rest[pos:end])
            pos = end
        return fields, None
    return fields, None


def _check_digits(raw: str, name: str, value: str, length: int, letter: str,
                  prefix: str = "") -> None:
    for char in value:
        if char not in _DIGITS:
            kind = "letter" if char.isalpha() else "character"
            raise _fail(raw, f"{name} {value!r} has {kind} {char!r} where a digit belongs",
                        Problem.NOT_DIGITS, letter, prefix, part=_PART[name], found=char)
    if len(value) != length:
        raise _fail(raw, f"{name} must be {length} digits, got {len(value)} ({value!r})",
                    Problem.WRONG_LENGTH, letter, prefix, part=_PART[name],
                    expected_length=length, actual_length=len(value))


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def normalize(raw: str) -> str:
    """The canonical FLAG case number (``G-100-24123-123456``) or InvalidNumberError."""
    text = raw.strip().upper()
    if not text:
        raise _fail(raw, "the number is empty", Problem.EMPTY)
    for char in text.translate(_SEPARATORS):
        if not (char.isalnum() or char.isspace()):
            raise _fail(raw, f"{char!r} does not belong in a case number", Problem.NOT_DIGITS,
                        found=char)
    fields, extra = _split_fields(text)
    letter = fields[0]
    letters = tuple(_LETTERS)
    if not letter.isalpha() or not letter.isascii():
        raise _fail(raw, f"must start with a program letter ({', '.join(_LETTERS)}), got"
                         f" {letter!r}", Problem.WRONG_PREFIX, part=_LETTER, found=letter,
                    allowed=letters)
    if letter == "A" and len(fields) == 3 and len(fields[1]) == len(fields[2]) == 5:
        raise _fail(raw, "A-XXXXX-XXXXX is a pre-2023 PERM number from the old system, not"
                         " a FLAG number", Problem.WRONG_KIND, notes=_OLD_PERM)
    if letter not in _LETTERS:
        raise _fail(raw, f"unknown program letter {letter!r}; known letters:"
                         f" {', '.join(_LETTERS)}", Problem.WRONG_PREFIX, part=_LETTER,
                    found=letter, allowed=letters)
    if len(fields) < 2:
        raise _fail(raw, f"missing the program code, date code and sequence number after"
                         f" {letter!r}", Problem.MISSING_PART, letter, part=_PROGRAM)
    _check_digits(raw, "program code", fields[1], 3, letter)
    prefix = f"{letter}-{fields[1]}"
    if prefix not in PREFIXES:
        raise _fail(raw, f"unknown prefix {prefix!r}; {letter} is followed by"
                         f" {_codes_after(letter)}", Problem.WRONG_PREFIX, letter,
                    part=_PROGRAM, found=prefix,
                    allowed=tuple(known for known in PREFIXES if known[0] == letter))
    if len(fields) < 3:
        raise _fail(raw, f"missing the date code (YYDDD) and sequence number after"
                         f" {prefix!r}", Problem.MISSING_PART, letter, prefix, part=_DATE)
    date_code = fields[2]
    _check_digits(raw, "date code", date_code, 5, letter, prefix)
    year, day = 2000 + int(date_code[:2]), int(date_code[2:])
    if not 1 <= day <= 366:
        raise _fail(raw, f"date code {date_code!r}: day of year {day:03d} is outside 001-366",
                    Problem.IMPOSSIBLE_VALUE, letter, prefix, part=_DATE, found=date_code,
                    notes=_DAY_OF_YEAR)
    if day == 366 and not _is_leap(year):
        raise _fail(raw, f"date code {date_code!r}: {year} is not a leap year, it has no"
                         " day 366", Problem.IMPOSSIBLE_VALUE, letter, prefix, part=_DATE,
                    found=date_code, notes=_DAY_OF_YEAR)
    if len(fields) < 4:
        raise _fail(raw, f"missing the 6-digit sequence number after {prefix}-{date_code}",
                    Problem.MISSING_PART, letter, prefix, part=_SEQUENCE)
    _check_digits(raw, "sequence number", fields[3], 6, letter, prefix)
    if extra is not None:
        raise _fail(raw, extra, Problem.EXTRA_PART, letter, prefix,
                    found=extra.split("'")[1] if "'" in extra else "")
    return f"{prefix}-{date_code}-{fields[3]}"


def program_of_number(number: str) -> str:
    """The mapping-table program (PERM, PW, LCA, H-2A, H-2B, CW-1) a case number belongs to."""
    return PREFIXES[normalize(number)[:5]]
