"""Case number formats and the error for a number that fits none of them."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["InvalidNumberError", "NumberFormat"]


@dataclass(frozen=True, slots=True)
class NumberFormat:
    """A case number format an agency accepts, described for people and machines."""

    name: str
    pattern: str
    example: str
    description: str


class InvalidNumberError(ValueError):
    """A case number fits none of the agency's formats; the message names what is expected."""

    def __init__(self, number: str, formats: tuple[NumberFormat, ...], detail: str = "") -> None:
        self.number = number
        self.formats = formats
        self.detail = detail
        expected = "; or ".join(f"{f.name}: {f.description} (e.g. {f.example})" for f in formats)
        reason = f" ({detail})" if detail else ""
        super().__init__(f"{number!r} is not a valid case number{reason}; expected {expected}")
