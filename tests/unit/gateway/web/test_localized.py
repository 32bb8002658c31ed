"""Numbers, shares and dates in each language's own writing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

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


def test_moments_in_words_on_the_utc_clock() -> None:
    """The date written out and the short time, on UTC whatever the value's zone."""
    at = datetime(2026, 12, 2, 15, 24, 31, tzinfo=UTC)
    assert localized.moment("en", at) == "December 2, 2026, 3:24\u202fPM UTC"
    assert localized.moment("es", at) == "2 de diciembre de 2026, 15:24 UTC"
    bogota = at.astimezone(timezone(timedelta(hours=-5)))
    assert localized.moment("es", bogota) == "2 de diciembre de 2026, 15:24 UTC"


def test_a_courts_clock_and_its_moment_in_words() -> None:
    """A hearing at 13:00 UTC is 9:00 in New York: the short time and the date on that clock,
    without the zone (the page names it); an unknown zone falls back to UTC and says so."""
    at = datetime(2030, 7, 14, 13, 0, tzinfo=UTC)
    local, zone = localized.on_clock(at, "America/New_York")
    assert (local.hour, zone) == (9, "America/New_York")
    assert localized.clock("en", local) == "9:00\u202fAM"
    assert localized.clock("es", local) == "9:00"
    assert localized.wall_moment("en", local) == "July 14, 2030, 9:00\u202fAM"
    assert localized.wall_moment("es", local) == "14 de julio de 2030, 9:00"
    fallback, name = localized.on_clock(at.astimezone(timezone(timedelta(hours=2))), "Not/AZone")
    assert (fallback.hour, name) == (13, "UTC")
