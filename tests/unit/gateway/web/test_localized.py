"""Numbers, shares and dates in each language's own writing."""

from __future__ import annotations

from datetime import date

from gateway.web import localized


def test_counts_group_digits_as_each_language_does() -> None:
    assert localized.count("en", 12345) == "12,345"
    assert localized.count("es", 12345) == "12.345"


def test_days_are_words_and_one_is_singular() -> None:
    assert localized.days("en", 1) == "1 day"
    assert localized.days("en", 1500) == "1,500 days"
    assert localized.days("es", 1) == "1 día"
    assert localized.days("es", 90) == "90 días"


def test_shares_are_whole_percentages() -> None:
    assert localized.share("en", 0.853) == "85%"
    assert localized.share("es", 0.853) == "85\xa0%"


def test_dates_and_months_in_words() -> None:
    assert localized.day("en", date(2027, 3, 4)) == "March 4, 2027"
    assert localized.day("es", date(2027, 3, 4)) == "4 de marzo de 2027"
    assert localized.month("en", date(2027, 3, 1)) == "March 2027"
    assert localized.month("es", date(2027, 3, 1)) == "marzo de 2027"
    assert localized.short_month("en", date(2027, 3, 1)) == "Mar 2027"
