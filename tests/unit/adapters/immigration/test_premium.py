"""Premium processing of USCIS cases read from their history (8 CFR 106.4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.immigration.premium import (
    PREMIUM_BUSINESS_DAYS,
    PREMIUM_REQUEST_CODES,
    premium_of,
)
from adapters.immigration.profile import PROFILE
from adapters.sdk.mapping import MappingTable
from adapters.sdk.records import EventRecord

RECEIVED = datetime(2026, 3, 2, 15, tzinfo=UTC)


def _events(*codes: str) -> list[EventRecord]:
    return [EventRecord(RECEIVED + timedelta(days=i), code, code) for i, code in enumerate(codes)]


@pytest.mark.parametrize(("form", "days"), [("I-129", 15), ("I-140", 15), ("I-539", 30),
                                            ("I-765", 30)])
def test_the_premium_timeframe_per_form(form: str, days: int) -> None:
    """8 CFR 106.4 since the 2024 fee rule: 15 business days for I-129 and most I-140, 30 for
    I-539 (F, M, J) and I-765 (OPT); the clock starts at the request received."""
    premium = premium_of(form, _events("Case Was Received", "Premium Processing Fee Was Received"))
    assert premium is not None
    assert (premium.requested_at, premium.business_days, premium.source) == (
        RECEIVED + timedelta(days=1), days, "8 CFR 106.4")


def test_the_agencys_wording_variants_and_a_stated_45_days() -> None:
    """8 CFR 106.4: an EB-1C or NIW I-140 has 45 business days when the store knows it; USCIS
    also words the request "Request For Premium Processing Services Was Received"."""
    events = _events("Request For Premium Processing Services Was Received")
    premium = premium_of("I-140", events, business_days=45)
    assert premium is not None and premium.business_days == 45


def test_no_premium_without_its_request_or_for_a_form_without_it() -> None:
    assert premium_of("I-140", _events("Case Was Received")) is None
    assert premium_of("I-130", _events("Premium Processing Fee Was Received")) is None
    assert "I-130" not in PREMIUM_BUSINESS_DAYS


def test_every_request_code_is_in_the_mapping_table_as_premium_processing() -> None:
    """The codes read as "request received" are the mapping table's, so real data has them."""
    table = MappingTable.load(PROFILE.mapping_path)
    for code in PREMIUM_REQUEST_CODES:
        entry = table.lookup(code, None)
        assert entry is not None and entry.milestone == "PREMIUM_PROCESSING", code
