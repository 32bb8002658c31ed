"""Synthetic USCIS case histories for the demo store (deterministic, fast): invented cases
filed with the agency's real forms and offices (facts.py)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from adapters.immigration.facts import CASE_TYPES, RECEIPT_OFFICES
from adapters.reference.people import PERSONAS, generated_identity, persona_records
from adapters.reference.synthetic import long_date, random_access_code
from adapters.sdk.records import CaseRecord, EventRecord, RelatedRecord

__all__ = ["generate_case", "persona_cases"]

# Share of each form among generated cases.
_FORMS = ("I-765", "I-765", "I-485", "I-130", "I-130", "N-400", "I-131", "I-90", "I-140",
          "I-129", "I-539", "I-751", "I-589", "I-129F", "I-821D", "I-360", "I-601A")

_REJECTIONS = (
    "Case Was Rejected Because I Did Not Sign My Form",
    "Case Was Rejected Because I Sent An Incorrect Fee",
    "Case Was Rejected Because The Version Of The Form I Sent Is No Longer Accepted",
    "Case Was Rejected Because It Was Improperly Filed",
    "Case Was Rejected For Insufficient Funds",
)

R = "Case Was Received"
BIO_S = "Biometrics Appointment Was Scheduled"
BIO_D = "Case Was Updated To Show Fingerprints Were Taken"
REVIEW = "Case Is Being Actively Reviewed By USCIS"
RFE = "Request for Evidence Was Sent"
RFE_R = "Response To USCIS' Request For Evidence Was Received"
NOID = "Notice Of Intent To Deny Was Sent"
NOID_R = "Response To Notice of Intent To Deny Was Received"
INT_S = "Interview Was Scheduled"
INT_D = "Interview Was Completed And My Case Must Be Reviewed"
OK = "Case Was Approved"
DENY = "Case Was Denied"
CARD = ("New Card Is Being Produced", "Card Was Mailed To Me",
        "Card Was Picked Up By The United States Postal Service",
        "Card Was Delivered To Me By The Post Office")
DOC = ("Document Production Has Been Ordered", "Document Was Mailed To Me")
# An asylum office that does not grant an affirmative asylum application refers it to the
# immigration court with a Notice to Appear; the judge hears it in the removal case.
TO_COURT = "Case Was Sent To The Executive Office of Immigration Review"

# (days after the previous event: low, high) for each code; default below.
_GAPS: dict[str, tuple[int, int]] = {
    R: (0, 0), BIO_S: (14, 45), BIO_D: (14, 30), REVIEW: (30, 240), RFE: (30, 200),
    RFE_R: (20, 85), NOID: (30, 150), NOID_R: (10, 32), INT_S: (30, 200), INT_D: (20, 60),
    OK: (7, 120), DENY: (7, 120), CARD[0]: (0, 3), CARD[1]: (3, 10), CARD[2]: (1, 2),
    CARD[3]: (1, 4), DOC[0]: (0, 3), DOC[1]: (5, 15), "Premium Processing Fee Was Received": (0, 1),
    "Case Was Sent To The Department of State": (20, 60),
    "Oath Ceremony Was Scheduled": (7, 45), "Oath Ceremony Was Completed": (14, 45),
    "Withdrawal Acknowledgement Notice Was Sent": (20, 200),
    "Case Was Transferred And A New Office Has Jurisdiction": (20, 200),
    "Continuation Notice Was Mailed": (0, 3), "Card Was Returned To USCIS": (5, 15),
    "Appeal Was Sent To The Administrative Appeals Office": (45, 90),
}
_DEFAULT_GAP = (10, 60)
_APPOINTMENT = {BIO_S: (14, 30), INT_S: (21, 45), "Oath Ceremony Was Scheduled": (14, 40)}

_TEXTS: dict[str, str] = {
    R: ("On {d}, we received your Form {f}, {n}, Receipt Number {r}, and sent you the receipt "
        "notice that describes how we will process your case. Please follow the instructions in "
        "the notice. If you move, go to www.uscis.gov/addresschange to give us your new mailing "
        "address."),
    BIO_S: ("As of {d}, we scheduled your biometrics appointment for your Form {f}, {n}, Receipt "
            "Number {r}. We mailed you an appointment notice. Please follow the instructions in "
            "the notice."),
    BIO_D: ("As of {d}, fingerprints relating to your Form {f}, {n}, Receipt Number {r}, have "
            "been applied to your case."),
    REVIEW: ("As of {d}, we are actively reviewing your Form {f}, {n}, Receipt Number {r}. Our "
             "records show nothing is outstanding at this time. We will let you know if we need "
             "anything from you."),
    RFE: ("On {d}, we sent a request for additional evidence for your Form {f}, {n}, Receipt "
          "Number {r}. The request for evidence explains what we need from you. We will not take "
          "action on your case until we receive the evidence or the deadline to submit it "
          "expires."),
    RFE_R: ("On {d}, we received your response to our Request for Evidence for your Form {f}, "
            "{n}, Receipt Number {r}. USCIS has begun working on your case again."),
    NOID: ("On {d}, we mailed a notice of intent to deny for your Form {f}, {n}, Receipt Number "
           "{r}. The notice explains why we intend to deny your case and how to respond."),
    INT_S: ("On {d}, we scheduled an interview for your Form {f}, {n}, Receipt Number {r}. We "
            "mailed you an interview notice. Please follow the instructions in the notice."),
    INT_D: ("On {d}, your interview was completed for your Form {f}, {n}, Receipt Number {r}, "
            "and your case must be reviewed. We will mail you a decision or notice."),
    OK: ("On {d}, we approved your Form {f}, {n}, Receipt Number {r}. We sent you an approval "
         "notice. Please follow the instructions in the notice."),
    DENY: ("On {d}, we denied your Form {f}, {n}, Receipt Number {r}. We sent you a decision "
           "notice that explains why we denied your case."),
    CARD[0]: ("On {d}, we ordered your new card for Receipt Number {r}, and will mail it to the "
              "address you gave us."),
    CARD[1]: ("On {d}, we mailed your new card for Receipt Number {r}, to the address you gave "
              "us. The U.S. Postal Service (USPS) tracking number is {t}."),
    CARD[2]: ("On {d}, the Post Office picked up mail containing your new card for Receipt "
              "Number {r}. The tracking number is {t}."),
    CARD[3]: ("On {d}, the Post Office delivered your new card for Receipt Number {r}, to the "
              "address you gave us. The tracking number is {t}."),
    DOC[0]: ("On {d}, we ordered the production of your document for Receipt Number {r}. We "
             "will mail it to the address you gave us."),
    DOC[1]: ("On {d}, we mailed your document for Receipt Number {r}, to the address you gave "
             "us. The tracking number is {t}."),
    TO_COURT: ("On {d}, we referred your Form {f}, {n}, Receipt Number {r}, to the Executive "
               "Office for Immigration Review (the immigration court) and sent you a Notice to "
               "Appear. An immigration judge will hear your application in your removal "
               "proceedings. Please follow the instructions in the notice."),
}
_FALLBACK = "On {d}, the status of your Form {f}, {n}, Receipt Number {r}, was updated: {c}."


def _path(rng: random.Random, form: str) -> list[str]:
    """The full sequence of codes this case will go through (cut at today later)."""
    roll = rng.random()
    if roll < 0.03:
        return [rng.choice(_REJECTIONS)]
    steps = [R]
    if form in {"I-140", "I-129"} and rng.random() < 0.5:
        steps.append("Premium Processing Fee Was Received")
    if form in {"I-751"}:
        steps.append("Continuation Notice Was Mailed")
    if form in {"I-485", "I-765", "N-400", "I-131", "I-90", "I-751", "I-589", "I-821D"} and (
            form != "I-765" or rng.random() < 0.4):
        steps += [BIO_S, BIO_D]
    if rng.random() < 0.25:
        steps += [RFE, RFE_R]
    if form in {"I-485", "N-400", "I-589", "I-751"} and rng.random() < 0.8:
        steps += [INT_S, INT_D]
    else:
        steps.append(REVIEW)
    outcome = rng.random()
    if outcome < 0.04:
        return [*steps, "Withdrawal Acknowledgement Notice Was Sent"]
    if outcome < 0.10:
        end = [NOID, NOID_R, DENY] if rng.random() < 0.5 else [DENY]
        if rng.random() < 0.3:
            end.append("Appeal Was Sent To The Administrative Appeals Office")
        return steps + end
    if form == "I-589" and outcome < 0.35:
        return [*steps, "Case Was Transferred And A New Office Has Jurisdiction"]
    steps.append(OK)
    if form in {"I-485", "I-765", "I-90", "I-751", "I-821D"}:
        # A few cards come back undeliverable instead of being delivered.
        steps += CARD if rng.random() < 0.97 else [*CARD[:2], "Card Was Returned To USCIS"]
    elif form == "I-131":
        steps += DOC
    elif form == "N-400":
        steps += ["Oath Ceremony Was Scheduled", "Oath Ceremony Was Completed"]
    elif form in {"I-130", "I-129F"} and rng.random() < 0.6:
        steps.append("Case Was Sent To The Department of State")
    return steps


def _when(day: date, rng: random.Random) -> datetime:
    # Business hours on the East Coast, recorded in UTC.
    return datetime.combine(day, time(13 + rng.randrange(9), rng.randrange(60)), UTC)


def _text(code: str, day: date, form: str, number: str, tracking: str) -> str:
    template = _TEXTS.get(code, _FALLBACK)
    return template.format(d=long_date(day), f=form,
                           n=CASE_TYPES[form], r=number, t=tracking, c=code)


def _events(rng: random.Random, steps: list[str], start: date, today: date, form: str,
            number: str, office: str) -> tuple[EventRecord, ...]:
    events: list[EventRecord] = []
    day = start
    tracking = f"9400{rng.randrange(10**17, 10**18)}"
    for code in steps:
        low, high = _GAPS.get(code, _DEFAULT_GAP)
        day = day + timedelta(days=rng.randint(low, high)) if events else day
        if day > today:
            break
        due = None
        if code in _APPOINTMENT:
            lo, hi = _APPOINTMENT[code]
            due = day + timedelta(days=rng.randint(lo, hi))
        elif code in (RFE, NOID):
            due = day + timedelta(days=87 if code == RFE else 33)
        at = _when(day, rng)
        if events and at <= events[-1].occurred_at:
            # Same-day steps: keep the agency's order.
            at = events[-1].occurred_at + timedelta(minutes=1 + rng.randrange(30))
        events.append(EventRecord(occurred_at=at, code=code,
                                  text=_text(code, day, form, number, tracking),
                                  due_date=due, office=office))
    return tuple(events)


def generate_case(rng: random.Random, serial: int, today: date) -> CaseRecord:
    """One generated case; the receipt number's last 8 digits are the serial (unique)."""
    form = rng.choice(_FORMS)
    prefix, office = rng.choice(RECEIPT_OFFICES[form])
    start = today - timedelta(days=rng.randint(0, 1000))
    year = (start.year + (1 if start.month >= 10 else 0)) % 100  # federal fiscal year
    # Generated serials are < 10,000,000, so digit 3 of the tail is always 0; persona
    # numbers use 9 there and can never collide.
    number = f"{prefix}{'09' if prefix == 'IOE' else f'{year:02d}'}{serial:08d}"
    events = _events(rng, _path(rng, form), start, today, form, number, office)
    subject = (f"A{rng.randrange(10**8, 10**9):09d}" if rng.random() < 0.6
               else f"USCIS-{serial:08d}")
    return CaseRecord(number=number, case_type=form, office=office, subject_ref=subject,
                      access_code=random_access_code(rng), events=events,
                      identity=generated_identity(serial, subject))


def _persona_case(number: str, form: str, subject: str, code: str,
                  steps: list[tuple[str, int, int | None]], today: date) -> CaseRecord:
    """A case from (code, days before today, due in days from the event or None)."""
    office = "Potomac Service Center"
    events: list[EventRecord] = []
    for i, (step, ago, due_in) in enumerate(steps):
        day = today - timedelta(days=ago)
        events.append(EventRecord(
            occurred_at=datetime.combine(day, time(14 + i % 6, 5 * i % 60), UTC), code=step,
            text=_text(step, day, form, number, "9400111206213587654321"),
            due_date=day + timedelta(days=due_in) if due_in is not None else None,
            office=office))
    return CaseRecord(number=number, case_type=form, office=office, subject_ref=subject,
                      access_code=code, events=tuple(events))


def persona_cases(today: date) -> dict[str, list[CaseRecord]]:
    """Ana's and Raj's USCIS cases (fixed numbers and access codes); Raj's name the cases
    they are built on or filed with (his I-140 the certified PERM at labor), Ana's asylum
    application the removal case at the immigration court where it is heard."""
    ana, raj = PERSONAS["ana"].numbers[0], PERSONAS["raj"].numbers[0]
    cases = {
        "ana": [
            _persona_case("IOE0990000001", "I-765", ana, "7KQ2-M9DX-R4PW", [
                (R, 120, None), (BIO_D, 101, None), (REVIEW, 60, None), (RFE, 20, 87)], today),
            _persona_case("IOE0990000002", "I-130", ana, "H3TN-8VCE-5WQA", [
                (R, 410, None), (REVIEW, 35, None)], today),
            # Filed with USCIS (affirmative), interviewed, not granted: referred to the court
            # ten days before the Notice to Appear opened her removal case there.
            replace(_persona_case("IOE0990000003", "I-589", ana, "Z4HM-7PKT-3WRA", [
                (R, 850, None), (BIO_S, 836, 21), (BIO_D, 815, None), (INT_S, 790, 28),
                (INT_D, 762, None), (TO_COURT, 740, None)], today),
                related=(RelatedRecord("courts", ANA_REMOVAL, "HEARD_IN"),)),
        ],
        "raj": [
            replace(_persona_case("IOE0990000011", "I-140", raj, "P6MZ-4RKB-9XHD", [
                (R, 250, None), ("Premium Processing Fee Was Received", 250, None),
                (OK, 241, None)], today), related=(
                    RelatedRecord("labor", RAJ_PERM, "BASED_ON"),
                    RelatedRecord("immigration", "IOE0990000012", "BASIS_FOR"))),
            replace(_persona_case("IOE0990000012", "I-485", raj, "Q8WA-2NJT-7CFV", [
                (R, 212, None), (BIO_S, 190, 20), (BIO_D, 170, None), (INT_S, 10, 35)], today),
                related=(RelatedRecord("immigration", "IOE0990000011", "BASED_ON"),
                         RelatedRecord("immigration", "IOE0990000013", "FILED_WITH"),
                         RelatedRecord("immigration", "IOE0990000014", "FILED_WITH"))),
            replace(_persona_case("IOE0990000013", "I-765", raj, "T5HX-3KDM-6RPB", [
                (R, 212, None), (OK, 120, None), (CARD[0], 118, None), (CARD[1], 115, None),
                (CARD[3], 111, None)], today), related=_WITH_RAJ_I485),
            replace(_persona_case("IOE0990000014", "I-131", raj, "W9CE-7PQT-4MKN", [
                (R, 212, None), (OK, 100, None), (DOC[0], 99, None), (DOC[1], 95, None)],
                today), related=_WITH_RAJ_I485),
        ],
    }
    return {who: persona_records(PERSONAS[who], records) for who, records in cases.items()}


# Ana's removal case at the immigration court (adapters/courts/synthetic.py), where her
# asylum application is heard.
ANA_REMOVAL = "A201555123"
# Raj's certified PERM at labor (adapters/labor/synthetic_data.py), his I-140's basis.
RAJ_PERM = "G-100-24218-604417"
_WITH_RAJ_I485 = (RelatedRecord("immigration", "IOE0990000012", "FILED_WITH"),)
