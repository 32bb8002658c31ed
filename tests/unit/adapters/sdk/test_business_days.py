"""Business days: weekdays minus federal holidays (5 U.S.C. 6103)."""

from __future__ import annotations

from datetime import date

from adapters.sdk.business_days import business_days_between, is_business_day


def _between(start: date, end: date) -> int:
    return business_days_between(start.toordinal(), end.toordinal())


def test_weekends_and_federal_holidays_do_not_count() -> None:
    """Dec 19 2025 (Fri) to Dec 31: 22-24, 26, 29-31; Christmas is a federal holiday."""
    assert _between(date(2025, 12, 19), date(2025, 12, 31)) == 7
    assert not is_business_day(date(2025, 12, 25))
    assert not is_business_day(date(2026, 7, 4))  # Saturday, and the holiday
    assert not is_business_day(date(2026, 7, 3))  # observed on the Friday
    assert not is_business_day(date(2026, 11, 26))  # Thanksgiving
    assert is_business_day(date(2026, 11, 27))


def test_the_day_of_receipt_does_not_count_and_the_decision_day_does() -> None:
    assert _between(date(2026, 3, 2), date(2026, 3, 2)) == 0
    assert _between(date(2026, 3, 2), date(2026, 3, 3)) == 1
    assert _between(date(2026, 3, 3), date(2026, 3, 2)) == 0


def test_far_dates_grow_the_calendar() -> None:
    assert _between(date(1995, 1, 2), date(1995, 1, 9)) == 5
    assert _between(date(2060, 1, 5), date(2060, 1, 12)) == 5
