"""The e-mails' texts in English and Spanish, from the same gettext catalog as the pages.

The catalog file is the gateway's ``gateway/messages/es.po`` (one catalog for every text a
person reads, so a translator finds them in one place). The aggregator never imports the
gateway: this module reads that file by its path beside the ``aggregator`` package (both are
top-level packages of one distribution, installed side by side), with Babel as the gateway
does. English is the source language; message ids are the English texts, placeholders
``str.format`` names filled after translation.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

__all__ = ["CATALOG_DIR", "LANGUAGES", "catalog", "message"]

LANGUAGES = ("en", "es")
# aggregator/notify/email/catalog.py -> the distribution's root.
CATALOG_DIR = Path(__file__).resolve().parents[3] / "gateway" / "messages"


@cache
def catalog(language: str) -> dict[str, str]:
    """Message id -> translation for ``language`` (empty for English, the source)."""
    if language == "en" or language not in LANGUAGES:
        return {}
    with (CATALOG_DIR / f"{language}.po").open("rb") as file:
        parsed = read_po(file, locale=language)
    return {str(m.id): str(m.string) for m in parsed if m.id and m.string and not m.fuzzy}


def message(language: str, msgid: str, /, **params: object) -> str:
    """``msgid`` in ``language`` (English when untranslated), placeholders filled."""
    text = catalog(language).get(msgid, msgid)
    return text.format(**params) if params else text
