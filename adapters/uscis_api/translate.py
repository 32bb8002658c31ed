"""The API's answers as the SDK's records: plain text, times, the current status.

A ``GET /case-status/{receiptNumber}`` answer is ``{"case_status": {...}, "message": ...}``
with ``receiptNumber``, ``formType``, ``submittedDate`` and ``modifiedDate``
(``MM-DD-YYYY HH:MM:SS``), ``current_case_status_text_en``/``_es`` (the title, the code
the immigration mapping table is keyed on), ``current_case_status_desc_en``/``_es`` (a
paragraph that may hold HTML) and ``hist_case_status`` (a list of ``{date,
completed_text_en, completed_text_es}``, dates ``YYYY-MM-DD``, or null). Real answers omit
what they lack: IOE receipts come without dates, unknown receipts with every field empty.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import nh3

from adapters.immigration.numbers import PREFIXES
from adapters.sdk.records import AgencyWording, CaseRecord, EventRecord

__all__ = ["ApiCase", "HistoryEntry", "parse_case_status", "parse_time", "plain_text",
           "to_record"]

# USCIS's times carry no zone; its systems and notices keep Eastern time.
USCIS_ZONE = ZoneInfo("America/New_York")
_TIME_FORMATS = ("%m-%d-%Y %H:%M:%S", "%m-%d-%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")
MAX_RAW_TEXT = 20_000  # longer fields are cut before any parsing (real ones are < 2,000)
MAX_HISTORY = 200
_SHORT = 64  # form types, receipt numbers, dates
# Tags that separate words when shown (a line break, a paragraph): they become a space, so
# "approved.<br>Next" does not read "approved.Next" once the markup is gone.
_BREAKS = re.compile(r"<\s*/?\s*(?:br|p|div|li|ul|ol|h[1-6]|tr|td|th|table|title|body)\b[^<>]*>",
                     re.IGNORECASE)


def plain_text(raw: object, limit: int = MAX_RAW_TEXT) -> str:
    """``raw`` as one line of plain text: markup removed by nh3 (script and style with
    their content), entities decoded, whitespace collapsed; "" for anything not a string.

    Decoding can reveal markup that was escaped (``&lt;b&gt;``), so cleaning repeats until
    nothing changes: what leaves is text, never markup.
    """
    if not isinstance(raw, str):
        return ""
    text = raw[:limit]
    for _ in range(4):
        cleaned = html.unescape(nh3.clean(_BREAKS.sub(" ", text), tags=set()))
        if cleaned == text:
            break
        text = cleaned
    else:  # escaped over and over: keep the escaped form rather than risk markup
        text = nh3.clean(text, tags=set()).replace("<", "").replace(">", "")
    return " ".join(text.split())


def parse_time(raw: object) -> datetime | None:
    """A USCIS date or date-time (Eastern time) in UTC; None when absent or unreadable."""
    text = plain_text(raw, _SHORT)
    for form in _TIME_FORMATS:
        try:
            local = datetime.strptime(text, form)
        except ValueError:
            continue
        return local.replace(tzinfo=USCIS_ZONE).astimezone(UTC)
    return None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One past step of ``hist_case_status``."""

    at: datetime | None
    text_en: str
    text_es: str


@dataclass(frozen=True, slots=True)
class ApiCase:
    """One answer of the API, as plain text and UTC times."""

    receipt_number: str
    form_type: str
    submitted: datetime | None
    modified: datetime | None
    title_en: str
    title_es: str
    description_en: str
    description_es: str
    history: tuple[HistoryEntry, ...]

    @property
    def found(self) -> bool:
        """Whether USCIS knows the case: it answers unknown receipts with empty fields."""
        return bool(self.title_en)


def _history(raw: object) -> tuple[HistoryEntry, ...]:
    if not isinstance(raw, list):  # null, absent, or not a list: no history
        return ()
    entries = [HistoryEntry(parse_time(item.get("date")), plain_text(item.get(
                   "completed_text_en")), plain_text(item.get("completed_text_es")))
               for item in raw[:MAX_HISTORY] if isinstance(item, Mapping)]
    return tuple(e for e in entries if e.text_en or e.text_es)


def parse_case_status(body: Mapping[str, object], requested: str) -> ApiCase:
    """The ``case_status`` object of an answer (already checked to be a JSON object)."""
    return ApiCase(
        receipt_number=plain_text(body.get("receiptNumber"), _SHORT) or requested,
        form_type=plain_text(body.get("formType"), _SHORT),
        submitted=parse_time(body.get("submittedDate")),
        modified=parse_time(body.get("modifiedDate")),
        title_en=plain_text(body.get("current_case_status_text_en"), 500),
        title_es=plain_text(body.get("current_case_status_text_es"), 500),
        description_en=plain_text(body.get("current_case_status_desc_en")),
        description_es=plain_text(body.get("current_case_status_desc_es")),
        history=_history(body.get("hist_case_status")),
    )


def to_record(number: str, case: ApiCase, observed_at: datetime) -> CaseRecord:
    """The case as the SDK serves it: its current status as the one event.

    The status's time is ``modifiedDate``, else the newest dated history step, else
    ``submittedDate``; with none of them (IOE receipts) it is ``observed_at``, when the
    bridge first saw this status. The case opened at ``submittedDate``, else its first dated
    step, else with its status. USCIS's Spanish title and description, when it gives them,
    travel as the event's "es" wording.
    """
    dated = sorted(e.at for e in case.history if e.at is not None)
    occurred = case.modified or (dated[-1] if dated else None) or case.submitted \
        or observed_at
    opened = case.submitted or (dated[0] if dated else None) or occurred
    office = PREFIXES.get(number[:3], "")
    # USCIS words its statuses in Spanish too: carried beside the English (sealed like it).
    spanish = ((AgencyWording("es", case.title_es, case.description_es or case.title_es),)
               if case.title_es or case.description_es else ())
    event = EventRecord(occurred_at=occurred, code=case.title_en,
                        text=case.description_en or case.title_en, office=office,
                        wordings=spanish)
    return CaseRecord(number=number, case_type=case.form_type, office=office, subject_ref="",
                      access_code="", events=(event,), opened_at=opened)
