"""Business days skip weekends and US federal holidays, observed dates included."""

from __future__ import annotations

from datetime import date

from aggregator.processing.business_days import add_business_days, is_business_day


def test_weekends_and_federal_holidays_are_not_business_days() -> None:
    assert is_business_day(date(2026, 11, 20))  # a Friday
    assert not is_business_day(date(2026, 11, 21))  # Saturday
    assert not is_business_day(date(2026, 11, 26))  # Thanksgiving
    assert not is_business_day(date(2026, 7, 3))  # Independence Day, observed on Friday


def test_counting_starts_the_day_after_and_skips_closed_days() -> None:
    assert add_business_days(date(2026, 11, 20), 0) == date(2026, 11, 20)
    assert add_business_days(date(2026, 11, 20), 1) == date(2026, 11, 23)
    # Mon 11-23 .. Wed 11-25, Thanksgiving Thu skipped, Fri 11-27, Mon 11-30.
    assert add_business_days(date(2026, 11, 20), 5) == date(2026, 11, 30)
    # Across a year end whose New Year's Day is observed on Friday 2021-12-31.
    assert add_business_days(date(2021, 12, 30), 1) == date(2022, 1, 3)
