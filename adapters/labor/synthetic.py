"""Deterministic OFLC demo histories: PERM, prevailing wage, LCA, H-2A, H-2B and CW-1.

Each generator walks the program's real process forward from a filing date (Form ETA-9089
analyst review and audits, ETA-9141 wage determinations and their review chain, ETA-9035 LCAs
certified within 7 working days, ETA-9142 notices of deficiency and acceptance before
certification) and keeps the events that happened on or before ``today``, so open and closed
cases come out in the proportions the filing dates imply.

Case numbers are ``[prefix]-[YYDDD]-[sequence]`` with the filing date as YYDDD. Uniqueness over
serials 0..9,999,999 comes from the number itself: the sequence is ``serial % 1_000_000`` and
the filing date is moved back (at most 15 days) so that its ordinal modulo 16 equals
``serial // 1_000_000``. Persona numbers use filing dates whose ordinal modulo 16 is 14 or 15,
which the generator never produces.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from adapters.labor import synthetic_data as data
from adapters.labor.facts import ATLANTA, BALCA, CHICAGO, NPWC, PROGRAM_OFFICES
from adapters.reference.people import PERSONAS, generated_identity, persona_records
from adapters.reference.synthetic import (
    access_code,
    long_date,
    next_weekday,
    working_days_later,
)
from adapters.sdk.records import CaseRecord, EventRecord

__all__ = ["generate_case", "persona_cases"]

SERIALS = 10_000_000
_RESIDUES = 16  # filing-date ordinal residues; 0..9 generated cases, 10..15 free for personas

# Five-minute slots from 13:00 to 23:45 UTC: DOL's working day, Eastern time.
_SLOTS = tuple(timedelta(minutes=13 * 60 + 5 * i) for i in range(130))
_WORKDAY_SLOTS = 108
_EVENT_IDS = tuple(str(i) for i in range(1, 65))

# (ordinal, template key, agency code, due-date ordinal or 0, office or "" for the case's)
Step = tuple[int, str, str, int, str]
Values = dict[str, str]
# One day, cached: (YYDDD, "March 3, 2026", midnight UTC, date)
_Day = tuple[str, str, datetime, date]
_DAYS: dict[int, _Day] = {}


def _day(ordinal: int) -> _Day:
    hit = _DAYS.get(ordinal)
    if hit is None:
        d = date.fromordinal(ordinal)
        day_of_year = ordinal - date(d.year, 1, 1).toordinal() + 1
        hit = (f"{d.year % 100:02d}{day_of_year:03d}", long_date(d),
               datetime(d.year, d.month, d.day, tzinfo=UTC), d)
        _DAYS[ordinal] = hit
    return hit


def _years_later(ordinal: int, years: int) -> int:
    """The day before the same date ``years`` later: the end of an LCA validity period."""
    start = _day(ordinal)[3]
    try:
        return date(start.year + years, start.month, start.day).toordinal() - 1
    except ValueError:  # 29 February
        return date(start.year + years, 3, 1).toordinal() - 1


def _aligned(ordinal: int, residue: int) -> int:
    """The latest day on or before ``ordinal`` whose ordinal is ``residue`` modulo 16."""
    return ordinal - (ordinal - residue) % _RESIDUES


def _pick(rnd: Callable[[], float], shares: tuple[float, ...]) -> int:
    x = rnd()
    for index, share in enumerate(shares):
        x -= share
        if x < 0:
            return index
    return len(shares) - 1


_PW_SHARES = tuple(kind[1] for kind in data.PW_KINDS)
_LCA_SHARES = tuple(kind[1] for kind in data.LCA_KINDS)
# PERM, PW, LCA, H-2A, H-2B, CW-1: individuals' timelines skew to the employment-based programs.
_PROGRAM_SHARES = (0.22, 0.20, 0.40, 0.08, 0.08, 0.02)


# --- PERM -------------------------------------------------------------------------------------

def _perm_certified(rnd: Callable[[], float], steps: list[Step], vals: Values, on: int) -> None:
    """CERTIFIED, then (rarely) revocation or the 180-day window lapsing unused."""
    steps.append((on, "PERM:CERTIFIED", "CERTIFIED", 0, ""))
    vals["valid"] = _day(next_weekday(on) + 180)[1]
    x = rnd()
    if x < 0.003:
        noir = on + 200 + int(rnd() * 400)
        steps.append((noir, "PERM:NOTICE OF INTENT TO REVOKE", "NOTICE OF INTENT TO REVOKE",
                      noir + 30, ""))
        steps.append((noir + 45 + int(rnd() * 60), "PERM:CERTIFICATION REVOKED",
                      "CERTIFICATION REVOKED", 0, ""))
    elif x < 0.15:
        steps.append((on + 181, "PERM:CERTIFIED - EXPIRED", "CERTIFIED - EXPIRED", 0, ""))


def _perm_balca(rnd: Callable[[], float], steps: list[Step], vals: Values, asked: int) -> None:
    steps.append((asked, "PERM:REQUEST FOR REVIEW", "REQUEST FOR REVIEW", 0, ""))
    docketed = asked + 60 + int(rnd() * 140)
    vals["docket"] = f"{_day(docketed)[3].year}-PER-{1 + int(rnd() * 4000):05d}"
    steps.append((docketed, "PERM:BALCA APPEALS", "BALCA APPEALS", 0, BALCA))
    decided = docketed + 300 + int(rnd() * 400)
    x = rnd()
    if x < 0.6:
        steps.append((decided, "PERM:BALCA DECISION - AFFIRMED", "BALCA DECISION - AFFIRMED", 0,
                      BALCA))
    elif x < 0.75:
        steps.append((decided, "PERM:BALCA DECISION - REVERSED", "BALCA DECISION - REVERSED", 0,
                      BALCA))
        _perm_certified(rnd, steps, vals, decided + 30 + int(rnd() * 60))
    else:
        steps.append((decided, "PERM:BALCA DECISION - REMANDED", "BALCA DECISION - REMANDED", 0,
                      BALCA))
        back = decided + 20 + int(rnd() * 40)
        steps.append((back, "PERM:REMAND", "REMAND", 0, ""))
        steps.append((back + 1 + int(rnd() * 4), "PERM:ANALYST REVIEW again", "ANALYST REVIEW",
                      0, ""))
        again = back + 90 + int(rnd() * 150)
        if rnd() < 0.6:
            _perm_certified(rnd, steps, vals, again)
        else:
            steps.append((again, "PERM:DENIED", "DENIED", 0, ""))


def _perm_denied(rnd: Callable[[], float], steps: list[Step], vals: Values, on: int,
                 can_appeal: bool) -> None:
    steps.append((on, "PERM:DENIED", "DENIED", 0, ""))
    x = rnd() if can_appeal else 1.0
    if x < 0.3:
        asked = on + 10 + int(rnd() * 19)
        steps.append((asked, "PERM:RECONSIDERATION APPEALS", "RECONSIDERATION APPEALS", 0, ""))
        y = rnd()
        if y < 0.35:
            granted = asked + 120 + int(rnd() * 280)
            steps.append((granted, "PERM:RECONSIDERATION GRANTED", "RECONSIDERATION GRANTED", 0,
                          ""))
            steps.append((granted + 1 + int(rnd() * 4), "PERM:ANALYST REVIEW again",
                          "ANALYST REVIEW", 0, ""))
            _perm_certified(rnd, steps, vals, granted + 30 + int(rnd() * 120))
        elif y < 0.55:
            nord = asked + 200 + int(rnd() * 300)
            steps.append((nord, "PERM:NORD ISSUED", "NORD ISSUED", 0, ""))
            steps.append((nord + 30 + int(rnd() * 30), "PERM:DENIED again", "DENIED", 0, ""))
        else:
            refused = asked + 150 + int(rnd() * 300)
            steps.append((refused, "PERM:RECONSIDERATION DENIED", "RECONSIDERATION DENIED", 0,
                          ""))
            if rnd() < 0.3:
                _perm_balca(rnd, steps, vals, refused + 10 + int(rnd() * 19))
    elif x < 0.42:
        _perm_balca(rnd, steps, vals, on + 10 + int(rnd() * 19))


def _perm(rnd: Callable[[], float], today: int, residue: int, vals: Values
          ) -> tuple[str, int, list[Step]]:
    filed = _aligned(today - int(rnd() * 1150), residue)
    job = data.PROFESSIONAL_JOBS[int(rnd() * len(data.PROFESSIONAL_JOBS))]
    vals["emp"] = data.PROFESSIONAL_EMPLOYERS[int(rnd() * len(data.PROFESSIONAL_EMPLOYERS))]
    vals["job"] = job[0]
    vals["city"] = data.PROFESSIONAL_CITIES[int(rnd() * len(data.PROFESSIONAL_CITIES))][0]
    steps: list[Step] = [(filed, "PERM:IN PROCESS", "IN PROCESS", 0, "")]
    last = filed + 1 + int(rnd() * 6)
    steps.append((last, "PERM:ANALYST REVIEW", "ANALYST REVIEW", 0, ""))
    decision = filed + 440 + int(rnd() * 110)  # 14.5 to 18 months of analyst review
    if rnd() < 0.06:
        steps.append((filed + 20 + int(rnd() * (decision - filed - 20)), "PERM:WITHDRAWN",
                      "WITHDRAWN", 0, ""))
        return "G-100", filed, steps
    if rnd() < 0.02:
        held = filed + 120 + int(rnd() * 180)
        steps.append((held, "PERM:APPLICATION ON HOLD", "APPLICATION ON HOLD", 0, ""))
        last = held + 60 + int(rnd() * 140)
        steps.append((last, "PERM:ANALYST REVIEW again", "ANALYST REVIEW", 0, ""))
        decision = max(decision, last + 60) + int(rnd() * 60)
    deny_share = 0.04
    x = rnd()
    if x < 0.12:
        audit = max(last + 1, filed + 300 + int(rnd() * 150))
        steps.append((audit, "PERM:PENDING AUDIT RESPONSE", "PENDING AUDIT RESPONSE", audit + 30,
                      ""))
        if rnd() < 0.04:
            # No response by the deadline: denied, and no appeal lies (20 CFR 656.20(b)).
            _perm_denied(rnd, steps, vals, audit + 50 + int(rnd() * 40), can_appeal=False)
            return "G-100", filed, steps
        answered = audit + 10 + int(rnd() * 20)
        steps.append((answered, "PERM:AUDIT RESPONSE RECEIVED", "AUDIT RESPONSE RECEIVED", 0, ""))
        steps.append((answered + 1 + int(rnd() * 3), "PERM:ANALYST REVIEW again",
                      "ANALYST REVIEW", 0, ""))
        if rnd() < 0.08:
            ordered = answered + 90 + int(rnd() * 110)
            steps.append((ordered, "PERM:SUPERVISED RECRUITMENT", "SUPERVISED RECRUITMENT",
                          ordered + 30, ""))
            report = ordered + 90 + int(rnd() * 60)
            steps.append((report, "PERM:SUPERVISED RECRUITMENT RESPONSE RECEIVED",
                          "SUPERVISED RECRUITMENT RESPONSE RECEIVED", 0, ""))
            decision = report + 60 + int(rnd() * 120)
        else:
            decision = answered + 120 + int(rnd() * 180)
        deny_share = 0.25
    elif x < 0.16:
        asked = max(last + 1, filed + 250 + int(rnd() * 200))
        steps.append((asked, "PERM:RFI ISSUED", "RFI ISSUED", asked + 30, ""))
        answered = asked + 7 + int(rnd() * 21)
        steps.append((answered, "PERM:RFI RESPONSE RECEIVED", "RFI RESPONSE RECEIVED", 0, ""))
        steps.append((answered + 1 + int(rnd() * 3), "PERM:ANALYST REVIEW again",
                      "ANALYST REVIEW", 0, ""))
        decision = max(decision, answered + 30 + int(rnd() * 90))
        deny_share = 0.15
    if rnd() < deny_share:
        _perm_denied(rnd, steps, vals, decision, can_appeal=True)
    else:
        _perm_certified(rnd, steps, vals, decision)
    return "G-100", filed, steps


# --- Prevailing wage (ETA-9141) ---------------------------------------------------------------

def _money(amount: float, hourly: bool) -> str:
    return f"${amount:,.2f} per hour" if hourly else f"${round(amount):,} per year"


def _pw_reviews(rnd: Callable[[], float], steps: list[Step], vals: Values, issued: int,
                hourly: bool, wage: float) -> None:
    """The review chain: redetermination (ETA-9141 for PERM/H-1B only), Center Director, BALCA."""
    vals["wage2"] = _money(wage * (0.86 + rnd() * 0.1), hourly)
    affirmed_at = issued
    if not hourly:
        if rnd() >= 0.04:
            return
        asked = issued + 5 + int(rnd() * 24)
        steps.append((asked, "PW:PENDING REDETERMINATION", "PENDING REDETERMINATION", 0, ""))
        decided = asked + 40 + int(rnd() * 80)
        if rnd() < 0.3:
            steps.append((decided, "PW:REDETERMINATION MODIFIED", "REDETERMINATION MODIFIED",
                          0, ""))
            return
        steps.append((decided, "PW:REDETERMINATION AFFIRMED", "REDETERMINATION AFFIRMED", 0, ""))
        if rnd() >= 0.25:
            return
        affirmed_at = decided
    elif rnd() >= 0.03:
        return
    # H-2B/CW-1 wage requests go straight to the Director within 7 business days (655.13).
    asked = affirmed_at + (3 + int(rnd() * 6) if hourly else 5 + int(rnd() * 24))
    steps.append((asked, "PW:PENDING CENTER DIRECTOR REVIEW", "PENDING CENTER DIRECTOR REVIEW",
                  0, ""))
    decided = asked + 20 + int(rnd() * 90)
    if rnd() < 0.25:
        steps.append((decided, "PW:CENTER DIRECTOR REVIEW MODIFIED DETERMINATION",
                      "CENTER DIRECTOR REVIEW MODIFIED DETERMINATION", 0, ""))
        return
    steps.append((decided, "PW:CENTER DIRECTOR REVIEW AFFIRMED DETERMINATION",
                  "CENTER DIRECTOR REVIEW AFFIRMED DETERMINATION", 0, ""))
    if rnd() >= 0.15:
        return
    appealed = decided + 5 + int(rnd() * 9)
    vals["docket"] = f"{_day(appealed)[3].year}-PWD-{1 + int(rnd() * 300):05d}"
    steps.append((appealed, "PW:BALCA REVIEW", "BALCA REVIEW", 0, BALCA))
    ruled = appealed + 30 + int(rnd() * 200)
    if rnd() < 0.8:
        steps.append((ruled, "PW:BALCA AFFIRMED", "BALCA AFFIRMED", 0, BALCA))
    else:
        steps.append((ruled, "PW:BALCA OVERTURNED", "BALCA OVERTURNED", 0, BALCA))


def _pw(rnd: Callable[[], float], today: int, residue: int, vals: Values
        ) -> tuple[str, int, list[Step]]:
    prefix, _, use, hourly = data.PW_KINDS[_pick(rnd, _PW_SHARES)]
    filed = _aligned(today - int(rnd() * 900), residue)
    vals["use"] = use
    if prefix == "P-500":
        _, title, soc, soc_title, base = data.CNMI_JOBS[int(rnd() * len(data.CNMI_JOBS))]
        vals["city"] = data.CNMI_PLACES[int(rnd() * len(data.CNMI_PLACES))]
        wage, level, days = base * (0.95 + rnd() * 0.2), "OEWS mean wage", 60
        vals["emp"] = data.CNMI_EMPLOYERS[int(rnd() * len(data.CNMI_EMPLOYERS))]
    elif hourly:
        _, title, soc, soc_title, base = data.SEASONAL_JOBS[
            int(rnd() * len(data.SEASONAL_JOBS))]
        city, factor = data.SEASONAL_PLACES[int(rnd() * len(data.SEASONAL_PLACES))]
        vals["city"] = city
        wage, level, days = base * factor * (0.95 + rnd() * 0.1), "OEWS mean wage", 60
        vals["emp"] = data.SEASONAL_EMPLOYERS[int(rnd() * len(data.SEASONAL_EMPLOYERS))]
    else:
        title, soc, soc_title, levels = data.PROFESSIONAL_JOBS[
            int(rnd() * len(data.PROFESSIONAL_JOBS))]
        city, factor = data.PROFESSIONAL_CITIES[int(rnd() * len(data.PROFESSIONAL_CITIES))]
        vals["city"] = city
        tier = _pick(rnd, (0.2, 0.35, 0.3, 0.15))
        wage, level, days = levels[tier] * factor, data.WAGE_LEVELS[tier], 180
        vals["emp"] = data.PROFESSIONAL_EMPLOYERS[int(rnd() * len(data.PROFESSIONAL_EMPLOYERS))]
    vals["job"], vals["soc"], vals["soc_title"] = title, soc, soc_title
    steps: list[Step] = [(filed, "PW:IN PROCESS", "IN PROCESS", 0, "")]
    issued = filed + days + int(rnd() * (90 if days == 180 else 60))
    x = rnd()
    if x < 0.04:
        steps.append((filed + 10 + int(rnd() * (issued - filed - 10)), "PW:WITHDRAWN",
                      "WITHDRAWN", 0, ""))
        return prefix, filed, steps
    if x < 0.10:
        asked = filed + (issued - filed) // 2 + int(rnd() * 30)
        steps.append((asked, "PW:RFI ISSUED", "RFI ISSUED", asked + 14, ""))
        if rnd() < 0.12:
            steps.append((asked + 20 + int(rnd() * 25), "PW:RETURNED UNPROCESSED",
                          "RETURNED UNPROCESSED", 0, ""))
            return prefix, filed, steps
        answered = asked + 3 + int(rnd() * 10)
        steps.append((answered, "PW:RFI RESPONSE RECEIVED", "RFI RESPONSE RECEIVED", 0, ""))
        issued = max(issued, answered + 20 + int(rnd() * 40))
    vals["wage"], vals["level"] = _money(wage, hourly), level
    vals["valid"] = _day(issued + 90 + int(rnd() * 275))[1]
    steps.append((issued, "PW:DETERMINATION ISSUED", "DETERMINATION ISSUED", 0, ""))
    _pw_reviews(rnd, steps, vals, issued, hourly, wage)
    return prefix, filed, steps


# --- LCA (ETA-9035) ---------------------------------------------------------------------------

def _lca(rnd: Callable[[], float], today: int, residue: int, vals: Values
         ) -> tuple[str, int, list[Step]]:
    prefix, _, visa = data.LCA_KINDS[_pick(rnd, _LCA_SHARES)]
    filed = _aligned(today - int(rnd() * 1100), residue)
    vals["visa"] = visa
    vals["emp"] = data.PROFESSIONAL_EMPLOYERS[int(rnd() * len(data.PROFESSIONAL_EMPLOYERS))]
    vals["job"] = data.PROFESSIONAL_JOBS[int(rnd() * len(data.PROFESSIONAL_JOBS))][0]
    vals["city"] = data.PROFESSIONAL_CITIES[int(rnd() * len(data.PROFESSIONAL_CITIES))][0]
    vals["k"] = "1" if rnd() < 0.85 else str(2 + int(rnd() * 9))
    begin = filed + 7 + int(rnd() * 170)  # an LCA may be filed up to six months ahead
    end = _years_later(begin, 3) if rnd() < 0.8 else begin + 364 + int(rnd() * 700)
    vals["begin"], vals["end"] = _day(begin)[1], _day(end)[1]
    steps: list[Step] = [(filed, "LCA:IN PROCESS", "IN PROCESS", 0, "")]
    x = rnd()
    if x < 0.01:
        steps.append((filed + 1 + int(rnd() * 4), "LCA:WITHDRAWN", "WITHDRAWN", 0, ""))
    elif x < 0.02:
        steps.append((working_days_later(filed, 5 + int(rnd() * 3)), "LCA:DENIED", "DENIED", 0,
                      ""))
    else:
        # DOL certifies or returns an LCA within 7 working days (20 CFR 655.740(a)).
        certified = working_days_later(filed, 2 + int(rnd() * 6))
        steps.append((certified, "LCA:CERTIFIED", "CERTIFIED", 0, ""))
        if rnd() < 0.07:
            steps.append((certified + 30 + int(rnd() * (end - certified - 30)),
                          "LCA:CERTIFIED - WITHDRAWN", "CERTIFIED - WITHDRAWN", 0, ""))
    return prefix, filed, steps


# --- H-2A, H-2B, CW-1 (ETA-9142A/B/C) ---------------------------------------------------------

# program -> (prefix, filing lead days min/max before the date of need, NOD response days,
#             longest season in days)
_H2_RULES: dict[str, tuple[str, int, int, int, int]] = {
    "H-2A": ("H-300", 45, 75, 7, 300),     # 5 business days to answer a NOD (655.141)
    "H-2B": ("H-400", 75, 90, 14, 270),    # 10 business days (655.31); up to 9 months
    "CW-1": ("C-500", 75, 120, 14, 365),   # 10 business days (655.431); one-year permits
}


def _h2_parties(rnd: Callable[[], float], vals: Values, program: str) -> int:
    """Employer, job, place and form of a temporary labor case; returns the workers asked for."""
    vals["form"], vals["swa"] = data.H2_FORMS[program], data.H2_SWA[program]
    workers = 2 + int(rnd() * (60 if program == "H-2A" else 30))
    if program == "H-2A":
        vals["emp"] = data.FARM_EMPLOYERS[int(rnd() * len(data.FARM_EMPLOYERS))]
        job, places = data.FARM_JOBS[int(rnd() * len(data.FARM_JOBS))]
        vals["city"] = places[int(rnd() * len(places))]
    elif program == "H-2B":
        vals["emp"] = data.SEASONAL_EMPLOYERS[int(rnd() * len(data.SEASONAL_EMPLOYERS))]
        job = data.SEASONAL_JOBS[int(rnd() * len(data.SEASONAL_JOBS))][0]
        vals["city"] = data.SEASONAL_PLACES[int(rnd() * len(data.SEASONAL_PLACES))][0]
    else:
        vals["emp"] = data.CNMI_EMPLOYERS[int(rnd() * len(data.CNMI_EMPLOYERS))]
        job = data.CNMI_JOBS[int(rnd() * len(data.CNMI_JOBS))][0]
        vals["city"] = data.CNMI_PLACES[int(rnd() * len(data.CNMI_PLACES))]
    vals["k"] = f"{workers} {job if program == 'H-2A' else job.lower()}"
    return workers


def _h2(rnd: Callable[[], float], today: int, residue: int, vals: Values, program: str
        ) -> tuple[str, int, list[Step]]:
    prefix, lead_min, lead_max, nod_days, season = _H2_RULES[program]
    filed = _aligned(today - int(rnd() * 900), residue)
    workers = _h2_parties(rnd, vals, program)
    begin = filed + lead_min + int(rnd() * (lead_max - lead_min))
    end = begin + 90 + int(rnd() * (season - 90))
    vals["begin"], vals["end"] = _day(begin)[1], _day(end)[1]
    steps: list[Step] = [(filed, "H2:IN PROCESS", "IN PROCESS", 0, "")]
    reviewed = filed + 3 + int(rnd() * 5)
    if rnd() < 0.35:
        steps.append((reviewed, "H2:NOD ISSUED", "NOD ISSUED", reviewed + nod_days, ""))
        x = rnd()
        if x < 0.05:
            steps.append((reviewed + nod_days + 3 + int(rnd() * 10), "H2:DENIED", "DENIED", 0,
                          ""))
            return prefix, filed, steps
        if x < 0.09:
            steps.append((reviewed + 2 + int(rnd() * nod_days), "H2:WITHDRAWN", "WITHDRAWN", 0,
                          ""))
            return prefix, filed, steps
        answered = reviewed + 2 + int(rnd() * (nod_days - 2))
        steps.append((answered, "H2:NOD RESPONSE RECEIVED", "NOD RESPONSE RECEIVED", 0, ""))
        reviewed = answered + 2 + int(rnd() * 5)
    elif program != "H-2A" and rnd() < 0.03:
        steps.append((reviewed, "H2:NOR ISSUED", "NOR ISSUED", 0, ""))
        return prefix, filed, steps
    decided = max(reviewed + 10, begin - 30 - int(rnd() * 8))
    report_due = max(reviewed + 5, decided - 2)
    steps.append((reviewed, "H2:ACCEPTED - PENDING RECRUITMENT", "ACCEPTED - PENDING RECRUITMENT",
                  report_due, ""))
    steps.append((max(reviewed + 1, report_due - 1 - int(rnd() * 4)),
                  "H2:RECRUITMENT REPORT RECEIVED", "RECRUITMENT REPORT RECEIVED", 0, ""))
    x = rnd()
    if x < 0.04:
        steps.append((decided, "H2:WITHDRAWN", "WITHDRAWN", 0, ""))
    elif x < 0.06:
        steps.append((decided, "H2:DENIED", "DENIED", 0, ""))
        if rnd() < 0.25:
            appealed = decided + 3 + int(rnd() * 4)
            steps.append((appealed, "H2:PENDING APPEAL", "PENDING APPEAL", 0, BALCA))
            steps.append((appealed + 5 + int(rnd() * 10), "H2:APPEAL DECISION - AFFIRMED",
                          "APPEAL DECISION - AFFIRMED", 0, BALCA))
    else:
        partial = x > 0.93
        if partial:
            vals["k2"] = str(max(1, workers - 1 - int(rnd() * (workers // 2))))
            steps.append((decided, "H2:PARTIAL CERTIFICATION", "PARTIAL CERTIFICATION", 0, ""))
        else:
            steps.append((decided, "H2:FULL CERTIFICATION", "FULL CERTIFICATION", 0, ""))
        if rnd() < 0.02:
            steps.append((decided + 10 + int(rnd() * (end - decided - 10)),
                          "H2:FULL CERTIFICATION - WITHDRAWN", "FULL CERTIFICATION - WITHDRAWN",
                          0, ""))
        elif partial:
            steps.append((end + 1, "H2:PARTIAL CERTIFICATION - EXPIRED",
                          "PARTIAL CERTIFICATION - EXPIRED", 0, ""))
        else:
            steps.append((end + 1, "H2:FULL CERTIFICATION - EXPIRED",
                          "FULL CERTIFICATION - EXPIRED", 0, ""))
    return prefix, filed, steps


# --- assembly ---------------------------------------------------------------------------------

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
        day = _day(ordinal)
        vals["d"] = day[1]
        due_date = None
        if due:
            due_day = _day(due)
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
    program = ("PERM", "PW", "LCA", "H-2A", "H-2B", "CW-1")[_pick(rnd, _PROGRAM_SHARES)]
    vals: Values = {}
    if program == "PERM":
        prefix, filed, steps = _perm(rnd, t, residue, vals)
    elif program == "PW":
        prefix, filed, steps = _pw(rnd, t, residue, vals)
    elif program == "LCA":
        prefix, filed, steps = _lca(rnd, t, residue, vals)
    else:
        prefix, filed, steps = _h2(rnd, t, residue, vals, program)
    number = f"{prefix}-{_day(filed)[0]}-{sequence:06d}"
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
PERSONA_NUMBERS = frozenset(number for number, _ in (RAJ_PW, RAJ_PERM, RAJ_LCA))

def _filed_on(number: str, shift: int) -> int:
    code = number[6:11]
    return date(2000 + int(code[:2]), 1, 1).toordinal() + int(code[2:]) - 1 + shift


def _fixed_events(steps: list[tuple[int, str, str, int]], vals: Values, office: str
                  ) -> tuple[EventRecord, ...]:
    """Events at fixed times of day: (ordinal, template key, code, five-minute slot)."""
    events = []
    for index, (planned, key, code, slot) in enumerate(steps):
        day = _day(next_weekday(planned) if index else planned)
        vals["d"] = day[1]
        events.append(EventRecord(day[2] + _SLOTS[slot], code, _TEMPLATES[key].format_map(vals),
                                  None, office, None, _EVENT_IDS[index]))
    return tuple(events)


def persona_cases(today: date) -> dict[str, list[CaseRecord]]:
    """The demo personas' OFLC cases (fixed numbers and access codes), dated relative to today.

    Raj (A098765432): a prevailing wage determination issued about 2.5 years ago, the PERM
    filed on it and certified about a year ago, and the certified LCA for his H-1B extension.
    """
    shift = today.toordinal() - REFERENCE_TODAY.toordinal()
    pw_filed = _filed_on(RAJ_PW[0], shift)
    pw_issued = pw_filed + 229
    pw_vals: Values = {
        **data.RAJ_JOB, "n": RAJ_PW[0], "use": "for a PERM application", "soc": "15-1252",
        "soc_title": "Software Developers", "level": "Level III",
        "wage": _money(177_723, hourly=False), "valid": _day(pw_issued + 240)[1],
    }
    pw = CaseRecord(
        number=RAJ_PW[0], case_type="PW", office=NPWC, subject_ref=data.RAJ_A_NUMBER,
        access_code=RAJ_PW[1],
        events=_fixed_events([(pw_filed, "PW:IN PROCESS", "IN PROCESS", 14),
                              (pw_issued, "PW:DETERMINATION ISSUED", "DETERMINATION ISSUED", 40)],
                             pw_vals, NPWC))
    perm_filed = _filed_on(RAJ_PERM[0], shift)
    certified = next_weekday(perm_filed + 474)
    perm_vals: Values = {**data.RAJ_JOB, "n": RAJ_PERM[0], "valid": _day(certified + 180)[1]}
    perm = CaseRecord(
        number=RAJ_PERM[0], case_type="PERM", office=ATLANTA, subject_ref=data.RAJ_A_NUMBER,
        access_code=RAJ_PERM[1],
        events=_fixed_events([(perm_filed, "PERM:IN PROCESS", "IN PROCESS", 20),
                              (perm_filed + 3, "PERM:ANALYST REVIEW", "ANALYST REVIEW", 31),
                              (certified, "PERM:CERTIFIED", "CERTIFIED", 52)],
                             perm_vals, ATLANTA))
    lca_filed = _filed_on(RAJ_LCA[0], shift)
    begin = lca_filed + 45
    lca_vals: Values = {
        **data.RAJ_JOB, "n": RAJ_LCA[0], "k": "1", "visa": "H-1B", "begin": _day(begin)[1],
        "end": _day(_years_later(begin, 3))[1],
    }
    lca = CaseRecord(
        number=RAJ_LCA[0], case_type="LCA", office=CHICAGO, subject_ref=data.RAJ_A_NUMBER,
        access_code=RAJ_LCA[1],
        events=_fixed_events([(lca_filed, "LCA:IN PROCESS", "IN PROCESS", 26),
                              (working_days_later(lca_filed, 4), "LCA:CERTIFIED", "CERTIFIED",
                               33)],
                             lca_vals, CHICAGO))
    return {"raj": persona_records(PERSONAS["raj"], [pw, perm, lca])}
