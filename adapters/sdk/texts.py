"""Texts an agency supplies in several languages (case-type names, number formats, the parts of
its numbers), checked when the adapter starts and put on the wire as LocalizedString lists.

Caseline's own words are in its catalogs; these are the agency's, so the agency declares them
per language: a mapping from BCP 47 tag to text. English is the contract's default language
and always comes from the English field the message already has, so an adapter that declares
no other language still sends what it sent before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from caseline.v1 import vocabulary_pb2

__all__ = ["MAX_TEXT_LENGTH", "LocalizedTextError", "check_texts", "in_languages",
           "localized_strings", "well_formed_tag"]

# A case-type name or a format's description is a line, not a page; anything longer is a
# mistake in the agency's data, caught at start rather than shown to people.
MAX_TEXT_LENGTH = 400
# BCP 47 in the form agencies need here: a primary language subtag, optionally a script and a
# region ("es", "es-419", "zh-hant-tw"), in lower case as the contract asks.
_TAG = re.compile(r"[a-z]{2,3}(-[a-z]{4})?(-([a-z]{2}|[0-9]{3}))?")


class LocalizedTextError(ValueError):
    """An agency's localized text is malformed; the message says which and why."""


def well_formed_tag(tag: str) -> bool:
    """True when ``tag`` is a lower-case BCP 47 language tag of the form used here."""
    return _TAG.fullmatch(tag) is not None


def check_texts(where: str, texts: Mapping[str, str]) -> None:
    """LocalizedTextError unless every tag is well formed and every text non-empty, one line
    and at most :data:`MAX_TEXT_LENGTH` characters."""
    for tag, text in texts.items():
        if not well_formed_tag(tag):
            raise LocalizedTextError(f"{where}: language {tag!r} is not a lower-case BCP 47 "
                                     "tag such as 'es' or 'es-419'")
        if not text.strip():
            raise LocalizedTextError(f"{where}: the {tag!r} text is empty")
        if len(text) > MAX_TEXT_LENGTH or "\n" in text:
            raise LocalizedTextError(f"{where}: the {tag!r} text must be one line of at most "
                                     f"{MAX_TEXT_LENGTH} characters")


def in_languages(english: str, others: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """(language, text) pairs: English first (from ``english`` unless ``others`` has "en"),
    then the other languages in tag order; empty texts left out."""
    first = others.get("en") or english
    pairs = [("en", first)] if first else []
    pairs += [(tag, others[tag]) for tag in sorted(others) if tag != "en" and others[tag]]
    return tuple(pairs)


def localized_strings(pairs: Iterable[tuple[str, str]]
                      ) -> list[vocabulary_pb2.LocalizedString]:
    """The pairs as the contract's LocalizedString messages."""
    return [vocabulary_pb2.LocalizedString(language=tag, text=text) for tag, text in pairs]
