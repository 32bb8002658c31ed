"""How each OFLC program's case moves, as plans of dated steps: PERM (Form ETA-9089 analyst
review, audits, reconsideration and BALCA), prevailing wage (ETA-9141 and its review chain),
LCAs (ETA-9035, certified within 7 working days) and H-2A, H-2B and CW-1 (ETA-9142 notices of
deficiency and acceptance before certification).

Each plan starts on a filing date whose ordinal is ``residue`` modulo 16 (see synthetic.py) and
may run past today; the generator keeps the steps that have happened.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from adapters.labor import synthetic_data as data
from adapters.labor.facts import BALCA
from adapters.reference.synthetic import long_date, next_weekday, working_days_later

__all__ = [
    "Day",
    "Plan",
    "Step",
    "Values",
    "day_of",
    "lca",
    "money",
    "perm",
    "pick",
    "prevailing_wage",
    "temporary_labor",
    "years_later",
]

_RESIDUES = 16  # filing-date ordinal residues; 0..9 generated cases, 10..15 free for personas

# (ordinal, template key, agency code, due-date ordinal or 0, office or "" for the case's)
Step = tuple[int, str, str, int, str]
Values = dict[str, str]
# A case's program prefix, filing day and steps.
Plan = tuple[str, int, list[Step]]
# One day, cached: (YYDDD, "March 3, 2026", midnight UTC, date)
Day = tuple[str, str, datetime, date]
_DAYS: dict[int, Day] = {}


def day_of(ordinal: int) -> Day:
    """The day ``ordinal`` in every form the generator writes it (cached)."""
    hit = _DAYS.get(ordinal)
    if hit is None:
        d = date.fromordinal(ordinal)
        day_of_year = ordinal - date(d.year, 1, 1).toordinal() + 1
        hit = (f"{d.year % 100:02d}{day_of_year:03d}", long_date(d),
               datetime(d.year, d.month, d.day, tzinfo=UTC), d)
        _DAYS[ordinal] = hit
    return hit


def years_later(ordinal: int, years: int) -> int:
    """The day before the same date ``years`` later: the end of an LCA validity period."""
    start = day_of(ordinal)[3]
    try:
        return date(start.year + years, start.month, start.day).toordinal() - 1
    except ValueError:  # 29 February
        return date(start.year + years, 3, 1).toordinal() - 1


def _aligned(ordinal: int, residue: int) -> int:
    """The latest day on or before ``ordinal`` whose ordinal is ``residue`` modulo 16."""
    return ordinal - (ordinal - residue) % _RESIDUES


def pick(rnd: Callable[[], float], shares: tuple[float, ...]) -> int:
    """The index of the share one draw falls in."""
    x = rnd()
    for index, share in enumerate(shares):
        x -= share
        if x < 0:
            return index
    return len(shares) - 1


_PW_SHARES = tuple(kind[1] for kind in data.PW_KINDS)
_LCA_SHARES = tuple(kind[1] for kind in data.LCA_KINDS)


# --- PERM -------------------------------------------------------------------------------------

def _perm_certified(rnd: Callable[[], float], steps: list[Step], vals: Values, on: int) -> None:
    """CERTIFIED, then (rarely) revocation or the 180-day window lapsing unused."""
    steps.append((on, "PERM:CERTIFIED", "CERTIFIED", 0, ""))
    vals["valid"] = day_of(next_weekday(on) + 180)[1]
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
    vals["docket"] = f"{day_of(docketed)[3].year}-PER-{1 + int(rnd() * 4000):05d}"
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


def perm(rnd: Callable[[], float], today: int, residue: int, vals: Values) -> Plan:
    """A PERM application: analyst review, perhaps an audit or RFI, the decision, appeals."""
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

def money(amount: float, hourly: bool) -> str:
    """A wage as determinations state it: per hour, or per year in whole dollars."""
    return f"${amount:,.2f} per hour" if hourly else f"${round(amount):,} per year"


def _pw_reviews(rnd: Callable[[], float], steps: list[Step], vals: Values, issued: int,
                hourly: bool, wage: float) -> None:
    """The review chain: redetermination (ETA-9141 for PERM/H-1B only), Center Director, BALCA."""
    vals["wage2"] = money(wage * (0.86 + rnd() * 0.1), hourly)
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
    vals["docket"] = f"{day_of(appealed)[3].year}-PWD-{1 + int(rnd() * 300):05d}"
    steps.append((appealed, "PW:BALCA REVIEW", "BALCA REVIEW", 0, BALCA))
    ruled = appealed + 30 + int(rnd() * 200)
    if rnd() < 0.8:
        steps.append((ruled, "PW:BALCA AFFIRMED", "BALCA AFFIRMED", 0, BALCA))
    else:
        steps.append((ruled, "PW:BALCA OVERTURNED", "BALCA OVERTURNED", 0, BALCA))


def prevailing_wage(rnd: Callable[[], float], today: int, residue: int, vals: Values
                    ) -> Plan:
    """A wage request for PERM, H-1B, H-1B1, E-3, H-2B or CW-1, and its review chain."""
    prefix, _, use, hourly = data.PW_KINDS[pick(rnd, _PW_SHARES)]
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
        tier = pick(rnd, (0.2, 0.35, 0.3, 0.15))
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
    vals["wage"], vals["level"] = money(wage, hourly), level
    vals["valid"] = day_of(issued + 90 + int(rnd() * 275))[1]
    steps.append((issued, "PW:DETERMINATION ISSUED", "DETERMINATION ISSUED", 0, ""))
    _pw_reviews(rnd, steps, vals, issued, hourly, wage)
    return prefix, filed, steps


# --- LCA (ETA-9035) ---------------------------------------------------------------------------

def lca(rnd: Callable[[], float], today: int, residue: int, vals: Values) -> Plan:
    """A labor condition application, decided within 7 working days."""
    prefix, _, visa = data.LCA_KINDS[pick(rnd, _LCA_SHARES)]
    filed = _aligned(today - int(rnd() * 1100), residue)
    vals["visa"] = visa
    vals["emp"] = data.PROFESSIONAL_EMPLOYERS[int(rnd() * len(data.PROFESSIONAL_EMPLOYERS))]
    vals["job"] = data.PROFESSIONAL_JOBS[int(rnd() * len(data.PROFESSIONAL_JOBS))][0]
    vals["city"] = data.PROFESSIONAL_CITIES[int(rnd() * len(data.PROFESSIONAL_CITIES))][0]
    vals["k"] = "1" if rnd() < 0.85 else str(2 + int(rnd() * 9))
    begin = filed + 7 + int(rnd() * 170)  # an LCA may be filed up to six months ahead
    end = years_later(begin, 3) if rnd() < 0.8 else begin + 364 + int(rnd() * 700)
    vals["begin"], vals["end"] = day_of(begin)[1], day_of(end)[1]
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


def temporary_labor(rnd: Callable[[], float], today: int, residue: int, vals: Values,
                    program: str) -> Plan:
    """An H-2A, H-2B or CW-1 application: deficiency notices, recruitment, certification."""
    prefix, lead_min, lead_max, nod_days, season = _H2_RULES[program]
    filed = _aligned(today - int(rnd() * 900), residue)
    workers = _h2_parties(rnd, vals, program)
    begin = filed + lead_min + int(rnd() * (lead_max - lead_min))
    end = begin + 90 + int(rnd() * (season - 90))
    vals["begin"], vals["end"] = day_of(begin)[1], day_of(end)[1]
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
