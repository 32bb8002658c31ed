"""Deterministic, fast generator of EOIR case histories (immigration courts and the BIA).

Processes follow EOIR's: a charging document (Notice to Appear, or a Notice of Referral for
limited proceedings) opens the case; master calendar hearings months apart are adjourned and
reset; an individual hearing follows, often a year or more later; the judge decides; a party
may appeal to the Board of Immigration Appeals (briefing schedule, briefs, decision months
later) and then petition a federal court of appeals. Bond and fear-review cases run in days.

Speed matters (``generate_case`` runs millions of times): dates are day ordinals, times are
minutes, and dates, datetimes, texts and UTC offsets come from tables built once.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from adapters.courts import synthetic_texts as texts
from adapters.courts.directory import (
    ADJOURNMENT_REASONS,
    APPEAL_REJECTION_REASONS,
    BIA_NAME,
    COURTS,
    DETAINED_COURTS,
    FILING_DOCUMENTS,
    FIRST_MASTER_REASONS,
    NON_DETAINED_COURTS,
    PERSONA_COURT,
    RELIEF_FORMS,
    Court,
)
from adapters.reference.people import PERSONAS, generated_identity, persona_records
from adapters.sdk.records import CaseRecord, EventRecord, HearingRecord

__all__ = ["CASE_TYPES", "generate_case", "persona_cases", "program_of"]

CASE_TYPES: dict[str, str] = {
    "REMOVAL": "Removal Proceedings",
    "BOND": "Bond (Custody Redetermination) Proceedings",
    "ASYLUM_ONLY": "Asylum-Only Proceedings",
    "WITHHOLDING_ONLY": "Withholding-Only Proceedings",
    "CREDIBLE_FEAR_REVIEW": "Credible Fear Review",
    "REASONABLE_FEAR_REVIEW": "Reasonable Fear Review",
}

PERSONA_NUMBER = "A201555123"
PERSONA_ACCESS_CODE = "H4TZ-9QMB-2WKE"
# Generated A-numbers come from their own block, so they never collide with a persona's.
GENERATED_BASE = 300_000_000
MAX_SERIAL = 9_999_999

_BASE_ORD = date(2000, 1, 1).toordinal()
_LAST_ORD = date(2050, 12, 31).toordinal()
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_DATES: list[date] = [date.fromordinal(o) for o in range(_BASE_ORD, _LAST_ORD + 1)]
_DATE_TEXT: list[str] = [f"{_MONTHS[d.month - 1]} {d.day}, {d.year}" for d in _DATES]
_MIDNIGHT: list[datetime] = [datetime(d.year, d.month, d.day, tzinfo=UTC) for d in _DATES]
# Two days of minutes: a time late in a court's afternoon can fall on the next UTC day.
_MINUTE: list[timedelta] = [timedelta(minutes=m) for m in range(2880)]
_TIME_TEXT: list[str] = [
    f"{(m // 60 - 1) % 12 + 1}:{m % 60:02d} {'AM' if m < 720 else 'PM'}" for m in range(1440)
]
# Days to add to reach a weekday (courts do not sit or mail on weekends): Saturday +2, Sunday +1.
_TO_WEEKDAY = (0, 0, 0, 0, 0, 2, 1)
_TO_PRIOR_WEEKDAY = (0, 0, 0, 0, 0, -1, -2)

_ZONE_NAMES: tuple[str, ...] = tuple(sorted({court.zone for court in COURTS}))
_ZONES: tuple[ZoneInfo, ...] = tuple(ZoneInfo(name) for name in _ZONE_NAMES)
_COURT_ZONE: dict[str, int] = {court.name: _ZONE_NAMES.index(court.zone) for court in COURTS}
_OFFSETS: dict[int, int] = {}

# Local start times (minutes after midnight) EOIR calendars use; all within 8:00-15:00.
_MASTER_SLOTS = (510, 540, 570, 600, 630, 780, 810, 840)
_INDIVIDUAL_SLOTS = (510, 540, 780, 810)
_BOND_SLOTS = (480, 510, 540, 600, 660, 780, 840, 900)
_ACCESS_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_ACCESS_PAIRS: list[str] = [a + b for a in _ACCESS_ALPHABET for b in _ACCESS_ALPHABET]

# Decision tables: (cumulative probability, code); the last row catches the remainder.
_ASYLUM_DECISIONS = ((0.28, "ASYLUM GRANTED"), (0.33, "WITHHOLDING OF REMOVAL GRANTED"),
                     (0.35, "CAT PROTECTION GRANTED"), (0.80, "REMOVAL ORDERED"),
                     (0.88, "VOLUNTARY DEPARTURE GRANTED"), (0.92, "PROCEEDINGS TERMINATED"),
                     (0.96, "ADMINISTRATIVELY CLOSED"), (1.0, "DISMISSED"))
_FORM_DECISIONS = ((0.45, ""), (0.80, "REMOVAL ORDERED"), (0.95, "VOLUNTARY DEPARTURE GRANTED"),
                   (1.0, "PROCEEDINGS TERMINATED"))
_NO_RELIEF_DECISIONS = ((0.55, "REMOVAL ORDERED"), (0.90, "VOLUNTARY DEPARTURE GRANTED"),
                        (1.0, "PROCEEDINGS TERMINATED"))
_ASYLUM_ONLY_DECISIONS = ((0.25, "ASYLUM GRANTED"), (0.31, "WITHHOLDING OF REMOVAL GRANTED"),
                          (0.34, "CAT PROTECTION GRANTED"), (1.0, "APPLICATION FOR RELIEF DENIED"))
_WITHHOLDING_ONLY_DECISIONS = ((0.12, "WITHHOLDING OF REMOVAL GRANTED"),
                               (0.18, "CAT PROTECTION GRANTED"),
                               (1.0, "APPLICATION FOR RELIEF DENIED"))
_GRANTS = frozenset({"RELIEF GRANTED", "ASYLUM GRANTED", "WITHHOLDING OF REMOVAL GRANTED",
                     "CAT PROTECTION GRANTED", "CANCELLATION OF REMOVAL GRANTED",
                     "ADJUSTMENT OF STATUS GRANTED"})
_BIA_DECISIONS = ((0.62, "BIA DECISION: APPEAL DISMISSED"),
                  (0.68, "BIA DECISION: AFFIRMED WITHOUT OPINION"),
                  (0.76, "BIA DECISION: APPEAL SUSTAINED"), (0.91, "BIA DECISION: REMANDED"),
                  (0.96, "APPEAL WITHDRAWN"),
                  (1.0, "BIA DECISION: APPEAL ADMINISTRATIVELY CLOSED"))
_DHS_BIA_DECISIONS = ((0.70, "BIA DECISION: DHS APPEAL DISMISSED"),
                      (0.85, "BIA DECISION: DHS APPEAL SUSTAINED"),
                      (1.0, "BIA DECISION: REMANDED"))
_BOND_BIA_DECISIONS = ((0.75, "BIA DECISION: APPEAL DISMISSED"),
                       (0.90, "BIA DECISION: APPEAL SUSTAINED"), (1.0, "APPEAL WITHDRAWN"))
_FINAL_ADVERSE = frozenset({"BIA DECISION: APPEAL DISMISSED", "BIA DECISION: SUMMARILY DISMISSED",
                            "BIA DECISION: AFFIRMED WITHOUT OPINION",
                            "BIA DECISION: DHS APPEAL SUSTAINED"})
_BOND_AMOUNTS = (1500, 3000, 5000, 7500, 10000, 12500, 15000, 20000, 25000)
_CASE_TYPE_TABLE = ((0.78, "REMOVAL"), (0.87, "BOND"), (0.89, "ASYLUM_ONLY"),
                    (0.93, "WITHHOLDING_ONLY"), (0.98, "CREDIBLE_FEAR_REVIEW"),
                    (1.0, "REASONABLE_FEAR_REVIEW"))


def program_of(case_type: str) -> str | None:
    """EOIR codes mean the same in every proceeding type, so the table is not program-qualified."""
    return None


def _pick(table: tuple[tuple[float, str], ...], r: float) -> str:
    for cumulative, value in table:
        if r < cumulative:
            return value
    return table[-1][1]


def _weekday(o: int) -> int:
    return o + _TO_WEEKDAY[(o - 1) % 7]


def _utc_offset(zone: int, o: int) -> int:
    """Minutes the court's zone is ahead of UTC on day ``o`` (negative in the U.S.)."""
    key = (zone << 20) | o
    offset = _OFFSETS.get(key)
    if offset is None:
        # Noon local is far from the 2 a.m. DST switch, so it gives the day's court-hours offset.
        d = _DATES[o - _BASE_ORD]
        delta = datetime(d.year, d.month, d.day, 12, tzinfo=_ZONES[zone]).utcoffset()
        offset = int(delta.total_seconds()) // 60 if delta is not None else 0
        _OFFSETS[key] = offset
    return offset


def _access_code(bits: int) -> str:
    pairs = _ACCESS_PAIRS
    return (f"{pairs[bits >> 50 & 1023]}{pairs[bits >> 40 & 1023]}-"
            f"{pairs[bits >> 30 & 1023]}{pairs[bits >> 20 & 1023]}-"
            f"{pairs[bits >> 10 & 1023]}{pairs[bits & 1023]}")


class _Done(Exception):
    """The history reached today: the next event would be in the future."""


class _Case:
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
        self.judge = court.judges[int(rand() * len(court.judges))]

    def move_to(self, court: Court) -> None:
        self.court = court
        self.zone = _COURT_ZONE[court.name]
        self.judge = court.judges[int(self.rand() * len(court.judges))]

    def days(self, low: int, spread: float) -> int:
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
            raise _Done
        self.last = t
        self.events.append(EventRecord(
            _MIDNIGHT[day - _BASE_ORD] + _MINUTE[t - day * 1440], code, text,
            _DATES[due - _BASE_ORD] if due else None, office or self.court.name, hearing))
        return day

    def medium(self) -> str:
        r = self.rand()
        if self.detained:
            return "VIDEO" if r < 0.75 else "IN_PERSON"
        return "IN_PERSON" if r < 0.78 else ("VIDEO" if r < 0.97 else "TELEPHONIC")

    def hearing(self, htype: str, o: int, slots: tuple[int, ...],
                medium: str = "") -> tuple[HearingRecord, int, int, str]:
        """A hearing on the first weekday from ``o``: record, day, UTC minute stamp, text."""
        o = _weekday(o)
        local = slots[int(self.rand() * len(slots))]
        utc_minute = local - _utc_offset(self.zone, o)
        court = self.court
        record = HearingRecord(
            htype, medium or self.medium(), _MIDNIGHT[o - _BASE_ORD] + _MINUTE[utc_minute],
            _ZONE_NAMES[self.zone], court.name, court.address, self.judge)
        when = f"{_DATE_TEXT[o - _BASE_ORD]} at {_TIME_TEXT[local]}"
        return record, o, o * 1440 + utc_minute, when

    def schedule(self, code: str, kind: str, notice: int, record: HearingRecord, o: int,
                 when: str, old: int = 0) -> None:
        """Emit a hearing notice (scheduled or rescheduled) for ``record`` on day ``o``."""
        court = self.court
        text = texts.NOTICES[code].format(
            kind=texts.HEARING_KINDS[kind], when=when, j=self.judge, court=court.name,
            addr=court.address, medium=texts.MEDIUM_TEXT[record.medium],
            old=_DATE_TEXT[old - _BASE_ORD] if old else "")
        self.emit(notice, code, text, due=o, hearing=record)

    def at_hearing(self, t: int, code: str, text: str, due: int = 0,
                   hearing: HearingRecord | None = None) -> int:
        """Emit an event during or right after a hearing that starts at UTC minute stamp ``t``."""
        t += 30 + int(self.rand() * 150)
        return self.emit(t // 1440, code, text, due=due, minute=t % 1440, hearing=hearing)

    def notice(self, o: int, code: str, **fields: str) -> int:
        court = self.court
        return self.emit(o, code, texts.NOTICES[code].format(
            d=_DATE_TEXT[o - _BASE_ORD], j=self.judge, court=court.name, **fields))

    def decide(self, o: int, code: str, t: int = 0, due: int = 0, office: str = "",
               **fields: str) -> int:
        """Emit a decision on day ``o`` (at hearing stamp ``t`` when decided from the bench)."""
        text = texts.DECISIONS[code].format(
            d=_DATE_TEXT[o - _BASE_ORD], j=self.judge, court=self.court.name,
            due=_DATE_TEXT[due - _BASE_ORD] if due else "", **fields)
        if t:
            return self.at_hearing(t, code, text, due=due)
        return self.emit(o, code, text, due=due, office=office)


def _kind_of(htype: str) -> str:
    return texts.HEARING_KINDS[htype]


def _held(c: _Case, htype: str, record: HearingRecord, o: int, t: int, reason: str = "") -> int:
    """Emit that the hearing took place; adjourned when a ``reason`` is given."""
    d = _DATE_TEXT[o - _BASE_ORD]
    if reason:
        text = texts.NOTICES["HEARING ADJOURNED"].format(
            kind=_kind_of(htype), d=d, j=c.judge, reason=reason)
        return c.at_hearing(t, "HEARING ADJOURNED", text, hearing=record)
    key = "PLEADINGS TAKEN" if htype == "MASTER" else "HEARING COMPLETED"
    text = texts.NOTICES[key].format(kind=_kind_of(htype), d=d, j=c.judge)
    return c.at_hearing(t, "HEARING COMPLETED", text, hearing=record)


def _set_hearing(c: _Case, code: str, htype: str, notice: int, o: int,
                 slots: tuple[int, ...]) -> tuple[HearingRecord, int, int]:
    """Schedule a hearing, with the court sometimes moving or cancelling it before the day."""
    record, o, t, when = c.hearing(htype, o, slots)
    c.schedule(code, htype, notice, record, o, when)
    r = c.rand()
    if r < 0.14 and o - notice > 20:
        # Court-initiated reset or cancellation, announced some weeks before the hearing.
        change = notice + int((o - notice) * (0.3 + 0.6 * c.rand()))
        old = o
        if r < 0.04:
            text = texts.NOTICES["HEARING CANCELLED"].format(
                kind=_kind_of(htype), old=_DATE_TEXT[old - _BASE_ORD])
            c.emit(change, "HEARING CANCELLED", text, hearing=record)
            change += c.days(10, 60)
            record, o, t, when = c.hearing(htype, old + c.days(30, 200), slots, record.medium)
            c.schedule(code, htype, change, record, o, when)
        else:
            record, o, t, when = c.hearing(htype, old + c.days(20, 240), slots, record.medium)
            c.schedule("HEARING RESCHEDULED", htype, change, record, o, when, old=old)
    # A hearing on today or later has not happened yet: the history ends with the notice.
    if o >= c.today:
        raise _Done
    return record, o, t


def _file_relief(c: _Case, o: int) -> None:
    if c.relief == "asylum":
        c.notice(o, "ASYLUM APPLICATION FILED")
        if c.rand() < 0.7:
            c.notice(o, "BIOMETRICS INSTRUCTIONS PROVIDED")
    elif c.relief:
        c.notice(o, "APPLICATION FOR RELIEF FILED", form=c.relief)


def _absentia(c: _Case, htype: str, o: int, t: int) -> None:
    c.decide(o, "IN ABSENTIA REMOVAL ORDER", t=t, due=_weekday(o + 180), kind=_kind_of(htype))
    if c.rand() >= 0.2 or c.reopened:
        return
    filed = c.notice(o + c.days(20, 150), "MOTION TO REOPEN FILED")
    if c.rand() < 0.3:
        code = "STAY OF REMOVAL GRANTED" if c.rand() < 0.6 else "STAY OF REMOVAL DENIED"
        c.notice(filed + 2 + int(c.rand() * 8), code)
    decided = _weekday(filed + 20 + int(c.rand() * 120))
    if c.rand() < 0.55:
        c.notice(decided, "MOTION TO REOPEN GRANTED")
        c.reopened = True
        back = c.notice(decided + 3 + int(c.rand() * 30), "CASE RECALENDARED")
        _proceedings(c, back)
    else:
        due = decided + 30
        c.notice(decided, "MOTION TO REOPEN DENIED", due=_DATE_TEXT[due - _BASE_ORD])
        c.events[-1] = _with_due(c.events[-1], due)
        if c.rand() < 0.2:
            _appeal(c, decided, dhs=False)


def _with_due(event: EventRecord, due: int) -> EventRecord:
    return EventRecord(event.occurred_at, event.code, event.text, _DATES[due - _BASE_ORD],
                       event.office, event.hearing)


def _masters(c: _Case, start: int, count: int) -> int:
    """Master calendar hearings; the day the individual hearing was set, or 0 if the case ended."""
    notice = start + c.days(3, 40)
    planned = notice + c.days(30, 330)
    removal = c.kind == "REMOVAL"
    for i in range(count):
        record, o, t = _set_hearing(c, "MASTER HEARING SCHEDULED", "MASTER", notice, planned,
                                    _MASTER_SLOTS)
        r = c.rand()
        if r < 0.09:
            if c.rand() < 0.3:
                c.notice(o - c.days(5, 40), "HEARING NOTICE RETURNED UNDELIVERABLE")
            _absentia(c, "MASTER", o, t)
            return 0
        if removal and r < 0.19:
            _held(c, "MASTER", record, o, t)
            _early_end(c, o, t, r)
            return 0
        if i == count - 1:
            _held(c, "MASTER", record, o, t)
            if c.relief:
                _file_relief(c, o)
            return o
        reason_pool = FIRST_MASTER_REASONS if i == 0 else ADJOURNMENT_REASONS
        reason = reason_pool[int(c.rand() * len(reason_pool))]
        _held(c, "MASTER", record, o, t, reason)
        notice, planned = o, o + c.days(45, 200)
        if reason is ADJOURNMENT_REASONS[0] and c.rand() < 0.6:
            c.notice(o + c.days(10, 60), "REPRESENTATIVE ENTERED APPEARANCE")
        elif c.rand() < 0.08:
            c.notice(o + c.days(10, 90), "CHANGE OF ADDRESS RECEIVED")
        if removal and not c.detained and c.rand() < 0.04:
            notice = _change_venue(c, o)
            planned = notice + c.days(40, 200)
    return 0


def _early_end(c: _Case, o: int, t: int, r: float) -> None:
    """A removal case ending at a master hearing: termination, closure or early departure."""
    if r < 0.12:
        c.decide(o, "PROCEEDINGS TERMINATED", t=t)
    elif r < 0.14:
        c.decide(o, "DISMISSED", t=t)
    elif r < 0.17:
        decided = c.decide(o, "ADMINISTRATIVELY CLOSED", t=t)
        if c.rand() < 0.35 and not c.reopened:
            c.reopened = True
            back = c.notice(decided + 300 + int(c.rand() * 1100), "CASE RECALENDARED")
            _proceedings(c, back)
    else:
        # Voluntary departure granted before the case concludes allows up to 120 days.
        c.decide(o, "VOLUNTARY DEPARTURE GRANTED", t=t, due=_weekday(o + 120))


def _change_venue(c: _Case, o: int) -> int:
    others = [court for court in NON_DETAINED_COURTS if court is not c.court]
    target = others[int(c.rand() * len(others))]
    filed = c.notice(o + c.days(15, 60), "MOTION TO CHANGE VENUE FILED", new_court=target.name)
    decided = filed + 7 + int(c.rand() * 30)
    if c.rand() < 0.2:
        c.notice(decided, "CHANGE OF VENUE DENIED")
        return decided
    c.notice(decided, "CHANGE OF VENUE GRANTED", new_court=target.name, new_addr=target.address)
    c.move_to(target)
    return decided + c.days(20, 60)


def _individual(c: _Case, set_on: int, table: tuple[tuple[float, str], ...]) -> None:
    record, o, t, when = c.hearing("INDIVIDUAL", set_on + c.days(120, 600), _INDIVIDUAL_SLOTS)
    if c.rand() < 0.5:
        due = _weekday(o - 15)
        c.notice(set_on, "FILING DEADLINE SET", due=_DATE_TEXT[due - _BASE_ORD])
        c.events[-1] = _with_due(c.events[-1], due)
    c.schedule("INDIVIDUAL HEARING SCHEDULED", "INDIVIDUAL", set_on, record, o, when)
    if o >= c.today:
        raise _Done
    record, o, t = _reset_individual(c, set_on, record, o)
    if c.rand() < 0.6:
        doc = FILING_DOCUMENTS[int(c.rand() * len(FILING_DOCUMENTS))]
        c.notice(o - c.days(15, 20), "FILING RECEIVED", doc=doc)
    r = c.rand()
    if r < 0.04:
        _absentia(c, "INDIVIDUAL", o, t)
        return
    if r < 0.16:
        # Testimony not finished: continued to another individual hearing.
        _held(c, "INDIVIDUAL", record, o, t, "Testimony not completed")
        record, o, t = _set_hearing(c, "INDIVIDUAL HEARING SCHEDULED", "INDIVIDUAL", o,
                                    o + c.days(60, 240), _INDIVIDUAL_SLOTS)
    held = _held(c, "INDIVIDUAL", record, o, t)
    code = _pick(table, c.rand())
    if not code:
        code = RELIEF_CODES.get(c.relief, "RELIEF GRANTED")
    if c.rand() < 0.12:
        c.notice(held, "DECISION RESERVED")
        _decision(c, _weekday(held + 20 + int(c.rand() * 100)), code, 0)
    else:
        _decision(c, o, code, t)


RELIEF_CODES: dict[str, str] = dict(RELIEF_FORMS)


def _reset_individual(c: _Case, set_on: int, record: HearingRecord,
                      o: int) -> tuple[HearingRecord, int, int]:
    """Individual hearings are often reset by the court (docket changes, judge reassignment)."""
    t = o * 1440 + int(record.scheduled_at.hour * 60 + record.scheduled_at.minute)
    if c.rand() < 0.25 and o - set_on > 60:
        change = set_on + int((o - set_on) * (0.4 + 0.5 * c.rand()))
        old = o
        record, o, t, when = c.hearing("INDIVIDUAL", old + c.days(60, 300), _INDIVIDUAL_SLOTS,
                                       record.medium)
        c.schedule("HEARING RESCHEDULED", "INDIVIDUAL", change, record, o, when, old=old)
        if o >= c.today:
            raise _Done
    return record, o, t


def _decision(c: _Case, o: int, code: str, t: int) -> None:
    fields = {"form": "application for relief"}
    due = 0
    if code in ("REMOVAL ORDERED", "APPLICATION FOR RELIEF DENIED"):
        due = o + 30
        fields["what"] = ("withholding of removal and protection under the Convention Against"
                          " Torture" if c.kind == "WITHHOLDING_ONLY" else
                          "asylum and withholding of removal")
    elif code == "VOLUNTARY DEPARTURE GRANTED":
        # At the conclusion of proceedings the judge may allow at most 60 days.
        due = _weekday(o + 60)
    elif code == "RELIEF GRANTED":
        fields["form"] = c.relief.split(",")[0] if c.relief else "application for relief"
    decided = c.decide(o, code, t=t, due=due, **fields)
    r = c.rand()
    if code in _GRANTS or code == "PROCEEDINGS TERMINATED":
        if r < 0.08:
            _appeal(c, decided, dhs=True)
    elif due and code != "VOLUNTARY DEPARTURE GRANTED" and r < 0.35:
        _appeal(c, decided, dhs=False)
    elif code == "ADMINISTRATIVELY CLOSED" and r < 0.3 and not c.reopened:
        c.reopened = True
        back = c.notice(decided + 200 + int(c.rand() * 900), "CASE RECALENDARED")
        _proceedings(c, back)


def _appeal(c: _Case, decided: int, dhs: bool, bond: bool = False) -> None:
    deadline = decided + 30
    filed = _weekday(decided + 5 + int(c.rand() * 22))
    if not dhs and c.rand() < 0.04:
        reason = APPEAL_REJECTION_REASONS[int(c.rand() * len(APPEAL_REJECTION_REASONS))]
        c.emit(filed + 3, "APPEAL REJECTED", texts.NOTICES["APPEAL REJECTED"].format(
            d=_DATE_TEXT[filed + 3 - _BASE_ORD], reason=reason,
            due=_DATE_TEXT[deadline - _BASE_ORD]), due=deadline, office=BIA_NAME)
        filed += 6
        if filed > deadline:
            return
    code = "DHS APPEAL RECEIVED AT BIA" if dhs else "APPEAL RECEIVED AT BIA"
    _bia(c, filed, code)
    if bond:
        _bia_decision(c, filed + 45 + int(c.rand() * 150), _BOND_BIA_DECISIONS, False)
        return
    issued = _weekday(filed + 20 + int(c.rand() * 120))
    due = issued + 21
    _bia(c, issued, "BRIEFING SCHEDULE ISSUED", due)
    if c.rand() < 0.2:
        due += 21
        _bia(c, due - 21 - 1 - int(c.rand() * 5), "BRIEFING EXTENSION GRANTED", due)
    briefed = c.rand() < 0.88
    if briefed:
        _bia(c, due - int(c.rand() * 6), "BRIEF RECEIVED")
    if c.rand() < 0.55:
        _bia(c, due - int(c.rand() * 3), "DHS BRIEF RECEIVED")
    pending = _bia(c, due + 1 + int(c.rand() * 9), "APPEAL PENDING AT BIA")
    decided = _weekday(pending + 90 + int(c.rand() * 700))
    if dhs:
        _bia_decision(c, decided, _DHS_BIA_DECISIONS, True)
    elif not briefed and c.rand() < 0.5:
        _bia_decision(c, decided, ((1.0, "BIA DECISION: SUMMARILY DISMISSED"),), True)
    else:
        _bia_decision(c, decided, _BIA_DECISIONS, True)


def _bia(c: _Case, o: int, code: str, due: int = 0) -> int:
    text = texts.NOTICES[code].format(d=_DATE_TEXT[o - _BASE_ORD],
                                      due=_DATE_TEXT[due - _BASE_ORD] if due else "")
    return c.emit(o, code, text, due=due, office=BIA_NAME)


def _bia_decision(c: _Case, o: int, table: tuple[tuple[float, str], ...], follow: bool) -> None:
    code = _pick(table, c.rand())
    due = o + 30 if code in _FINAL_ADVERSE else 0
    decided = c.decide(o, code, due=due, office=BIA_NAME)
    if not follow:
        return
    if due and c.rand() < 0.18:
        circuit = c.court.circuit
        office = f"U.S. Court of Appeals for the {circuit} Circuit"
        filed = decided + 10 + int(c.rand() * 19)
        c.emit(filed, "FEDERAL COURT PETITION FOR REVIEW FILED", texts.NOTICES[
            "FEDERAL COURT PETITION FOR REVIEW FILED"].format(
                d=_DATE_TEXT[filed - _BASE_ORD], circuit=circuit), office=office)
        ruled = _weekday(filed + 300 + int(c.rand() * 600))
        code = ("FEDERAL COURT PETITION FOR REVIEW DENIED" if c.rand() < 0.8
                else "REMANDED BY FEDERAL COURT")
        c.emit(ruled, code, texts.NOTICES[code].format(
            d=_DATE_TEXT[ruled - _BASE_ORD], circuit=circuit), office=office)
    elif code == "BIA DECISION: REMANDED" and not c.reopened:
        c.reopened = True
        _proceedings(c, decided, masters=1)


def _proceedings(c: _Case, start: int, masters: int = 0) -> None:
    """Master hearings, then the individual hearing and decision, from day ``start``."""
    count = masters or 1 + int(c.rand() * c.rand() * 4)
    set_on = _masters(c, start, count)
    if set_on:
        _individual(c, set_on, _decision_table(c))


def _decision_table(c: _Case) -> tuple[tuple[float, str], ...]:
    if c.kind == "ASYLUM_ONLY":
        return _ASYLUM_ONLY_DECISIONS
    if c.kind == "WITHHOLDING_ONLY":
        return _WITHHOLDING_ONLY_DECISIONS
    if c.relief == "asylum":
        return _ASYLUM_DECISIONS
    return _FORM_DECISIONS if c.relief else _NO_RELIEF_DECISIONS


def _removal(c: _Case, start: int) -> None:
    c.notice(start, "NOTICE TO APPEAR FILED", anum=c.anum)
    r = c.rand()
    if r < 0.62:
        c.relief = "asylum"
    elif r < 0.82:
        c.relief = RELIEF_FORMS[int(c.rand() * len(RELIEF_FORMS))][0]
    if c.rand() < 0.15:
        c.notice(start + c.days(5, 60), "REPRESENTATIVE ENTERED APPEARANCE")
    _proceedings(c, start)


def _protection_only(c: _Case, start: int) -> None:
    purpose = "asylum-only proceedings" if c.kind == "ASYLUM_ONLY" else (
        "withholding-only proceedings")
    c.notice(start, "NOTICE OF REFERRAL TO IMMIGRATION JUDGE FILED", purpose=purpose)
    c.relief = "asylum"
    _proceedings(c, start, masters=1 + int(c.rand() * 2))


def _bond(c: _Case, start: int) -> None:
    rand = c.rand
    dhs_amount = _BOND_AMOUNTS[2 + int(rand() * 7)]
    no_bond = rand() < 0.35
    c.notice(start, "BOND REDETERMINATION REQUEST RECEIVED",
             dhs_bond="no bond" if no_bond else f"bond set at ${dhs_amount:,}")
    _, o, t = _set_hearing(c, "BOND HEARING SCHEDULED", "BOND", start,
                                start + 2 + int(rand() * 10), _BOND_SLOTS)
    r = rand()
    if r < 0.35:
        amount = _BOND_AMOUNTS[int(rand() * 6)]
        c.decide(o, "BOND GRANTED", t=t, amount=f"${amount:,}")
    elif r < 0.60 and not no_bond:
        amount = _BOND_AMOUNTS[int(rand() * 3)]
        c.decide(o, "BOND REDETERMINED", t=t, amount=f"${amount:,}",
                 old_amount=f"${dhs_amount:,}")
    elif r < 0.92:
        what = "no bond" if no_bond else f"bond remains at ${dhs_amount:,}"
        decided = c.decide(o, "BOND DENIED", t=t, what=what)
        if rand() < 0.12:
            _appeal(c, decided, dhs=False, bond=True)
    else:
        c.decide(o, "BOND REQUEST WITHDRAWN", t=t)


def _fear_review(c: _Case, start: int) -> None:
    credible = c.kind == "CREDIBLE_FEAR_REVIEW"
    purpose = ("review of a negative credible fear determination" if credible
               else "review of a negative reasonable fear determination")
    c.notice(start, "NOTICE OF REFERRAL TO IMMIGRATION JUDGE FILED", purpose=purpose)
    medium = "VIDEO" if c.rand() < 0.7 else "TELEPHONIC"
    record, o, t, when = c.hearing("INDIVIDUAL", start + 1 + int(c.rand() * (6 if credible else 9)),
                                   _BOND_SLOTS, medium)
    c.schedule("FEAR REVIEW HEARING SCHEDULED", "FEAR", start, record, o, when)
    if o >= c.today:
        raise _Done
    finding = "CREDIBLE" if credible else "REASONABLE"
    outcome = "AFFIRMED" if c.rand() < 0.72 else "VACATED"
    c.decide(o, f"NEGATIVE {finding} FEAR FINDING {outcome}", t=t)


_FLOWS: dict[str, Callable[[_Case, int], None]] = {
    "REMOVAL": _removal,
    "BOND": _bond,
    "ASYLUM_ONLY": _protection_only,
    "WITHHOLDING_ONLY": _protection_only,
    "CREDIBLE_FEAR_REVIEW": _fear_review,
    "REASONABLE_FEAR_REVIEW": _fear_review,
}
# How far back a case of each type may start, in days (removal cases live for years).
_SPAN = {"REMOVAL": 3600, "BOND": 900, "ASYLUM_ONLY": 2400, "WITHHOLDING_ONLY": 1800,
         "CREDIBLE_FEAR_REVIEW": 900, "REASONABLE_FEAR_REVIEW": 900}
_DETAINED_KINDS = frozenset({"BOND", "CREDIBLE_FEAR_REVIEW", "REASONABLE_FEAR_REVIEW"})


def _today_ordinal(today: date) -> int:
    o = today.toordinal()
    if not _BASE_ORD + 4000 <= o <= _LAST_ORD - 2000:
        raise ValueError(f"today {today} is outside the generator's calendar (2011-2045)")
    return o


def generate_case(rng: random.Random, serial: int, today: date) -> CaseRecord:
    """A realistic EOIR case for ``serial`` (0..9,999,999), with events up to ``today``."""
    if not 0 <= serial <= MAX_SERIAL:
        raise ValueError(f"serial {serial} is outside 0..{MAX_SERIAL}")
    today_o = _today_ordinal(today)
    rand = rng.random
    access = _access_code(rng.getrandbits(60))
    kind = _pick(_CASE_TYPE_TABLE, rand())
    detained = kind in _DETAINED_KINDS or (kind != "ASYLUM_ONLY" and rand() < 0.12)
    pool = DETAINED_COURTS if detained else NON_DETAINED_COURTS
    court = pool[int(rand() * len(pool))]
    anum = f"A{GENERATED_BASE + serial}"
    c = _Case(rand, today_o, anum, court, detained, kind)
    # Skewed towards recent filings, as the pending caseload is.
    start = today_o - int(_SPAN[kind] * rand() ** 1.4)
    start += _TO_PRIOR_WEEKDAY[(start - 1) % 7]
    # A flow raises _Done when the next step would fall after today: the case is pending.
    with contextlib.suppress(_Done):
        _FLOWS[kind](c, start)
    return CaseRecord(anum, kind, c.court.name, anum, access, tuple(c.events),
                      identity=generated_identity(serial, anum))


def persona_cases(today: date) -> dict[str, list[CaseRecord]]:
    """The demo personas' EOIR cases, fixed for a given ``today``."""
    return {"ana": persona_records(PERSONAS["ana"], [_ana(today)])}


def _ana(today: date) -> CaseRecord:
    """Ana: removal proceedings in New York, asylum lodged, individual hearing in ~45 days."""
    today_o = _today_ordinal(today)
    rand = random.Random(f"courts-persona-ana-{today_o}").random
    court = PERSONA_COURT
    c = _Case(rand, today_o, PERSONA_NUMBER, court, False, "REMOVAL")
    c.judge = court.judges[0]
    c.relief = "asylum"
    nta = today_o - 730
    nta += _TO_PRIOR_WEEKDAY[(nta - 1) % 7]
    c.notice(nta, "NOTICE TO APPEAR FILED", anum=PERSONA_NUMBER)
    first, o1, t1, when = c.hearing("MASTER", nta + 150, (540,), "IN_PERSON")
    c.schedule("MASTER HEARING SCHEDULED", "MASTER", nta + 9, first, o1, when)
    _held(c, "MASTER", first, o1, t1, ADJOURNMENT_REASONS[0])
    second, o2, t2, when = c.hearing("MASTER", o1 + 120, (570,), "IN_PERSON")
    c.schedule("MASTER HEARING SCHEDULED", "MASTER", o1, second, o2, when)
    c.notice(o1 + 40, "REPRESENTATIVE ENTERED APPEARANCE")
    _held(c, "MASTER", second, o2, t2)
    c.notice(o2, "ASYLUM APPLICATION FILED")
    c.notice(o2, "BIOMETRICS INSTRUCTIONS PROVIDED")
    final, o3, _, when = c.hearing("INDIVIDUAL", today_o + 45, (540,), "IN_PERSON")
    c.schedule("INDIVIDUAL HEARING SCHEDULED", "INDIVIDUAL", o2, final, o3, when)
    return CaseRecord(PERSONA_NUMBER, "REMOVAL", court.name, PERSONA_NUMBER,
                      PERSONA_ACCESS_CODE, tuple(c.events))
