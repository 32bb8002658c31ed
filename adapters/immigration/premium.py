"""Premium processing of USCIS cases: which forms have it, in how many business days USCIS
must act once it receives the request (8 CFR 106.4), and the case's premium record read from
its history. Sources: sources/targets.txt (premium processing)."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.sdk.records import EventRecord, PremiumRecord

__all__ = ["PREMIUM_BUSINESS_DAYS", "PREMIUM_REQUEST_CODES", "PREMIUM_SOURCE", "premium_of"]

PREMIUM_SOURCE = "8 CFR 106.4"
# Business days USCIS has to act (approve, deny, or send a request for evidence or a notice
# of intent to deny) after it receives a premium request, by form, since the 2024 fee rule:
# 15 for I-129 and most I-140; 30 for I-539 (change to F, M or J status) and I-765 (F-1 OPT
# and STEM OPT). An I-140 for a multinational manager (EB-1C) or a national interest waiver
# (EB-2 NIW) has 45: the classification is not in a case type, so a store that knows it
# passes ``business_days`` itself.
PREMIUM_BUSINESS_DAYS = {"I-129": 15, "I-140": 15, "I-539": 30, "I-765": 30}
# USCIS's titles for "the premium request was received" (the mapping table's code and its
# aliases), folded to upper case.
PREMIUM_REQUEST_CODES = frozenset(code.upper() for code in (
    "Premium Processing Fee Was Received", "Premium Processing Request Was Received",
    "Request For Premium Processing Services Was Received",
    "Request For Premium Processing Was Received"))


def premium_of(form: str, events: Sequence[EventRecord],
               business_days: int | None = None) -> PremiumRecord | None:
    """The premium processing of a ``form`` case with these ``events``: from the first
    event saying USCIS received the premium request (its clock starts then), in the form's
    business days unless ``business_days`` is given; None when there is no such event or the
    form has no premium processing."""
    days = business_days if business_days is not None else PREMIUM_BUSINESS_DAYS.get(form)
    if not days:
        return None
    for event in events:
        if event.code.strip().upper() in PREMIUM_REQUEST_CODES:
            return PremiumRecord(event.occurred_at, days, PREMIUM_SOURCE)
    return None
