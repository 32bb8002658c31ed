"""Texts people read through the gateway, in English and Spanish, from gettext catalogs.

Source strings are English and are their own message ids (the gettext convention); each other
language has a catalog ``<language>.po`` beside this file, read with Babel. Placeholders are
``str.format`` names (``{agency}``), filled after translation so word order may change.

To add a text: call ``message(language, "English text with {name}", name=...)`` and add the
entry with its translation to every catalog (``tests/unit/gateway/test_messages.py`` fails
until every message id in the code has a translation with the same placeholders).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

__all__ = ["LANGUAGES", "catalog", "message"]

LANGUAGES = ("en", "es")
_HERE = Path(__file__).parent


@cache
def catalog(language: str) -> dict[str, str]:
    """Message id -> translation for ``language`` (empty for English, the source language)."""
    if language == "en" or language not in LANGUAGES:
        return {}
    with (_HERE / f"{language}.po").open("rb") as file:
        parsed = read_po(file, locale=language)
    return {str(m.id): str(m.string) for m in parsed if m.id and m.string and not m.fuzzy}


def message(language: str, msgid: str, /, **params: object) -> str:
    """``msgid`` in ``language`` (English when untranslated), placeholders filled."""
    text = catalog(language).get(msgid, msgid)
    return text.format(**params) if params else text
