"""Deterministic OFLC demo histories: PERM, prevailing wage, LCA, H-2A, H-2B and CW-1.

Each case walks its program's real process forward from a filing date (the plans in
synthetic_programs.py) and keeps the events that happened on or before ``today``, so open and
closed cases come out in the proportions the filing dates imply.

Case numbers are ``[prefix]-[YYDDD]-[sequence]`` with the filing date as YYDDD. Uniqueness over
serials 0..9,999,999 comes from the number itself: the sequence is ``serial % 1_000_000`` and
the filing date is moved back (at most 15 days) so that its ordinal modulo 16 equals
``serial // 1_000_000``. Persona numbers use filing dates whose ordinal modulo 16 is 14 or 15,
which the generator never produces.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from adapters.labor import synthetic_data as data
from adapters.labor.facts import ATLANTA, CHICAGO, NPWC, PROGRAM_OFFICES
from adapters.labor.synthetic_programs import (
    Step,
    Values,
    day_of,
    lca,
    money,
    perm,
    pick,
    prevailing_wage,
    temporary_labor,
    years_later,
)
from adapters.reference.people import PERSONAS, generated_identity, persona_records
from adapters.reference.synthetic import (
    access_code,
    next_weekday,
    working_days_later,
)
from adapters.sdk.records import CaseRecord, EventRecord, RelatedRecord

__all__ = ["PERSONA_NUMBERS", "REFERENCE_TODAY", "SERIALS", "generate_case", "persona_cases"]

SERIALS = 10_000_000

# Five-minute slots from 13:00 to 23:45 UTC: DOL's working day, Eastern time.
_SLOTS = tuple(timedelta(minutes=13 * 60 + 5 * i) for i in range(130))
_WORKDAY_SLOTS = 108
_EVENT_IDS = tuple(str(i) for i in range(1, 65))
# PERM, PW, LCA, H-2A, H-2B, CW-1: individuals' timelines skew to the employment-based programs.
_PROGRAM_SHARES = (0.22, 0.20, 0.40, 0.08, 0.08, 0.02)

_TEMPLATES = data.TEMPLATES


def _events(rnd: Callable[[], float], steps: list[Step], vals: Values, today: int,
            office: str) -> tuple[EventRecord, ...]:
    events: list[EventRecord] = []
    prev_day, prev_slot = -1, -1
    for index, (planned, key, code, due, where) in enumerate(steps):
        # Filings come in online any day; DOL acts on working days.
        ordinal = next_weekday(planned) if index else planned
        if ordinal > today:
            break
        slot = int(rnd() * _WORKDAY_SLOTS)
        if ordinal == prev_day and slot <= prev_slot:
            slot = min(prev_slot + 1, len(_SLOTS) - 1)
        prev_day, prev_slot = ordinal, slot
        day = day_of(ordinal)
        vals["d"] = day[1]
        due_date = None
        if due:
            due_day = day_of(due)
            vals["due"] = due_day[1]
            due_date = due_day[3]
        events.append(EventRecord(day[2] + _SLOTS[slot], code, _TEMPLATES[key].format_map(vals),
                                  due_date, where or office, None, _EVENT_IDS[index]))
    return tuple(events)


def _subject(rnd: Callable[[], float], program: str) -> str:
    if program in ("H-2A", "H-2B", "CW-1"):
        return f"EMP-{10_000_000 + int(rnd() * 89_999_999)}"
    if rnd() < (0.4 if program == "PERM" else 0.15):
        return f"A{200_000_000 + int(rnd() * 99_999_999):09d}"
    return f"FW-{10_000_000 + int(rnd() * 89_999_999)}"


def generate_case(rng: random.Random, serial: int, today: date) -> CaseRecord:
    """One realistic OFLC case; the number is unique per serial in 0..9,999,999."""
    if not 0 <= serial < SERIALS:
        raise ValueError(f"serial {serial} is outside 0..{SERIALS - 1}")
    rnd = rng.random
    t = today.toordinal()
    residue, sequence = divmod(serial, 1_000_000)
    program = ("PERM", "PW", "LCA", "H-2A", "H-2B", "CW-1")[pick(rnd, _PROGRAM_SHARES)]
    vals: Values = {}
    if program == "PERM":
        prefix, filed, steps = perm(rnd, t, residue, vals)
    elif program == "PW":
        prefix, filed, steps = prevailing_wage(rnd, t, residue, vals)
    elif program == "LCA":
        prefix, filed, steps = lca(rnd, t, residue, vals)
    else:
        prefix, filed, steps = temporary_labor(rnd, t, residue, vals, program)
    number = f"{prefix}-{day_of(filed)[0]}-{sequence:06d}"
    vals["n"] = number
    office = PROGRAM_OFFICES[program]
    subject = _subject(rnd, program)
    code = access_code(rng.getrandbits(60))
    return CaseRecord(number=number, case_type=program, office=office, subject_ref=subject,
                      access_code=code, events=_events(rnd, steps, vals, t, office),
                      identity=generated_identity(serial, subject))


# --- personas ---------------------------------------------------------------------------------

REFERENCE_TODAY = data.REFERENCE_TODAY
RAJ_PW, RAJ_PERM, RAJ_LCA = data.RAJ_PW, data.RAJ_PERM, data.RAJ_LCA
MEI_PW, MEI_PERM = data.MEI_PW, data.MEI_PERM
PERSONA_NUMBERS = frozenset(number for number, _ in (RAJ_PW, RAJ_PERM, RAJ_LCA, MEI_PW,
                                                      MEI_PERM))

def _filed_on(number: str, shift: int) -> int:
    code = number[6:11]
    return date(2000 + int(code[:2]), 1, 1).toordinal() + int(code[2:]) - 1 + shift


def _fixed_events(steps: list[tuple[int, str, str, int]], vals: Values, office: str
                  ) -> tuple[EventRecord, ...]:
    """Events at fixed times of day: (ordinal, template key, code, five-minute slot)."""
    events = []
    for index, (planned, key, code, slot) in enumerate(steps):
        day = day_of(next_weekday(planned) if index else planned)
        vals["d"] = day[1]
        events.append(EventRecord(day[2] + _SLOTS[slot], code, _TEMPLATES[key].format_map(vals),
                                  None, office, None, _EVENT_IDS[index]))
    return tuple(events)


def persona_cases(today: date) -> dict[str, list[CaseRecord]]:
    """The demo personas' OFLC cases (fixed numbers and access codes), dated relative to today.

    Raj (A098765432): a prevailing wage determination issued about 2.5 years ago, the PERM
    filed on it and certified about a year ago (the basis of his I-140 at immigration), and
    the certified LCA for his H-1B extension. Mei (A076543210): a wage determination and the
    PERM filed on it, certified about 155 days ago, with no I-140 yet.
    """
    shift = today.toordinal() - REFERENCE_TODAY.toordinal()
    pw, perm = _employment_pair(RAJ_PW, RAJ_PERM, data.RAJ_A_NUMBER, data.RAJ_JOB, shift,
                                pw_days=229, perm_days=474, wage=177_723,
                                occupation=("15-1252", "Software Developers", "Level III"),
                                i140=data.RAJ_I140)
    lca_filed = _filed_on(RAJ_LCA[0], shift)
    begin = lca_filed + 45
    lca_vals: Values = {
        **data.RAJ_JOB, "n": RAJ_LCA[0], "k": "1", "visa": "H-1B", "begin": day_of(begin)[1],
        "end": day_of(years_later(begin, 3))[1],
    }
    lca = CaseRecord(
        number=RAJ_LCA[0], case_type="LCA", office=CHICAGO, subject_ref=data.RAJ_A_NUMBER,
        access_code=RAJ_LCA[1],
        events=_fixed_events([(lca_filed, "LCA:IN PROCESS", "IN PROCESS", 26),
                              (working_days_later(lca_filed, 4), "LCA:CERTIFIED", "CERTIFIED",
                               33)],
                             lca_vals, CHICAGO))
    mei = _employment_pair(MEI_PW, MEI_PERM, data.MEI_A_NUMBER, data.MEI_JOB, shift,
                           pw_days=data.MEI_PW_DAYS, perm_days=data.MEI_PERM_DAYS,
                           wage=112_466, occupation=("15-2041", "Statisticians", "Level II"),
                           i140=None)
    return {"raj": persona_records(PERSONAS["raj"], [pw, perm, lca]),
            "mei": persona_records(PERSONAS["mei"], list(mei))}


def _employment_pair(pw_case: tuple[str, str], perm_case: tuple[str, str], subject: str,
                     job: dict[str, str], shift: int, *, pw_days: int, perm_days: int,
                     wage: int, occupation: tuple[str, str, str],
                     i140: str | None) -> tuple[CaseRecord, CaseRecord]:
    """A wage determination issued ``pw_days`` after filing and the PERM filed on it,
    certified ``perm_days`` after its filing; each names the other, and the PERM the I-140
    filed on it (``i140``, at immigration) when there is one."""
    pw_filed = _filed_on(pw_case[0], shift)
    pw_issued = pw_filed + pw_days
    soc, soc_title, level = occupation
    pw_vals: Values = {
        **job, "n": pw_case[0], "use": "for a PERM application", "soc": soc,
        "soc_title": soc_title, "level": level, "wage": money(wage, hourly=False),
        "valid": day_of(pw_issued + 240)[1],
    }
    pw = CaseRecord(
        number=pw_case[0], case_type="PW", office=NPWC, subject_ref=subject,
        access_code=pw_case[1],
        events=_fixed_events([(pw_filed, "PW:IN PROCESS", "IN PROCESS", 14),
                              (pw_issued, "PW:DETERMINATION ISSUED", "DETERMINATION ISSUED", 40)],
                             pw_vals, NPWC),
        related=(RelatedRecord("labor", perm_case[0], "BASIS_FOR"),))
    perm_filed = _filed_on(perm_case[0], shift)
    certified = next_weekday(perm_filed + perm_days)
    perm_vals: Values = {**job, "n": perm_case[0], "valid": day_of(certified + 180)[1]}
    perm_related = [RelatedRecord("labor", pw_case[0], "BASED_ON")]
    if i140 is not None:
        perm_related.append(RelatedRecord("immigration", i140, "BASIS_FOR"))
    perm = CaseRecord(
        number=perm_case[0], case_type="PERM", office=ATLANTA, subject_ref=subject,
        access_code=perm_case[1],
        events=_fixed_events([(perm_filed, "PERM:IN PROCESS", "IN PROCESS", 20),
                              (perm_filed + 3, "PERM:ANALYST REVIEW", "ANALYST REVIEW", 31),
                              (certified, "PERM:CERTIFIED", "CERTIFIED", 52)],
                             perm_vals, ATLANTA),
        related=tuple(perm_related))
    return pw, perm
