"""`caseline vocab map`: a match kind on every line, the program from a case number, and the
candidates of a status whose meaning depends on the program."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

from deploy.cli import main


def _lines(*args: str, stdin: str | None = None) -> list[dict[str, Any]]:
    """The JSON lines printed. The exit code is not asserted: an input that maps to nothing
    (NONE, AMBIGUOUS) may end the command non-zero once every line is printed."""
    result = CliRunner().invoke(main, ["vocab", "map", *args], input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]


def test_a_bare_status_with_one_meaning_maps_exactly() -> None:
    """A FLAG status without PROGRAM| that means the same everywhere is EXACT and known."""
    [line] = _lines("labor", "NOD Issued")
    assert (line["match"], line["known"], line["category"]) == ("EXACT", True, "ACTIVE")
    assert line["program"] is None and "candidates" not in line


def test_a_bare_status_whose_meaning_differs_is_ambiguous_with_candidates() -> None:
    """CERTIFIED without a program is AMBIGUOUS, lists each program's reading, maps nothing."""
    [line] = _lines("labor", "Certified")
    assert (line["match"], line["known"], line["category"]) == ("AMBIGUOUS", False,
                                                                "UNSPECIFIED")
    programs = {c["program"] for c in line["candidates"]}
    assert programs == {"PERM", "LCA", "H-2A", "H-2B", "CW-1"}
    assert all(c["category"] == "APPROVED" for c in line["candidates"])


def test_the_program_is_read_from_a_case_number() -> None:
    """CASE-NUMBER|CODE and --case-number both resolve the program from the number."""
    [qualified] = _lines("labor", "G-100-24123-123456|Certified")
    [option] = _lines("labor", "--case-number", "i-200 24123 123456", "Certified")
    assert (qualified["program"], qualified["match"]) == ("PERM", "EXACT")
    assert "180 days" in qualified["en"]["description"]
    assert (option["program"], option["match"]) == ("LCA", "EXACT")


def test_stdin_skips_comments_and_reports_bad_numbers() -> None:
    """'-' reads stdin without its comments; a bad case number says what is wrong."""
    lines = _lines("labor", "-", stdin="# a source\n\nPERM|Audit\nX-9|Denied\n")
    assert [line["input"] for line in lines] == ["PERM|Audit", "X-9|Denied"]
    assert lines[0]["match"] == "EXACT"
    assert lines[1]["match"] == "NONE" and "not a valid case number" in lines[1]["error"]


def test_a_bad_case_number_option_is_refused() -> None:
    """--case-number that is no case number stops with a usage error naming the option."""
    result = CliRunner().invoke(main, ["vocab", "map", "labor", "--case-number", "nope", "X"])
    assert result.exit_code == 2
    assert "--case-number" in result.output


def test_exit_status_is_zero_when_everything_matched_and_counts_each_kind() -> None:
    """All inputs matched (exactly, as a variant, or ambiguously): exit 0, counts on stderr."""
    result = CliRunner().invoke(main, ["vocab", "map", "immigration", "Case Was Approved",
                                       "Interview Has Been Cancelled", "Card Has Been Destroyed"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["match"] for line in lines] == ["EXACT", "VARIANT", "AMBIGUOUS"]
    assert lines[1]["variant_of"] == "Interview Cancelled" and lines[1]["known"]
    assert {c["title"] for c in lines[2]["candidates"]} and not lines[2]["known"]
    assert result.stderr.strip() == (
        "immigration: 3 mapped: EXACT 1, VARIANT 1, AMBIGUOUS 1, NONE 0")


def test_exit_status_is_one_after_every_line_when_an_input_matched_nothing() -> None:
    """An input that maps to nothing ends the command with 1, after all lines are printed."""
    result = CliRunner().invoke(main, ["vocab", "map", "courts", "-"],
                                input="Case Was Teleported\nWITHDRAWN\n")
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["input"], line["match"]) for line in lines] == [
        ("Case Was Teleported", "NONE"), ("WITHDRAWN", "EXACT")]
    assert "NONE 1" in result.stderr
