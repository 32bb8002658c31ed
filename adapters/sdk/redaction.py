"""Masking a case's identifying values in every text released to a reader without IDENTITY.

Withholding fields by scope is not enough when an agency's own words name the person ("Removal
proceedings have begun for A-Number A201555123"): a reader holding STATUS and DETAILS but not
IDENTITY would read the value the IDENTITY scope protects. Before such a case leaves the
agency, every text in it (the agency's wording, the mapped texts in each language, offices,
hearing details) is scanned and masked:

- the case's identity terms (:class:`~adapters.sdk.records.IdentityTerms` and the subject
  reference): names as whole words, dates of birth in the usual English and Spanish writings,
  numbers whatever the separators between their digit groups;
- anything matching one of the agency's number formats (case numbers of other cases, and the
  identifier formats of its profile), except the case's own number when that number is not an
  identity term (the reader holds it already).

Numbers are masked in the case-number style (``A•••••5123``), names and dates with bullets.
Texts are bounded (:mod:`adapters.sdk.bounds`) before any scan; agency-written number patterns
run on RE2, whose matching time is linear in the text; everything else is plain string search.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import re2  # type: ignore[import-untyped]
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from adapters.sdk.bounds import bounded_text
from adapters.sdk.numbers import NumberFormat
from adapters.sdk.records import CaseRecord
from caseline.v1.masking import MASK, mask_number

__all__ = ["CaseRedactor", "NumberFinder", "PatternError", "fold"]

NAME_MASK = MASK * 3
DATE_MASK = f"{MASK * 2}/{MASK * 2}/{MASK * 4}"
# Short name parts that are common words in English or Spanish texts, not names on their own.
_PARTICLES = frozenset({"al", "bin", "da", "das", "de", "del", "der", "den", "di", "do", "dos",
                        "du", "e", "el", "ibn", "la", "las", "le", "les", "los", "st", "van",
                        "von", "y"})
# Digit groups joined by at most one separator each: "201 555 123", "G-100-24218-604417".
_DIGIT_RUN = re2.compile("[0-9](?:[ \\-./#\u00a0\u2010-\u2015]?[0-9])*")
_WORD = re.compile(r"[^\W_]+")  # linear: one character class, no nesting
_PREFIX_SEPARATORS = " -#\u00a0\u2010\u2011\u2012\u2013\u2014"
_MIN_DIGITS = 5  # fewer digits than this would match dates and amounts, not identifiers
_MONTHS_EN = ("january", "february", "march", "april", "may", "june", "july", "august",
              "september", "october", "november", "december")
_MONTHS_ES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
              "septiembre", "octubre", "noviembre", "diciembre")
# Fields that hold identifiers of the record itself, not text: the case number the caller
# already holds (the gateway masks it where it identifies the person), codes and ids.
_NOT_TEXT = frozenset({
    "caseline.v1.Case.case_number", "caseline.v1.Case.case_type",
    "caseline.v1.CaseEvent.event_id", "caseline.v1.CaseEvent.due_date",
    "caseline.v1.LocalizedText.language", "caseline.v1.Hearing.time_zone",
})
# Texts that come from the agency's tables, the same for every case: their scan is cached.
_TABLE_TEXT = frozenset({
    "caseline.v1.Case.case_type_name", "caseline.v1.LocalizedText.title",
    "caseline.v1.LocalizedText.description", "caseline.v1.LocalizedText.next_step",
})
_STRING = FieldDescriptor.TYPE_STRING
_MESSAGE = FieldDescriptor.TYPE_MESSAGE


class PatternError(ValueError):
    """An agency number format whose pattern RE2 cannot run; names the format."""


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFD", char)
    if len(base) > 1 and all(unicodedata.combining(c) for c in base[1:]):
        char = base[0]
    lowered = char.lower()
    return lowered if len(lowered) == 1 else char


def fold(text: str) -> str:
    """Lower case without accents, one character for each of ``text`` (so positions hold)."""
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(c) for c in text)


def _alone(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is not part of a longer word or number."""
    return ((start == 0 or not text[start - 1].isalnum())
            and (end == len(text) or not text[end].isalnum()))


@dataclass(frozen=True, slots=True)
class _View:
    """What the scans need of one text, worked out once."""

    folded: str
    words: frozenset[str]
    runs: tuple[tuple[int, int, str, tuple[int, ...]], ...]  # start, end, digits, positions
    formats: tuple[tuple[int, int, str], ...]  # start, end, matched text


class NumberFinder:
    """The agency's number formats, compiled for RE2 and searched anywhere in a text."""

    def __init__(self, formats: Iterable[NumberFormat]) -> None:
        self._patterns = []
        for number_format in formats:
            core = number_format.pattern.removeprefix("^").removesuffix("$")
            try:
                self._patterns.append(re2.compile(f"(?i)(?:{core})"))
            except re2.error as exc:
                raise PatternError(f"number format {number_format.name!r}: pattern "
                                   f"{number_format.pattern!r} is not valid for RE2 ({exc}); "
                                   "use RE2 syntax (no look-around or back-references)") from exc

    def find(self, text: str) -> tuple[tuple[int, int, str], ...]:
        """Every match of every format, as (start, end, matched text)."""
        return tuple((m.start(), m.end(), m.group()) for pattern in self._patterns
                     for m in pattern.finditer(text))

    def view(self, text: str) -> _View:
        """The scans' view of ``text`` (which must already be bounded)."""
        folded = fold(text)
        runs = tuple((m.start(), m.end(), *_digits(m.group(), m.start()))
                     for m in _DIGIT_RUN.finditer(text))
        return _View(folded, frozenset(_WORD.findall(folded)), runs, self.find(text))


def _digits(run: str, offset: int) -> tuple[str, tuple[int, ...]]:
    positions = tuple(offset + i for i, c in enumerate(run) if c.isdigit())
    return "".join(c for c in run if c.isdigit()), positions


def _date_forms(day: date) -> list[str]:
    d, m, y = day.day, day.month, day.year
    en, es = _MONTHS_EN[m - 1], _MONTHS_ES[m - 1]
    forms = [f"{day.isoformat()}", f"{y}/{m:02d}/{d:02d}"]
    for dd, mm in ((f"{d:02d}", f"{m:02d}"), (str(d), str(m))):
        for sep in "/-.":
            forms += [f"{mm}{sep}{dd}{sep}{y}", f"{dd}{sep}{mm}{sep}{y}"]
    for month in {en, en[:3], es, es[:3]}:
        for dd in {str(d), f"{d:02d}"}:
            forms += [f"{month} {dd}, {y}", f"{month} {dd} {y}", f"{month}. {dd}, {y}",
                      f"{dd} {month} {y}", f"{dd} {month}, {y}", f"{dd} de {month} de {y}",
                      f"{dd} de {month} del {y}", f"{dd}-{month}-{y}"]
    return list(dict.fromkeys(forms))


def _name_forms(name: str) -> list[str]:
    folded = " ".join(fold(name).split())
    parts = [p for word in folded.split(" ") for p in {word, *word.split("-")}]
    return [folded, *(p for p in parts if len(p) > 1 and p not in _PARTICLES)]


def _identity_numbers(record: CaseRecord) -> list[str]:
    return list(dict.fromkeys(n for n in (record.subject_ref, *record.identity.numbers) if n))


class CaseRedactor:
    """Masks one case's identity values (and anything in the agency's number formats) in
    the texts of its messages."""

    def __init__(self, finder: NumberFinder, record: CaseRecord) -> None:
        self._finder = finder
        numbers = _identity_numbers(record)
        folded_numbers = {fold(n) for n in numbers}
        # The case's own number is the reader's already, unless it identifies the person.
        self._own = "" if fold(record.number) in folded_numbers else fold(record.number)
        # Whole-word forms (folded form, its words, replacement), filed under their first
        # word: a text is searched only for forms whose first word it contains.
        self._forms: dict[str, list[tuple[str, tuple[str, ...], str]]] = {}
        for name in record.identity.names:
            for form in _name_forms(name):
                self._add_form(form, NAME_MASK)
        for born in record.identity.birth_dates:
            for form in _date_forms(born):
                self._add_form(form, DATE_MASK)
        # (digit core, letter prefix, replacement) for numbers, whatever their separators.
        self._cores: list[tuple[str, str, str]] = []
        for number in numbers:
            digits = "".join(c for c in number if c.isdigit())
            prefix = _leading(number)
            if len(digits) >= _MIN_DIGITS:
                for core in dict.fromkeys((digits, digits.lstrip("0"))):
                    if len(core) >= _MIN_DIGITS:
                        self._cores.append((core, prefix, mask_number(number)))
            else:
                self._add_form(fold(number), mask_number(number))

    def _add_form(self, form: str, replacement: str) -> None:
        words = tuple(_WORD.findall(form))
        if words:
            self._forms.setdefault(words[0], []).append((form, words, replacement))

    def text(self, text: str, *, from_table: bool = False) -> str:
        """``text`` bounded, with every identity value and foreign number masked."""
        text = bounded_text(text)
        view = _table_view(self._finder, text) if from_table else self._finder.view(text)
        spans = self._spans(text, view)
        if not spans:
            return text
        return _apply(text, spans)

    def _spans(self, text: str, view: _View) -> list[tuple[int, int, str]]:
        spans: list[tuple[int, int, str]] = []
        folded = view.folded
        for first in self._forms.keys() & view.words:
            for form, words, replacement in self._forms[first]:
                if not all(w in view.words for w in words):
                    continue  # a word of it is missing: it cannot be there
                at = folded.find(form)
                while at >= 0:
                    end = at + len(form)
                    if _alone(folded, at, end):
                        spans.append((at, end, replacement))
                    at = folded.find(form, at + 1)
        for _, _, digits, positions in view.runs:
            for core, prefix, replacement in self._cores:
                at = digits.find(core)
                while at >= 0:
                    start, end = positions[at], positions[at + len(core) - 1] + 1
                    spans.append((_with_prefix(folded, start, prefix), end, replacement))
                    at = digits.find(core, at + 1)
        for start, end, matched in view.formats:
            if fold(matched) != self._own:
                spans.append((start, end, mask_number(matched)))
        return spans

    def message(self, message: Message) -> None:
        """Mask, in place, every text field of ``message`` and the messages inside it."""
        for field, value in message.ListFields():
            if field.type == _STRING and field.full_name not in _NOT_TEXT:
                from_table = field.full_name in _TABLE_TEXT
                if field.is_repeated:
                    value[:] = [self.text(v, from_table=from_table) for v in value]
                else:
                    setattr(message, field.name, self.text(value, from_table=from_table))
            elif field.type == _MESSAGE and _ours(field):
                for inner in (value if field.is_repeated else (value,)):
                    self.message(inner)



def _ours(field: FieldDescriptor) -> bool:
    # Timestamps and other well-known types hold no text.
    return field.message_type is not None and field.message_type.file.package == "caseline.v1"


@lru_cache(maxsize=8192)
def _table_view(finder: NumberFinder, text: str) -> _View:
    return finder.view(text)


def _leading(number: str) -> str:
    """The letters before a number's first digit ("A", "uscis", "g"), folded."""
    first = next((i for i, c in enumerate(number) if c.isdigit()), len(number))
    return fold(number[:first]).rstrip(_PREFIX_SEPARATORS)


def _with_prefix(folded: str, start: int, prefix: str) -> int:
    """Where a number starts when its letter prefix ("A", "A-", "A# ") stands before it."""
    if not prefix:
        return start
    at = start
    while at > 0 and start - at < 2 and folded[at - 1] in _PREFIX_SEPARATORS:
        at -= 1
    begin = at - len(prefix)
    if begin >= 0 and folded[begin:at] == prefix and (begin == 0
                                                      or not folded[begin - 1].isalnum()):
        return begin
    return start


def _apply(text: str, spans: Sequence[tuple[int, int, str]]) -> str:
    """``text`` with each span replaced; overlapping spans merge into the first's mask."""
    out: list[str] = []
    cursor = 0
    ordered = sorted(spans, key=lambda s: (s[0], -s[1]))
    i = 0
    while i < len(ordered):
        start, end, replacement = ordered[i]
        i += 1
        while i < len(ordered) and ordered[i][0] < end:
            end = max(end, ordered[i][1])
            i += 1
        out += [text[cursor:start], replacement]
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
