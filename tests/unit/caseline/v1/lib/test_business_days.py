"""Business days (the contract's TargetUnit BUSINESS_DAYS): weekdays minus U.S. federal
holidays (5 U.S.C. 6103), the observed Friday or Monday of a weekend holiday included."""

from __future__ import annotations

from datetime import date

from caseline.v1.lib.business_days import (
    add_business_days,
    business_days_between,
    is_business_day,
    next_business_day,
)


def _between(start: date, end: date) -> int:
    return business_days_between(start.toordinal(), end.toordinal())


def test_weekends_and_federal_holidays_do_not_count() -> None:
    """Dec 19 2025 (Fri) to Dec 31: 22-24, 26, 29-31; Christmas is a federal holiday."""
    assert _between(date(2025, 12, 19), date(2025, 12, 31)) == 7
    assert not is_business_day(date(2025, 12, 25))
    assert not is_business_day(date(2026, 7, 4))  # Saturday, and the holiday
    assert not is_business_day(date(2026, 7, 3))  # observed on the Friday
    assert not is_business_day(date(2026, 11, 26))  # Thanksgiving
    assert not is_business_day(date(2026, 11, 28))  # Saturday
    assert is_business_day(date(2026, 11, 27))


def test_the_day_of_receipt_does_not_count_and_the_decision_day_does() -> None:
    assert _between(date(2026, 3, 2), date(2026, 3, 2)) == 0
    assert _between(date(2026, 3, 2), date(2026, 3, 3)) == 1
    assert _between(date(2026, 3, 3), date(2026, 3, 2)) == 0


def test_far_dates_grow_the_calendar() -> None:
    assert _between(date(1995, 1, 2), date(1995, 1, 9)) == 5
    assert _between(date(2060, 1, 5), date(2060, 1, 12)) == 5


def test_adding_starts_the_day_after_and_skips_closed_days() -> None:
    assert add_business_days(date(2026, 11, 20), 0) == date(2026, 11, 20)
    assert add_business_days(date(2026, 11, 20), 1) == date(2026, 11, 23)
    # Mon 11-23 .. Wed 11-25, Thanksgiving Thu skipped, Fri 11-27, Mon 11-30.
    assert add_business_days(date(2026, 11, 20), 5) == date(2026, 11, 30)
    # Across a year end whose New Year's Day is observed on Friday 2021-12-31.
    assert add_business_days(date(2021, 12, 30), 1) == date(2022, 1, 3)


def test_adding_agrees_with_counting() -> None:
    """The n-th business day after a day is n business days after it, and the day before
    is not."""
    start = date(2026, 12, 18)
    for n in range(1, 40):
        day = add_business_days(start, n)
        assert is_business_day(day) and _between(start, day) == n


def test_the_next_business_day_rolls_past_closed_days_only() -> None:
    assert next_business_day(date(2026, 7, 3)) == date(2026, 7, 6)  # observed holiday, weekend
    assert next_business_day(date(2026, 7, 6)) == date(2026, 7, 6)
