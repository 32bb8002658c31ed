"""One EOIR history being generated: the court's calendar and clock, and the events it emits.

Speed matters (a store holds millions of generated cases): dates are day ordinals, times are
minutes, and dates, datetimes, texts and UTC offsets come from tables built once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from adapters.courts import synthetic_texts as texts
from adapters.courts.facts import COURTS, Court
from adapters.courts.synthetic_data import JUDGES
from adapters.reference.synthetic import long_date, next_weekday
from adapters.sdk.records import EventRecord, HearingRecord

__all__ = ["BASE_ORD", "DATE_TEXT", "CaseInProgress", "ReachedToday", "today_ordinal",
           "with_due"]

BASE_ORD = date(2000, 1, 1).toordinal()
_LAST_ORD = date(2050, 12, 31).toordinal()
_DATES: list[date] = [date.fromordinal(o) for o in range(BASE_ORD, _LAST_ORD + 1)]
DATE_TEXT: list[str] = [long_date(d) for d in _DATES]
_MIDNIGHT: list[datetime] = [datetime(d.year, d.month, d.day, tzinfo=UTC) for d in _DATES]
# Two days of minutes: a time late in a court's afternoon can fall on the next UTC day.
_MINUTE: list[timedelta] = [timedelta(minutes=m) for m in range(2880)]
_TIME_TEXT: list[str] = [
    f"{(m // 60 - 1) % 12 + 1}:{m % 60:02d} {'AM' if m < 720 else 'PM'}" for m in range(1440)
]

_ZONE_NAMES: tuple[str, ...] = tuple(sorted({court.zone for court in COURTS}))
_ZONES: tuple[ZoneInfo, ...] = tuple(ZoneInfo(name) for name in _ZONE_NAMES)
_COURT_ZONE: dict[str, int] = {court.name: _ZONE_NAMES.index(court.zone) for court in COURTS}
_OFFSETS: dict[int, int] = {}


def today_ordinal(today: date) -> int:
    """``today`` as an ordinal, or ValueError when the calendar tables do not reach it."""
    o = today.toordinal()
    if not BASE_ORD + 4000 <= o <= _LAST_ORD - 2000:
        raise ValueError(f"today {today} is outside the generator's calendar (2011-2045)")
    return o


def with_due(event: EventRecord, due: int) -> EventRecord:
    """``event`` with a due date on day ``due``."""
    return EventRecord(event.occurred_at, event.code, event.text, _DATES[due - BASE_ORD],
                       event.office, event.hearing)


def _utc_offset(zone: int, o: int) -> int:
    """Minutes the court's zone is ahead of UTC on day ``o`` (negative in the U.S.)."""
    key = (zone << 20) | o
    offset = _OFFSETS.get(key)
    if offset is None:
        # Noon local is far from the 2 a.m. DST switch, so it gives the day's court-hours offset.
        d = _DATES[o - BASE_ORD]
        delta = datetime(d.year, d.month, d.day, 12, tzinfo=_ZONES[zone]).utcoffset()
        offset = int(delta.total_seconds()) // 60 if delta is not None else 0
        _OFFSETS[key] = offset
    return offset


class ReachedToday(Exception):
    """The history reached today: the next event would be in the future."""


class CaseInProgress:
    """Mutable state of one history being generated; events are appended in time order."""

    __slots__ = ("anum", "court", "detained", "events", "judge", "kind", "last", "rand",
                 "relief", "reopened", "scale", "today", "zone")

    def __init__(self, rand: Callable[[], float], today: int, anum: str, court: Court,
                 detained: bool, kind: str) -> None:
        self.rand = rand
        self.today = today
        self.anum = anum
        self.kind = kind
        self.detained = detained
        # Detained dockets move in weeks, not years.
        self.scale = 0.08 if detained else 1.0
        self.events: list[EventRecord] = []
        self.last = 0
        self.relief = ""
        self.reopened = False
        self.court = court
        self.zone = _COURT_ZONE[court.name]
        judges = JUDGES[court.name]
        self.judge = judges[int(rand() * len(judges))]

    def move_to(self, court: Court) -> None:
        """The case changes venue: a new court, zone and judge."""
        self.court = court
        self.zone = _COURT_ZONE[court.name]
        judges = JUDGES[court.name]
        self.judge = judges[int(self.rand() * len(judges))]

    def days(self, low: int, spread: float) -> int:
        """A wait of ``low`` days plus a random share of ``spread`` (shorter when detained)."""
        return low + int(self.rand() * spread * self.scale)

    def emit(self, o: int, code: str, text: str, due: int = 0, minute: int = -1,
             office: str = "", hearing: HearingRecord | None = None) -> int:
        """Append an event on day ``o`` (at ``minute`` UTC, else office hours); returns its day."""
        if minute < 0:
            minute = 780 + int(self.rand() * 480)
        t = o * 1440 + minute
        if t <= self.last:
            t = self.last + 1 + int(self.rand() * 15)
        day = t // 1440
        if day > self.today:
            raise ReachedToday
        self.last = t
        self.events.append(EventRecord(
            _MIDNIGHT[day - BASE_ORD] + _MINUTE[t - day * 1440], code, text,
            _DATES[due - BASE_ORD] if due else None, office or self.court.name, hearing))
        return day

    def medium(self) -> str:
        """How a hearing is held: detained dockets mostly by video."""
        r = self.rand()
        if self.detained:
            return "VIDEO" if r < 0.75 else "IN_PERSON"
        return "IN_PERSON" if r < 0.78 else ("VIDEO" if r < 0.97 else "TELEPHONIC")

    def hearing(self, htype: str, o: int, slots: tuple[int, ...],
                medium: str = "") -> tuple[HearingRecord, int, int, str]:
        """A hearing on the first weekday from ``o``: record, day, UTC minute stamp, text."""
        o = next_weekday(o)
        local = slots[int(self.rand() * len(slots))]
        utc_minute = local - _utc_offset(self.zone, o)
        court = self.court
        record = HearingRecord(
            htype, medium or self.medium(), _MIDNIGHT[o - BASE_ORD] + _MINUTE[utc_minute],
            _ZONE_NAMES[self.zone], court.name, court.address, self.judge)
        when = f"{DATE_TEXT[o - BASE_ORD]} at {_TIME_TEXT[local]}"
        return record, o, o * 1440 + utc_minute, when

    def schedule(self, code: str, kind: str, notice: int, record: HearingRecord, o: int,
                 when: str, old: int = 0) -> None:
        """Emit a hearing notice (scheduled or rescheduled) for ``record`` on day ``o``."""
        court = self.court
        text = texts.NOTICES[code].format(
            kind=texts.HEARING_KINDS[kind], when=when, j=self.judge, court=court.name,
            addr=court.address, medium=texts.MEDIUM_TEXT[record.medium],
            old=DATE_TEXT[old - BASE_ORD] if old else "")
        self.emit(notice, code, text, due=o, hearing=record)

    def at_hearing(self, t: int, code: str, text: str, due: int = 0,
                   hearing: HearingRecord | None = None) -> int:
        """Emit an event during or right after a hearing that starts at UTC minute stamp ``t``."""
        t += 30 + int(self.rand() * 150)
        return self.emit(t // 1440, code, text, due=due, minute=t % 1440, hearing=hearing)

    def notice(self, o: int, code: str, **fields: str) -> int:
        """Emit the court's notice for ``code`` on day ``o``; returns its day."""
        court = self.court
        return self.emit(o, code, texts.NOTICES[code].format(
            d=DATE_TEXT[o - BASE_ORD], j=self.judge, court=court.name, **fields))

    def decide(self, o: int, code: str, t: int = 0, due: int = 0, office: str = "",
               **fields: str) -> int:
        """Emit a decision on day ``o`` (at hearing stamp ``t`` when decided from the bench)."""
        text = texts.DECISIONS[code].format(
            d=DATE_TEXT[o - BASE_ORD], j=self.judge, court=self.court.name,
            due=DATE_TEXT[due - BASE_ORD] if due else "", **fields)
        if t:
            return self.at_hearing(t, code, text, due=due)
        return self.emit(o, code, text, due=due, office=office)
