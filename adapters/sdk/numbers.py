"""Case number formats and the error for a number that fits none of them."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["OTHER_FORMATS", "InvalidNumberError", "NumberFormat"]

# Where a person finds every format an agency accepts: Caseline's gateway publishes each
# agency's Describe ``number_formats`` as ``numberFormats`` in its ``agencies`` query. The
# message names one format; listing them all made it a paragraph nobody reads.
OTHER_FORMATS = "others: numberFormats in the agencies query"


@dataclass(frozen=True, slots=True)
class NumberFormat:
    """A case number format an agency accepts, described for people and machines."""

    name: str
    pattern: str
    example: str
    description: str


class InvalidNumberError(ValueError):
    """A case number fits none of the agency's formats; the message says what is wrong, the
    format most likely meant (``expected``, else the first) with its example, and where the
    others are listed."""

    def __init__(self, number: str, formats: tuple[NumberFormat, ...], detail: str = "",
                 expected: NumberFormat | None = None) -> None:
        self.number = number
        self.formats = formats
        self.detail = detail
        self.expected = expected or formats[0]
        reason = f" ({detail})" if detail else ""
        others = f"; {OTHER_FORMATS}" if len(formats) > 1 else ""
        super().__init__(f"{number!r} is not a valid case number{reason}; expected e.g."
                         f" {self.expected.example} ({self.expected.name}){others}")
