"""Numbers, shares and dates as the reader's language writes them (Babel's CLDR data):
"1,234" and "1.234", "85%" and "85 %", "March 4, 2027" and "4 de marzo de 2027", "March 4,
2027, 3:24 PM UTC" and "4 de marzo de 2027, 15:24 UTC"."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import (
    format_date,
    format_skeleton,
    format_time,
    get_datetime_format,
    get_time_format,
)
from babel.numbers import format_decimal, format_percent

from gateway.messages import message

__all__ = ["clock", "count", "day", "days", "moment", "month", "on_clock", "share",
           "short_month", "wall_moment"]


def count(language: str, value: int | float) -> str:
    """A count or a number of days, grouped as ``language`` groups digits."""
    return format_decimal(value, locale=language)


def days(language: str, value: int) -> str:
    """``value`` days, in words ("120 days", "120 días")."""
    if value == 1:
        return message(language, "1 day")
    return message(language, "{days} days", days=count(language, value))


def share(language: str, value: float) -> str:
    """A 0–1 share as a whole percentage."""
    return format_percent(value, locale=language)


def day(language: str, value: date) -> str:
    """A calendar date written out."""
    return format_date(value, format="long", locale=language)


def moment(language: str, value: datetime) -> str:
    """A moment to the minute, on the UTC clock and saying so: the date written out and the
    language's short time ("December 2, 2026, 3:24 PM UTC", "2 de diciembre de 2026,
    15:24 UTC")."""
    at = value.astimezone(UTC)
    # The short time (no seconds) with the zone's name, as CLDR's long time ends.
    time = format_time(at, get_time_format("short", language).pattern + " z",
                       tzinfo=UTC, locale=language)
    return str(get_datetime_format("long", language)).format(time, day(language, at.date()))


def clock(language: str, value: datetime) -> str:
    """The language's short time of ``value`` on its own clock, without the zone ("9:00 AM",
    "9:00"): for a time whose zone the page names beside it."""
    return format_time(value, get_time_format("short", language).pattern, tzinfo=value.tzinfo,
                       locale=language)


def on_clock(value: datetime, zone: str) -> tuple[datetime, str]:
    """``value`` on ``zone``'s clock, with the zone's name; UTC when the zone is unknown."""
    try:
        return value.astimezone(ZoneInfo(zone)), zone
    except (ZoneInfoNotFoundError, ValueError):
        return value.astimezone(UTC), "UTC"


def wall_moment(language: str, value: datetime) -> str:
    """The date written out and the short time, on ``value``'s own clock and without the
    zone ("July 14, 2030, 9:00 AM"): a hearing at a court, whose zone the page names."""
    return str(get_datetime_format("long", language)).format(
        clock(language, value), day(language, value.date()))


def month(language: str, value: date) -> str:
    """A month and its year ("March 2027", "marzo de 2027")."""
    return format_skeleton("yMMMM", value, locale=language)


def short_month(language: str, value: date) -> str:
    """A month's abbreviation and year, for an axis ("Mar 2027", "mar 2027")."""
    return format_skeleton("yMMM", value, locale=language)
