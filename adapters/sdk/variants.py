"""Normal forms of a status title, for matching unseen variants of known titles.

Agencies and the trackers that copy them write the same title in small different ways: a
missing "Was", "Cancelled" or "Canceled", "... Mailed To Me", an HTML entity for an
apostrophe, a dash for a hyphen. :func:`variant_form` reduces a title to a normal form that
drops only such differences: filler words that carry no meaning, spelling variants, markup
and punctuation. It never drops or replaces a word that carries meaning ("not", "intent",
"response", "revoked", "denied"...), and it never measures how close two titles are: two
titles match only when their normal forms are equal. So a trap ("Notice Of Intent To Deny",
"Case Was Not Approved", "Approval Was Revoked") keeps the words that make it a trap and can
never reduce to its opposite.

Both sides are reduced: the table's keys and the input. When one normal form stands for
entries that mean different things (USCIS's "Card Was Destroyed" and "Card Destroyed"), the
caller reports the match as ambiguous rather than choosing.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

__all__ = ["normalize_key", "variant_form"]

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=65_536)
def normalize_key(text: str) -> str:
    """The exact matching key of a code or title: lower case, no accents, words joined by one
    space.

    Memoized: an agency emits a few hundred distinct codes, looked up once per event served.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    lowered = ascii_only.casefold().replace("&", " and ")
    return _NON_ALNUM.sub(" ", lowered).strip()

# Words that only tie a title together: dropping them never changes what it says. The Spanish
# ones are the same auxiliaries and articles in the titles USCIS writes in Spanish ("Caso Fue
# Aprobado", "Se Está Produciendo Una Nueva Tarjeta"); accents are already gone at this point.
_FILLER = frozenset({
    "was", "were", "is", "are", "has", "have", "been", "the", "a", "an",
    "fue", "fueron", "ha", "han", "sido", "el", "la", "los", "las", "un", "una",
})

# One spelling for words agencies (and the people copying them) spell two ways.
_SPELLINGS = {
    "cancelled": "canceled",
    "cancelling": "canceling",
    "acknowledgement": "acknowledgment",
    "acknowledgements": "acknowledgments",
    "judgement": "judgment",
    "fulfilment": "fulfillment",
}

# Phrases that say the same thing in more or fewer words, applied to the normalized key.
# Each right-hand side keeps every word of meaning of the left-hand side.
_PHRASES = (
    (re.compile(r"\bbecause (?:i|we|you) sent\b"), "for"),
    (re.compile(r"\be mail(ed|s)?\b"), r"email\1"),
    # Not "returned to me": a card "returned" in a title went back to the agency, unclaimed.
    (re.compile(r"\b(mailed|sent|emailed|delivered) to me$"), r"\1"),
    (re.compile(r"\b(?:my|mi|mis)\b"), ""),
)

_TAGS = re.compile(r"<[^>]{0,200}>")
# Named entities in upper case ("&APOS;", "&AMP;" in a title written in capitals): html.unescape
# knows them only in lower case.
_NAMED_ENTITY = re.compile(r"&[A-Za-z]{2,8};")
# Hyphens and dashes of every kind, and apostrophes of every kind, inside a word.
_JOINED = re.compile(r"(?<=\w)[\-\u2010-\u2015\u2212'\u2018\u2019\u02bc](?=\w)")


@lru_cache(maxsize=65_536)
def variant_form(text: str) -> str:
    """The normal form of a title: markup, entities, word-joining hyphens and apostrophes,
    spelling variants and filler words removed; words of meaning kept in order.

    Memoized: unseen titles recur, and every table key is reduced once at load.
    """
    unescaped = text
    # Twice: scrapers that escape a page's text again leave "&amp;#039;" for an apostrophe.
    for _ in range(2):
        unescaped = html.unescape(_NAMED_ENTITY.sub(lambda m: m.group(0).lower(), unescaped))
    plain = _JOINED.sub("", _TAGS.sub(" ", unescaped))
    key = normalize_key(plain)
    for pattern, replacement in _PHRASES:
        key = pattern.sub(replacement, key)
    words = [_SPELLINGS.get(word, word) for word in key.split()]
    return " ".join(word for word in words if word not in _FILLER)
