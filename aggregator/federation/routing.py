"""Which agency answers a case number (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from aggregator.config import AgencyConfig
from aggregator.federation.patterns import FirstMatch
from aggregator.model import InvalidNumber

__all__ = ["MAX_NUMBER_LENGTH", "NO_AGENCY", "TOO_LONG", "expected_formats", "route",
           "shown_number", "too_long_message", "unroutable_message"]

# No agency's case number comes near this, even written with spaces and dashes; anything
# longer is refused before any pattern runs on it.
MAX_NUMBER_LENGTH = 64


def route(number: str, agencies: Sequence[AgencyConfig]) -> str | None:
    """The first agency whose number pattern matches, or None (also for an over-long number,
    which no pattern is asked about)."""
    if len(number) > MAX_NUMBER_LENGTH:
        return None
    index = _first_match(agencies).first(number)
    return None if index is None else agencies[index].id


# One registry in practice: its patterns are compiled into one set once, found by the
# registry's identity (hashing the agencies on every number would cost more than matching).
_SETS: dict[int, tuple[Sequence[AgencyConfig], FirstMatch]] = {}


def _first_match(agencies: Sequence[AgencyConfig]) -> FirstMatch:
    known = _SETS.get(id(agencies))
    if known is None or known[0] is not agencies:
        if len(_SETS) >= 16:
            _SETS.clear()
        known = _SETS[id(agencies)] = (agencies, FirstMatch([a.numbers for a in agencies]))
    return known[1]


# The structured half of the two refusals made before any agency is asked: the gateway words
# them in the reader's language from the registry (see expected_formats).
NO_AGENCY = InvalidNumber("NO_AGENCY")
TOO_LONG = InvalidNumber("TOO_LONG")


def expected_formats(agencies: Sequence[AgencyConfig], language: str = "en") -> str:
    """Every accepted format, for error texts, in ``language`` where the registry has it
    (Spanish: ``number_format_es``), else in English."""
    return "; ".join((a.number_format_es if language == "es" and a.number_format_es
                      else a.number_format) for a in agencies)


def too_long_message(number: str, agencies: Sequence[AgencyConfig]) -> str:
    """Error text for a number longer than :data:`MAX_NUMBER_LENGTH`."""
    return (f"a case number has at most {MAX_NUMBER_LENGTH} characters, this one has "
            f"{len(number)}; expected {expected_formats(agencies)}")


def unroutable_message(number: str, agencies: Sequence[AgencyConfig]) -> str:
    """Error text for a number no agency claims, naming every accepted format."""
    if len(number) > MAX_NUMBER_LENGTH:
        return too_long_message(number, agencies)
    shown = number if len(number) <= 40 else number[:40] + "…"
    return (f"{shown!r} is not a case number Caseline can look up; expected "
            f"{expected_formats(agencies)}")


def shown_number(number: str) -> str:
    """The number as echoed in an answer: an over-long one cut short, so a refusal is never
    larger than what fits a case number, and anything that is not Unicode (a lone surrogate
    from JSON) escaped, so the answer can be encoded."""
    if len(number) > MAX_NUMBER_LENGTH:
        number = number[:MAX_NUMBER_LENGTH] + "…"
    try:
        number.encode("utf-8")
    except UnicodeEncodeError:
        return number.encode("utf-8", "backslashreplace").decode("utf-8")
    return number
