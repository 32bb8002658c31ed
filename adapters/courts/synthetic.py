"""Deterministic, fast generator of EOIR demo histories (immigration courts and the BIA).

Processes follow EOIR's: a charging document (Notice to Appear, or a Notice of Referral for
limited proceedings) opens the case; master calendar hearings months apart are adjourned and
reset; an individual hearing follows, often a year or more later; the judge decides; a party
may appeal to the Board of Immigration Appeals (briefing schedule, briefs, decision months
later) and then petition a federal court of appeals. Bond and fear-review cases run in days.
The courts are EOIR's own (facts.py); judges, people and outcomes are invented.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from datetime import date

from adapters.courts import synthetic_texts as texts
from adapters.courts.facts import BIA_NAME, COURTS, DETAINED_COURTS, NON_DETAINED_COURTS
from adapters.courts.synthetic_case import (
    BASE_ORD,
    DATE_TEXT,
    CaseInProgress,
    ReachedToday,
    today_ordinal,
    with_due,
)
from adapters.courts.synthetic_data import (
    ADJOURNMENT_REASONS,
    APPEAL_REJECTION_REASONS,
    ASYLUM_DECISIONS,
    ASYLUM_ONLY_DECISIONS,
    BIA_DECISIONS,
    BOND_AMOUNTS,
    BOND_BIA_DECISIONS,
    BOND_SLOTS,
    CASE_TYPE_SHARES,
    DHS_BIA_DECISIONS,
    FILING_DOCUMENTS,
    FINAL_ADVERSE,
    FIRST_MASTER_REASONS,
    FORM_DECISIONS,
    GRANTS,
    INDIVIDUAL_SLOTS,
    JUDGES,
    MASTER_SLOTS,
    NO_RELIEF_DECISIONS,
    RELIEF_FORMS,
    WITHHOLDING_ONLY_DECISIONS,
    Table,
)
from adapters.reference.people import PERSONAS, generated_identity, persona_records
from adapters.reference.synthetic import access_code, next_weekday, prior_weekday
from adapters.sdk.records import CaseRecord, HearingRecord, RelatedRecord

__all__ = ["PERSONA_ACCESS_CODE", "PERSONA_NUMBER", "generate_case", "persona_cases"]

PERSONA_NUMBER = "A201555123"
PERSONA_ACCESS_CODE = "H4TZ-9QMB-2WKE"
PERSONA_COURT = COURTS[0]
# Ana's asylum application at USCIS (adapters/immigration/synthetic.py), referred to the court
# and heard in her removal case.
PERSONA_ASYLUM_APPLICATION = "IOE0990000003"
# Generated A-numbers come from their own block, so they never collide with a persona's.
GENERATED_BASE = 300_000_000
MAX_SERIAL = 9_999_999
def _pick(table: Table, r: float) -> str:
    for cumulative, value in table:
        if r < cumulative:
            return value
    return table[-1][1]


def _kind_of(htype: str) -> str:
    return texts.HEARING_KINDS[htype]


def _held(c: CaseInProgress, htype: str, record: HearingRecord, o: int, t: int,
          reason: str = "") -> int:
    """Emit that the hearing took place; adjourned when a ``reason`` is given."""
    d = DATE_TEXT[o - BASE_ORD]
    if reason:
        text = texts.NOTICES["HEARING ADJOURNED"].format(
            kind=_kind_of(htype), d=d, j=c.judge, reason=reason)
        return c.at_hearing(t, "HEARING ADJOURNED", text, hearing=record)
    key = "PLEADINGS TAKEN" if htype == "MASTER" else "HEARING COMPLETED"
    text = texts.NOTICES[key].format(kind=_kind_of(htype), d=d, j=c.judge)
    return c.at_hearing(t, "HEARING COMPLETED", text, hearing=record)


def _set_hearing(c: CaseInProgress, code: str, htype: str, notice: int, o: int,
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
                kind=_kind_of(htype), old=DATE_TEXT[old - BASE_ORD])
            c.emit(change, "HEARING CANCELLED", text, hearing=record)
            change += c.days(10, 60)
            record, o, t, when = c.hearing(htype, old + c.days(30, 200), slots, record.medium)
            c.schedule(code, htype, change, record, o, when)
        else:
            record, o, t, when = c.hearing(htype, old + c.days(20, 240), slots, record.medium)
            c.schedule("HEARING RESCHEDULED", htype, change, record, o, when, old=old)
    # A hearing on today or later has not happened yet: the history ends with the notice.
    if o >= c.today:
        raise ReachedToday
    return record, o, t


def _file_relief(c: CaseInProgress, o: int) -> None:
    if c.relief == "asylum":
        c.notice(o, "ASYLUM APPLICATION FILED")
        if c.rand() < 0.7:
            c.notice(o, "BIOMETRICS INSTRUCTIONS PROVIDED")
    elif c.relief:
        c.notice(o, "APPLICATION FOR RELIEF FILED", form=c.relief)


def _absentia(c: CaseInProgress, htype: str, o: int, t: int) -> None:
    c.decide(o, "IN ABSENTIA REMOVAL ORDER", t=t, due=next_weekday(o + 180), kind=_kind_of(htype))
    if c.rand() >= 0.2 or c.reopened:
        return
    filed = c.notice(o + c.days(20, 150), "MOTION TO REOPEN FILED")
    if c.rand() < 0.3:
        code = "STAY OF REMOVAL GRANTED" if c.rand() < 0.6 else "STAY OF REMOVAL DENIED"
        c.notice(filed + 2 + int(c.rand() * 8), code)
    decided = next_weekday(filed + 20 + int(c.rand() * 120))
    if c.rand() < 0.55:
        c.notice(decided, "MOTION TO REOPEN GRANTED")
        c.reopened = True
        back = c.notice(decided + 3 + int(c.rand() * 30), "CASE RECALENDARED")
        _proceedings(c, back)
    else:
        due = decided + 30
        c.notice(decided, "MOTION TO REOPEN DENIED", due=DATE_TEXT[due - BASE_ORD])
        c.events[-1] = with_due(c.events[-1], due)
        if c.rand() < 0.2:
            _appeal(c, decided, dhs=False)


def _masters(c: CaseInProgress, start: int, count: int) -> int:
    """Master calendar hearings; the day the individual hearing was set, or 0 if the case ended."""
    notice = start + c.days(3, 40)
    planned = notice + c.days(30, 330)
    removal = c.kind == "REMOVAL"
    for i in range(count):
        record, o, t = _set_hearing(c, "MASTER HEARING SCHEDULED", "MASTER", notice, planned,
                                    MASTER_SLOTS)
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


def _early_end(c: CaseInProgress, o: int, t: int, r: float) -> None:
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
        c.decide(o, "VOLUNTARY DEPARTURE GRANTED", t=t, due=next_weekday(o + 120))


def _change_venue(c: CaseInProgress, o: int) -> int:
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


def _individual(c: CaseInProgress, set_on: int, table: Table) -> None:
    record, o, t, when = c.hearing("INDIVIDUAL", set_on + c.days(120, 600), INDIVIDUAL_SLOTS)
    if c.rand() < 0.5:
        due = next_weekday(o - 15)
        c.notice(set_on, "FILING DEADLINE SET", due=DATE_TEXT[due - BASE_ORD])
        c.events[-1] = with_due(c.events[-1], due)
    c.schedule("INDIVIDUAL HEARING SCHEDULED", "INDIVIDUAL", set_on, record, o, when)
    if o >= c.today:
        raise ReachedToday
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
                                    o + c.days(60, 240), INDIVIDUAL_SLOTS)
    held = _held(c, "INDIVIDUAL", record, o, t)
    code = _pick(table, c.rand())
    if not code:
        code = RELIEF_CODES.get(c.relief, "RELIEF GRANTED")
    if c.rand() < 0.12:
        c.notice(held, "DECISION RESERVED")
        _decision(c, next_weekday(held + 20 + int(c.rand() * 100)), code, 0)
    else:
        _decision(c, o, code, t)


RELIEF_CODES: dict[str, str] = dict(RELIEF_FORMS)


def _reset_individual(c: CaseInProgress, set_on: int, record: HearingRecord,
                      o: int) -> tuple[HearingRecord, int, int]:
    """Individual hearings are often reset by the court (docket changes, judge reassignment)."""
    t = o * 1440 + int(record.scheduled_at.hour * 60 + record.scheduled_at.minute)
    if c.rand() < 0.25 and o - set_on > 60:
        change = set_on + int((o - set_on) * (0.4 + 0.5 * c.rand()))
        old = o
        record, o, t, when = c.hearing("INDIVIDUAL", old + c.days(60, 300), INDIVIDUAL_SLOTS,
                                       record.medium)
        c.schedule("HEARING RESCHEDULED", "INDIVIDUAL", change, record, o, when, old=old)
        if o >= c.today:
            raise ReachedToday
    return record, o, t


def _decision(c: CaseInProgress, o: int, code: str, t: int) -> None:
    fields = {"form": "application for relief"}
    due = 0
    if code in ("REMOVAL ORDERED", "APPLICATION FOR RELIEF DENIED"):
        due = o + 30
        fields["what"] = ("withholding of removal and protection under the Convention Against"
                          " Torture" if c.kind == "WITHHOLDING_ONLY" else
                          "asylum and withholding of removal")
    elif code == "VOLUNTARY DEPARTURE GRANTED":
        # At the conclusion of proceedings the judge may allow at most 60 days.
        due = next_weekday(o + 60)
    elif code == "RELIEF GRANTED":
        fields["form"] = c.relief.split(",")[0] if c.relief else "application for relief"
    decided = c.decide(o, code, t=t, due=due, **fields)
    r = c.rand()
    if code in GRANTS or code == "PROCEEDINGS TERMINATED":
        if r < 0.08:
            _appeal(c, decided, dhs=True)
    elif due and code != "VOLUNTARY DEPARTURE GRANTED" and r < 0.35:
        _appeal(c, decided, dhs=False)
    elif code == "ADMINISTRATIVELY CLOSED" and r < 0.3 and not c.reopened:
        c.reopened = True
        back = c.notice(decided + 200 + int(c.rand() * 900), "CASE RECALENDARED")
        _proceedings(c, back)


def _appeal(c: CaseInProgress, decided: int, dhs: bool, bond: bool = False) -> None:
    deadline = decided + 30
    filed = next_weekday(decided + 5 + int(c.rand() * 22))
    if not dhs and c.rand() < 0.04:
        reason = APPEAL_REJECTION_REASONS[int(c.rand() * len(APPEAL_REJECTION_REASONS))]
        c.emit(filed + 3, "APPEAL REJECTED", texts.NOTICES["APPEAL REJECTED"].format(
            d=DATE_TEXT[filed + 3 - BASE_ORD], reason=reason,
            due=DATE_TEXT[deadline - BASE_ORD]), due=deadline, office=BIA_NAME)
        filed += 6
        if filed > deadline:
            return
    code = "DHS APPEAL RECEIVED AT BIA" if dhs else "APPEAL RECEIVED AT BIA"
    _bia(c, filed, code)
    if bond:
        _bia_decision(c, filed + 45 + int(c.rand() * 150), BOND_BIA_DECISIONS, False)
        return
    issued = next_weekday(filed + 20 + int(c.rand() * 120))
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
    decided = next_weekday(pending + 90 + int(c.rand() * 700))
    if dhs:
        _bia_decision(c, decided, DHS_BIA_DECISIONS, True)
    elif not briefed and c.rand() < 0.5:
        _bia_decision(c, decided, ((1.0, "BIA DECISION: SUMMARILY DISMISSED"),), True)
    else:
        _bia_decision(c, decided, BIA_DECISIONS, True)


def _bia(c: CaseInProgress, o: int, code: str, due: int = 0) -> int:
    text = texts.NOTICES[code].format(d=DATE_TEXT[o - BASE_ORD],
                                      due=DATE_TEXT[due - BASE_ORD] if due else "")
    return c.emit(o, code, text, due=due, office=BIA_NAME)


def _bia_decision(c: CaseInProgress, o: int, table: Table, follow: bool) -> None:
    code = _pick(table, c.rand())
    due = o + 30 if code in FINAL_ADVERSE else 0
    decided = c.decide(o, code, due=due, office=BIA_NAME)
    if not follow:
        return
    if due and c.rand() < 0.18:
        circuit = c.court.circuit
        office = f"U.S. Court of Appeals for the {circuit} Circuit"
        filed = decided + 10 + int(c.rand() * 19)
        c.emit(filed, "FEDERAL COURT PETITION FOR REVIEW FILED", texts.NOTICES[
            "FEDERAL COURT PETITION FOR REVIEW FILED"].format(
                d=DATE_TEXT[filed - BASE_ORD], circuit=circuit), office=office)
        ruled = next_weekday(filed + 300 + int(c.rand() * 600))
        code = ("FEDERAL COURT PETITION FOR REVIEW DENIED" if c.rand() < 0.8
                else "REMANDED BY FEDERAL COURT")
        c.emit(ruled, code, texts.NOTICES[code].format(
            d=DATE_TEXT[ruled - BASE_ORD], circuit=circuit), office=office)
    elif code == "BIA DECISION: REMANDED" and not c.reopened:
        c.reopened = True
        _proceedings(c, decided, masters=1)


def _proceedings(c: CaseInProgress, start: int, masters: int = 0) -> None:
    """Master hearings, then the individual hearing and decision, from day ``start``."""
    count = masters or 1 + int(c.rand() * c.rand() * 4)
    set_on = _masters(c, start, count)
    if set_on:
        _individual(c, set_on, _decision_table(c))


def _decision_table(c: CaseInProgress) -> Table:
    if c.kind == "ASYLUM_ONLY":
        return ASYLUM_ONLY_DECISIONS
    if c.kind == "WITHHOLDING_ONLY":
        return WITHHOLDING_ONLY_DECISIONS
    if c.relief == "asylum":
        return ASYLUM_DECISIONS
    return FORM_DECISIONS if c.relief else NO_RELIEF_DECISIONS


def _removal(c: CaseInProgress, start: int) -> None:
    c.notice(start, "NOTICE TO APPEAR FILED", anum=c.anum)
    r = c.rand()
    if r < 0.62:
        c.relief = "asylum"
    elif r < 0.82:
        c.relief = RELIEF_FORMS[int(c.rand() * len(RELIEF_FORMS))][0]
    if c.rand() < 0.15:
        c.notice(start + c.days(5, 60), "REPRESENTATIVE ENTERED APPEARANCE")
    _proceedings(c, start)


def _protection_only(c: CaseInProgress, start: int) -> None:
    purpose = "asylum-only proceedings" if c.kind == "ASYLUM_ONLY" else (
        "withholding-only proceedings")
    c.notice(start, "NOTICE OF REFERRAL TO IMMIGRATION JUDGE FILED", purpose=purpose)
    c.relief = "asylum"
    _proceedings(c, start, masters=1 + int(c.rand() * 2))


def _bond(c: CaseInProgress, start: int) -> None:
    rand = c.rand
    dhs_amount = BOND_AMOUNTS[2 + int(rand() * 7)]
    no_bond = rand() < 0.35
    c.notice(start, "BOND REDETERMINATION REQUEST RECEIVED",
             dhs_bond="no bond" if no_bond else f"bond set at ${dhs_amount:,}")
    _, o, t = _set_hearing(c, "BOND HEARING SCHEDULED", "BOND", start,
                                start + 2 + int(rand() * 10), BOND_SLOTS)
    r = rand()
    if r < 0.35:
        amount = BOND_AMOUNTS[int(rand() * 6)]
        c.decide(o, "BOND GRANTED", t=t, amount=f"${amount:,}")
    elif r < 0.60 and not no_bond:
        amount = BOND_AMOUNTS[int(rand() * 3)]
        c.decide(o, "BOND REDETERMINED", t=t, amount=f"${amount:,}",
                 old_amount=f"${dhs_amount:,}")
    elif r < 0.92:
        what = "no bond" if no_bond else f"bond remains at ${dhs_amount:,}"
        decided = c.decide(o, "BOND DENIED", t=t, what=what)
        if rand() < 0.12:
            _appeal(c, decided, dhs=False, bond=True)
    else:
        c.decide(o, "BOND REQUEST WITHDRAWN", t=t)


def _fear_review(c: CaseInProgress, start: int) -> None:
    credible = c.kind == "CREDIBLE_FEAR_REVIEW"
    purpose = ("review of a negative credible fear determination" if credible
               else "review of a negative reasonable fear determination")
    c.notice(start, "NOTICE OF REFERRAL TO IMMIGRATION JUDGE FILED", purpose=purpose)
    medium = "VIDEO" if c.rand() < 0.7 else "TELEPHONIC"
    record, o, t, when = c.hearing("INDIVIDUAL", start + 1 + int(c.rand() * (6 if credible else 9)),
                                   BOND_SLOTS, medium)
    c.schedule("FEAR REVIEW HEARING SCHEDULED", "FEAR", start, record, o, when)
    if o >= c.today:
        raise ReachedToday
    finding = "CREDIBLE" if credible else "REASONABLE"
    outcome = "AFFIRMED" if c.rand() < 0.72 else "VACATED"
    c.decide(o, f"NEGATIVE {finding} FEAR FINDING {outcome}", t=t)


_FLOWS: dict[str, Callable[[CaseInProgress, int], None]] = {
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


def generate_case(rng: random.Random, serial: int, today: date) -> CaseRecord:
    """A realistic EOIR case for ``serial`` (0..9,999,999), with events up to ``today``."""
    if not 0 <= serial <= MAX_SERIAL:
        raise ValueError(f"serial {serial} is outside 0..{MAX_SERIAL}")
    today_o = today_ordinal(today)
    rand = rng.random
    access = access_code(rng.getrandbits(60))
    kind = _pick(CASE_TYPE_SHARES, rand())
    detained = kind in _DETAINED_KINDS or (kind != "ASYLUM_ONLY" and rand() < 0.12)
    pool = DETAINED_COURTS if detained else NON_DETAINED_COURTS
    court = pool[int(rand() * len(pool))]
    anum = f"A{GENERATED_BASE + serial}"
    c = CaseInProgress(rand, today_o, anum, court, detained, kind)
    # Skewed towards recent filings, as the pending caseload is.
    start = today_o - int(_SPAN[kind] * rand() ** 1.4)
    start = prior_weekday(start)
    # A flow raises ReachedToday when the next step would fall after today: the case is pending.
    with contextlib.suppress(ReachedToday):
        _FLOWS[kind](c, start)
    return CaseRecord(anum, kind, c.court.name, anum, access, tuple(c.events),
                      identity=generated_identity(serial, anum))


def persona_cases(today: date) -> dict[str, list[CaseRecord]]:
    """The demo personas' EOIR cases, fixed for a given ``today``."""
    return {"ana": persona_records(PERSONAS["ana"], [_ana(today)])}


def _ana(today: date) -> CaseRecord:
    """Ana: removal proceedings in New York, opened by the Notice to Appear that referred her
    asylum application (USCIS's I-589, which the case names as heard in it); the application
    lodged with the court, individual hearing in ~45 days."""
    today_o = today_ordinal(today)
    rand = random.Random(f"courts-persona-ana-{today_o}").random
    court = PERSONA_COURT
    c = CaseInProgress(rand, today_o, PERSONA_NUMBER, court, False, "REMOVAL")
    c.judge = JUDGES[court.name][0]
    c.relief = "asylum"
    nta = today_o - 730
    nta = prior_weekday(nta)
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
                      PERSONA_ACCESS_CODE, tuple(c.events),
                      related=(RelatedRecord("immigration", PERSONA_ASYLUM_APPLICATION,
                                             "HEARS"),))
