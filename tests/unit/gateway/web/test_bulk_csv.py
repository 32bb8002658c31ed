"""Reading case numbers from pasted text and CSV files, and writing results a spreadsheet
shows as text."""

from __future__ import annotations

import csv
import io
import json

import pytest

from gateway.web.bulk_csv import (
    MAX_INPUT_BYTES,
    MAX_TABLE_CHARS,
    BulkInputError,
    csv_bytes,
    neutralised,
    numbers_from_csv,
    numbers_from_text,
    table_from_json,
)


def test_pasted_numbers_split_on_lines_commas_semicolons_and_spaces() -> None:
    """Every usual separator, mixed, with empty pieces dropped and duplicates kept."""
    given = numbers_from_text("A1\r\nB2, C3;D4\t\tA1 ,\n\n", "en")
    assert given.numbers == ["A1", "B2", "C3", "D4", "A1"]
    assert given.header is None


def test_pasted_text_over_the_limit_is_refused_by_its_size() -> None:
    """One byte over: 413 in words, with the size and the limit."""
    with pytest.raises(BulkInputError) as refused:
        numbers_from_text("é" * (MAX_INPUT_BYTES // 2) + "x", "en")
    assert refused.value.status == 413
    assert f"The list has {MAX_INPUT_BYTES + 1} bytes; at most {MAX_INPUT_BYTES}" in (
        refused.value.text)


def test_semicolon_csv_from_a_spanish_spreadsheet_with_its_header() -> None:
    """Semicolons (what spreadsheets write in Spanish locales) and a Spanish header: the
    "Número de caso" column is read."""
    data = "Cliente;Número de caso\r\nAna;IOE0912345678\r\nLuis;A-123\r\n".encode()
    given = numbers_from_csv(data, "es")
    assert given.numbers == ["IOE0912345678", "A-123"]
    assert given.header == ["Cliente", "Número de caso"]


def test_without_a_header_the_first_column_with_a_digit_is_read() -> None:
    """Client names then numbers, no header: the numbers' column, quoted cells unquoted."""
    given = numbers_from_csv(b'Ana,"FAK000001"\nLee,FAK000002\nKim,\n', "en")
    assert given.numbers == ["FAK000001", "FAK000002"]
    assert given.header is None


def test_an_empty_file_has_no_numbers() -> None:
    """Blank lines only: no numbers (the page then asks for some)."""
    assert numbers_from_csv(b"\r\n\r\n", "en").numbers == []


def test_a_stray_quote_is_refused_in_words() -> None:
    """What the csv module cannot read is said in words, with how to save the file."""
    with pytest.raises(BulkInputError) as refused:
        numbers_from_csv(b'FAK000001\n"FAK000002"x\n', "en")
    assert refused.value.text.startswith("The file could not be read as CSV (")
    assert "save it as \"CSV UTF-8\"" in refused.value.text


@pytest.mark.parametrize("cell", ["=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
                                  "\t=1", "\r=1"])
def test_cells_that_begin_like_a_formula_are_prefixed_with_a_quote(cell: str) -> None:
    """OWASP's CSV injection list: =, +, -, @, tab, carriage return."""
    assert neutralised(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["FAK000001", "2026-05-01 14:00", "", "a=b", "'quoted"])
def test_other_cells_are_unchanged(cell: str) -> None:
    assert neutralised(cell) == cell


def test_csv_bytes_round_trip_with_the_byte_order_mark() -> None:
    """UTF-8 with a byte order mark, CRLF lines, every cell quoted; read back as written but
    for the neutralising quote."""
    data = csv_bytes([["Número", "Estado"], ["=A1", 'dice "sí", y más']])
    assert data.startswith(b"\xef\xbb\xbf\"N\xc3\xbamero\"")
    assert b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["Número", "Estado"], ["'=A1", 'dice "sí", y más']]


def test_table_from_json_takes_only_a_results_shaped_table() -> None:
    """Rows of strings as wide as the header, at most 101 of them, within the size limit."""
    good = [["a", "b"], ["c", "d"]]
    assert table_from_json(json.dumps(good)) == good
    assert table_from_json("not json") is None
    assert table_from_json(json.dumps({"a": 1})) is None
    assert table_from_json(json.dumps([])) is None
    assert table_from_json(json.dumps([["a", "b"], ["c"]])) is None
    assert table_from_json(json.dumps([["a"], [1]])) is None
    assert table_from_json(json.dumps([["a"]] * 102)) is None
    assert table_from_json(json.dumps([["a" * 3000]])) is None
    assert table_from_json(" " * (MAX_TABLE_CHARS + 1)) is None
