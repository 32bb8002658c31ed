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
run on RE2, whose matching time is linear in the text; the rest is plain string search and two
fixed expressions that cannot backtrack (a digit class, digit groups).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import re2  # type: ignore[import-untyped]
from google.protobuf.message import Message

from adapters.sdk.bounds import bounded_text
from adapters.sdk.numbers import NumberFormat
from adapters.sdk.records import CaseRecord
from caseline.v1 import case_pb2, vocabulary_pb2
from caseline.v1.lib.masking import MASK, mask_number

__all__ = ["NOT_TEXT", "TEXT_FIELDS", "CaseRedactor", "NumberFinder", "PatternError", "fold"]

NAME_MASK = MASK * 3
DATE_MASK = f"{MASK * 2}/{MASK * 2}/{MASK * 4}"
# Short name parts that are common words in English or Spanish texts, not names on their own.
_PARTICLES = frozenset({"al", "bin", "da", "das", "de", "del", "der", "den", "di", "do", "dos",
                        "du", "e", "el", "ibn", "la", "las", "le", "les", "los", "st", "van",
                        "von", "y"})
# Digit groups joined by at most one separator each: "201 555 123", "G-100-24218-604417".
# Linear on any input: each step consumes a digit, and a separator only before one.
_DIGIT_RUN = re.compile("[0-9](?:[ \\-./#\u00a0\u2010-\u2015]?[0-9])*")
_NOT_DIGITS = re.compile("[^0-9]+")
_WORD = re.compile(r"[^\W_]+")  # one character class repeated: cannot backtrack
_PREFIX_SEPARATORS = " -#\u00a0\u2010\u2011\u2012\u2013\u2014"
_MIN_DIGITS = 5  # fewer digits than this would match dates and amounts, not identifiers
_MONTHS_EN = ("january", "february", "march", "april", "may", "june", "july", "august",
              "september", "october", "november", "december")
_MONTHS_ES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
              "septiembre", "octubre", "noviembre", "diciembre")
# Fields that hold identifiers of the record itself, not text: the case number the caller
# already holds (the gateway masks it where it identifies the person), codes and ids.
NOT_TEXT = frozenset({
    "caseline.v1.Case.case_number", "caseline.v1.Case.case_type",
    "caseline.v1.CaseEvent.event_id", "caseline.v1.CaseEvent.due_date",
    "caseline.v1.LocalizedText.language", "caseline.v1.LocalizedString.language",
    "caseline.v1.Hearing.time_zone", "caseline.v1.RelatedCase.agency_id",
    # The rule premium processing runs under ("8 CFR 106.4"), set by the adapter.
    "caseline.v1.PremiumProcessing.source",
    # Sealing's own, filled in after redaction: key ids, the scheme, sealed fields' paths.
    "caseline.v1.WrappedDataKey.key_id", "caseline.v1.WrappedDataKey.custodian_key_id",
    "caseline.v1.WrappedDataKey.scheme", "caseline.v1.SealedField.path",
})


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
    digits: str  # every digit of the text, in order: no number absent from it is in the text
    formats: tuple[tuple[int, int, str], ...]  # start, end, matched text


class NumberFinder:
    """The agency's number formats, compiled for RE2 and searched anywhere in a text."""

    def __init__(self, formats: Iterable[NumberFormat]) -> None:
        cores = []
        for number_format in formats:
            core = number_format.pattern.removeprefix("^").removesuffix("$")
            try:
                re2.compile(core)
            except re2.error as exc:
                raise PatternError(f"number format {number_format.name!r}: pattern "
                                   f"{number_format.pattern!r} is not valid for RE2 ({exc}); "
                                   "use RE2 syntax (no look-around or back-references)") from exc
            cores.append(f"(?:{core})")
        # One pass over the UTF-8 bytes finds every format: each call into RE2 costs more
        # than the matching itself, and bytes spare it converting offsets.
        self._pattern = (re2.compile(("(?i)" + "|".join(cores)).encode()) if cores else None)

    def find(self, text: str) -> tuple[tuple[int, int, str], ...]:
        """Every match of any format, as (start, end, matched text)."""
        if self._pattern is None:
            return ()
        raw = text.encode()
        found = []
        for match in self._pattern.finditer(raw):
            start, end = match.start(), match.end()
            if not text.isascii():  # byte offsets to character offsets
                start = len(raw[:start].decode(errors="ignore"))
                end = len(raw[:end].decode(errors="ignore"))
            found.append((start, end, text[start:end]))
        return tuple(found)

    def view(self, text: str) -> _View:
        """The scans' view of ``text`` (which must already be bounded)."""
        return _View(fold(text), _NOT_DIGITS.sub("", text), self.find(text))


def _runs(text: str) -> Iterator[tuple[str, Sequence[int]]]:
    """Each run of digit groups in ``text``: its digits and where each digit is."""
    for match in _DIGIT_RUN.finditer(text):
        run, offset = match.group(), match.start()
        if run.isdigit():  # one group: the digits are where the run is
            yield run, range(offset, offset + len(run))
        else:
            positions = tuple(offset + i for i, c in enumerate(run) if c.isdigit())
            yield _NOT_DIGITS.sub("", run), positions


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


_Form = tuple[str, str, str]  # folded form, its mask, its first word


def _forms(values: Iterable[str], replacement: str) -> tuple[_Form, ...]:
    return tuple((form, replacement, words[0]) for form in values
                 if (words := _WORD.findall(form)))


@lru_cache(maxsize=16_384)
def _name_entries(name: str) -> tuple[_Form, ...]:
    return _forms(_name_forms(name), NAME_MASK)


@lru_cache(maxsize=16_384)
def _date_entries(born: date) -> tuple[_Form, ...]:
    return _forms(_date_forms(born), DATE_MASK)


class CaseRedactor:
    """Masks one case's identity values (and anything in the agency's number formats) in
    the texts of its messages.

    Cheap to make (one per case served): the writings of a birth date are searched only in
    a text that contains its year.
    """

    def __init__(self, finder: NumberFinder, record: CaseRecord) -> None:
        self._finder = finder
        numbers = _identity_numbers(record)
        folded_numbers = {fold(n) for n in numbers}
        # The case's own number is the reader's already, unless it identifies the person.
        self._own = "" if fold(record.number) in folded_numbers else fold(record.number)
        # Whole-word forms of names (and of numbers too short to find by their digits).
        self._forms: list[_Form] = []
        for name in record.identity.names:
            self._forms += _name_entries(name)
        self._births: dict[str, list[date]] = {}
        for born in record.identity.birth_dates:
            self._births.setdefault(str(born.year), []).append(born)
        # (digit core, letter prefix, replacement) for numbers, whatever their separators.
        self._cores: list[tuple[str, str, str]] = []
        for number in numbers:
            cores = _number_cores(number)
            if cores:
                self._cores += cores
            else:
                self._forms += _forms((fold(number),), mask_number(number))
        # A text none of whose words begins one of these forms cannot hold one: every form
        # found whole in a text starts with a whole word of it.
        self._first_words = frozenset([*(f[2] for f in self._forms), *self._births])
        self._memo: dict[str, str] = {}

    def text(self, text: str, *, from_table: bool = False) -> str:
        """``text`` bounded, with every identity value and foreign number masked (the same
        object when nothing was)."""
        text = bounded_text(text)
        view = _table_view(self._finder, text)[0] if from_table else self._finder.view(text)
        spans = self._spans(text, view)
        if not spans:
            return text
        return _apply(text, spans)

    def _candidates(self, view: _View) -> list[_Form]:
        forms = self._forms
        for year, births in self._births.items():
            if year in view.folded:  # every writing of a date has its year
                forms = [*forms, *(f for born in births for f in _date_entries(born))]
        return forms

    def _spans(self, text: str, view: _View) -> list[tuple[int, int, str]]:
        spans: list[tuple[int, int, str]] = []
        folded = view.folded
        for form, replacement, _ in self._candidates(view):
            at = folded.find(form)
            while at >= 0:
                end = at + len(form)
                if _alone(folded, at, end):
                    spans.append((at, end, replacement))
                at = folded.find(form, at + 1)
        cores = [c for c in self._cores if c[0] in view.digits]
        if cores:  # rare: only then are the text's digit runs worth finding
            for digits, positions in _runs(text):
                for core, prefix, replacement in cores:
                    at = digits.find(core)
                    while at >= 0:
                        last = at + len(core) - 1
                        # Whole digit groups only: not the tail of a longer number.
                        if ((at == 0 or positions[at - 1] != positions[at] - 1)
                                and (last + 1 == len(digits)
                                     or positions[last + 1] != positions[last] + 1)):
                            start, end = positions[at], positions[last] + 1
                            spans.append((_with_prefix(folded, start, prefix), end,
                                          replacement))
                        at = digits.find(core, at + 1)
        for start, end, matched in view.formats:
            if fold(matched) != self._own:
                spans.append((start, end, mask_number(matched)))
        return spans

    def case(self, case: case_pb2.Case) -> None:
        """Mask, in place, every text of ``case`` and of its events."""
        # Fields are named here rather than found by reflection, several times faster; a
        # test checks these lists against every string field of the contract's messages.
        _mask_field(case, "case_type_name", self._table)
        for name in case.case_type_names:  # the agency's names per language: scanned alike
            _mask_field(name, "text", self._table)
        _mask_field(case, "office", self._table)
        if case.HasField("status"):
            self._status(case.status)
        for event in case.events:
            self.event(event)
        for related in case.related_cases:
            # The person's other cases' numbers are theirs to show, as in any text: masked
            # whole, whichever agency's format they are in.
            related.case_number = mask_number(related.case_number)

    def event(self, event: case_pb2.CaseEvent) -> None:
        """Mask, in place, every text of ``event``."""
        _mask_field(event, "office", self._table)
        if event.HasField("status"):
            self._status(event.status)
        if event.HasField("hearing"):
            hearing = event.hearing
            for name in ("court", "court_address", "judge"):
                _mask_field(hearing, name, self._table)

    def _status(self, status: vocabulary_pb2.Status) -> None:
        _mask_field(status, "agency_code", self._table)
        _mask_field(status, "agency_text", self.text)
        for wording in status.agency_texts:  # the agency's words in its other languages
            _mask_field(wording, "title", self.text)
            _mask_field(wording, "description", self.text)
        for text in status.texts:
            # The mapped texts of one table entry are looked at together: most often none
            # holds a number or a word of the person's, and one check says so.
            title, description, next_step = text.title, text.description, text.next_step
            view, words = _table_view(self._finder, f"{title}\n{description}\n{next_step}")
            if (view.formats or (view.digits and self._cores)
                    or not self._first_words.isdisjoint(words)):
                for name in ("title", "description", "next_step"):
                    _mask_field(text, name, self._table)

    def _table(self, text: str) -> str:
        # Texts from a small set (tables, codes, offices, courts) repeat within a case: each
        # is scanned once per case, and what the scan needs of it once per process.
        done = self._memo.get(text)
        if done is None:
            done = self._memo[text] = self._scan_table(text) if text else text
        return done

    def _scan_table(self, text: str) -> str:
        text = bounded_text(text)
        view, words = _table_view(self._finder, text)
        # Most table texts hold no number and none of the person's words: say so quickly.
        if (not view.formats and not (view.digits and self._cores)
                and self._first_words.isdisjoint(words)):
            return text
        return self.text(text, from_table=True)


# Every string field of the messages a case is released in, by what the redactor does with
# it: scanned (TEXT_FIELDS) or left as it is (keys and codes, NOT_TEXT).
TEXT_FIELDS = frozenset({
    "caseline.v1.Case.case_type_name", "caseline.v1.Case.office",
    "caseline.v1.CaseEvent.office", "caseline.v1.Status.agency_code",
    "caseline.v1.Status.agency_text", "caseline.v1.LocalizedText.title",
    "caseline.v1.LocalizedText.description", "caseline.v1.LocalizedText.next_step",
    "caseline.v1.Hearing.court", "caseline.v1.Hearing.court_address",
    "caseline.v1.Hearing.judge", "caseline.v1.LocalizedString.text",
    "caseline.v1.RelatedCase.case_number",  # masked whole (another case of the person)
})


@lru_cache(maxsize=8192)
def _table_view(finder: NumberFinder, text: str) -> tuple[_View, frozenset[str]]:
    view = finder.view(text)
    return view, frozenset(_WORD.findall(view.folded))


@lru_cache(maxsize=16_384)
def _number_cores(number: str) -> tuple[tuple[str, str, str], ...]:
    """(digit core, letter prefix, mask) to find ``number`` by, whatever separates its digit
    groups; empty when it has too few digits to be told from a date or an amount."""
    digits = _NOT_DIGITS.sub("", number)
    if len(digits) < _MIN_DIGITS:
        return ()
    prefix, masked = _leading(number), mask_number(number)
    return tuple((core, prefix, masked) for core in dict.fromkeys((digits, digits.lstrip("0")))
                 if len(core) >= _MIN_DIGITS)


def _mask_field(message: Message, name: str, mask: Callable[[str], str]) -> None:
    # Setting a field costs more than reading it: only what changed is written back.
    value = getattr(message, name)
    if value:
        masked = mask(value)
        if masked != value:
            setattr(message, name, masked)


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
