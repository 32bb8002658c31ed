"""Dates and times as pages show them: each ``<time datetime="ISO">words</time>`` read back,
and checked to be the reader's words (Babel's), not ISO."""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape

from gateway.web import localized

__all__ = ["MOMENT_WORDS", "moments_in_words", "times", "visible"]

# A moment written out in each language, on the UTC clock ("May 1, 2026, 2:00 PM UTC").
MOMENT_WORDS = {"en": r"[A-Z][a-z]+ \d{1,2}, \d{4}, \d{1,2}:\d{2}\u202f[AP]M UTC",
                "es": r"\d{1,2} de [a-z]+ de \d{4}, \d{1,2}:\d{2} UTC"}


def visible(page: str) -> str:
    """The page's text as a person reads it: no markup (attributes keep machine values)."""
    return unescape(re.sub(r"<[^>]+>", " ", page))


def times(page: str) -> list[tuple[str, str]]:
    """Each time element's (datetime attribute, shown text), in page order."""
    return [(unescape(at), unescape(text))
            for at, text in re.findall(r'<time datetime="([^"]+)">([^<]*)</time>', page)]


def moments_in_words(page: str, language: str) -> int:
    """How many time elements ``page`` has; each must show its moment as ``localized.moment``
    writes it in ``language`` (AssertionError naming the first that does not)."""
    found = times(page)
    for at, text in found:
        assert re.fullmatch(MOMENT_WORDS[language], text), (at, text)
        assert text == localized.moment(language, datetime.fromisoformat(at)), (at, text)
    return len(found)
