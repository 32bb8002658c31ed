"""A tiny agency for SDK and aggregator tests: numbers are FAK + 6 digits."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from adapters.sdk import AgencyProfile, CaseRecord, EventRecord, InvalidNumberError, NumberFormat

FORMATS = (NumberFormat("fake number", r"^FAK\d{6}$", "FAK123456", "FAK and 6 digits"),)
_PATTERN = re.compile(r"^FAK\d{6}$")


def normalize(raw: str) -> str:
    """Canonical FAK number or InvalidNumberError."""
    number = raw.strip().upper()
    if not _PATTERN.match(number):
        raise InvalidNumberError(raw, FORMATS, "not FAK and 6 digits")
    return number


def profile(agency_id: str = "fake") -> AgencyProfile:
    """The fake agency's profile under ``agency_id``."""
    here = Path(__file__).parent
    return AgencyProfile(
        agency_id=agency_id, name=f"Fake Agency {agency_id}", name_es=f"Agencia {agency_id}",
        case_types={"F-1": "Fake form"}, number_formats=FORMATS, normalize_number=normalize,
        mapping_path=here / "fake_mapping.toml", known_codes_path=here / "fake_mapping.toml")


T0 = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
# "Now" in the fake agency's world: after its cases' events, before their deadlines.
NOW = T0 + timedelta(days=30)


def case(number: str, codes: list[str], start: datetime = T0, subject: str = "S1",
         access_code: str = "ABCD-EFGH-JKLM") -> CaseRecord:
    """A case whose events are ``codes`` one day apart, ids e1, e2, ..."""
    events = tuple(
        EventRecord(occurred_at=start + timedelta(days=i), code=code, text=f"{code} text",
                    due_date=date(2026, 3, 1) if "Evidence" in code else None,
                    event_id=f"e{i + 1}")
        for i, code in enumerate(codes))
    return CaseRecord(number=number, case_type="F-1", office="Fake Office", subject_ref=subject,
                      access_code=access_code, events=events)
