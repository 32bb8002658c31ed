"""Case number formats and the error for a number that fits none of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["OTHER_FORMATS", "InvalidNumberError", "NumberFormat", "Problem"]

# Where a person finds every format an agency accepts: Caseline's gateway publishes each
# agency's Describe ``number_formats`` as ``numberFormats`` in its ``agencies`` query. The
# message names one format; listing them all made it a paragraph nobody reads.
OTHER_FORMATS = "others: numberFormats in the agencies query"
# The contract's bounds on InvalidNumberDetail.found and .allowed.
MAX_FOUND = 16
MAX_ALLOWED = 20


class Problem(StrEnum):
    """What is wrong with an invalid number (the contract's InvalidNumberProblem)."""

    UNSPECIFIED = "UNSPECIFIED"
    EMPTY = "EMPTY"
    WRONG_PREFIX = "WRONG_PREFIX"
    WRONG_LENGTH = "WRONG_LENGTH"
    NOT_DIGITS = "NOT_DIGITS"
    MISSING_PART = "MISSING_PART"
    EXTRA_PART = "EXTRA_PART"
    IMPOSSIBLE_VALUE = "IMPOSSIBLE_VALUE"
    WRONG_KIND = "WRONG_KIND"
    TOO_LONG = "TOO_LONG"


@dataclass(frozen=True, slots=True)
class NumberFormat:
    """A case number format an agency accepts, described for people and machines.

    ``names`` and ``descriptions`` hold the display name and description in other languages
    than English, by BCP 47 tag (``{"es": "número de recibo de USCIS"}``); English comes from
    ``name`` (the format's stable key, unless ``names`` has "en") and ``description``.
    """

    name: str
    pattern: str
    example: str
    description: str
    names: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    descriptions: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)


class InvalidNumberError(ValueError):
    """A case number fits none of the agency's formats; the message says what is wrong, the
    format most likely meant (``expected``, else the first) with its example, and where the
    others are listed.

    The keyword arguments say the same in structure, so Caseline can word it in the reader's
    language: ``problem``; ``part``, the part of the number at fault, by language (English
    included); ``found``, the offending text; ``expected_length``/``actual_length`` for
    WRONG_LENGTH; ``allowed``, the values a WRONG_PREFIX part accepts; ``notes``, one more
    sentence by language when the problem needs it.
    """

    def __init__(self, number: str, formats: tuple[NumberFormat, ...], detail: str = "",
                 expected: NumberFormat | None = None, *, problem: Problem = Problem.UNSPECIFIED,
                 part: Mapping[str, str] | None = None, found: str = "",
                 expected_length: int = 0, actual_length: int = 0,
                 allowed: tuple[str, ...] = (), notes: Mapping[str, str] | None = None) -> None:
        self.number = number
        self.formats = formats
        self.detail = detail
        self.expected = expected or formats[0]
        self.problem = problem
        self.part: Mapping[str, str] = part or {}
        self.found = found[:MAX_FOUND]
        self.expected_length = expected_length
        self.actual_length = actual_length
        self.allowed = allowed[:MAX_ALLOWED]
        self.notes: Mapping[str, str] = notes or {}
        reason = f" ({detail})" if detail else ""
        others = f"; {OTHER_FORMATS}" if len(formats) > 1 else ""
        super().__init__(f"{number!r} is not a valid case number{reason}; expected e.g."
                         f" {self.expected.example} ({self.expected.name}){others}")
