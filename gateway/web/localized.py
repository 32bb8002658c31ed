"""Numbers, shares and dates as the reader's language writes them (Babel's CLDR data):
"1,234" and "1.234", "85%" and "85 %", "March 4, 2027" and "4 de marzo de 2027"."""

from __future__ import annotations

from datetime import UTC, date, datetime

from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_decimal, format_percent

from gateway.messages import message

__all__ = ["count", "day", "days", "moment", "month", "share", "short_month"]


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
    """A moment as a date written out and a UTC time ("May 3, 2026, 9:30 AM UTC", "3 de mayo
    de 2026, 9:30 UTC"): the pages give times in UTC, as the agencies' records do."""
    at = value.astimezone(UTC)
    return message(language, "{date}, {time} UTC", date=day(language, at.date()),
                   time=format_time(at, format="short", tzinfo=UTC, locale=language))


def month(language: str, value: date) -> str:
    """A month and its year ("March 2027", "marzo de 2027")."""
    return format_skeleton("yMMMM", value, locale=language)


def short_month(language: str, value: date) -> str:
    """A month's abbreviation and year, for an axis ("Mar 2027", "mar 2027")."""
    return format_skeleton("yMMM", value, locale=language)
