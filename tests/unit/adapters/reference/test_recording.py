"""Recording's checks on their own: when an event happened, and a status read without a
program."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.reference.catalog import profile
from adapters.reference.recording import RecordError, parse_at, resolve_status
from adapters.sdk.mapping import MappingTable

NOW = datetime(2026, 12, 2, 15, 4, 5, 678_000, tzinfo=UTC)


def test_no_time_means_now_to_the_second() -> None:
    """The store keeps seconds; now is recorded as such."""
    assert parse_at(None, NOW) == NOW.replace(microsecond=0)


def test_a_time_with_an_offset_is_recorded_in_utc() -> None:
    """-05:00 becomes UTC; Z is accepted."""
    assert parse_at("2026-12-02T09:00:00-05:00", NOW) == datetime(2026, 12, 2, 14, tzinfo=UTC)
    assert parse_at("2026-12-02T14:00:00Z", NOW) == datetime(2026, 12, 2, 14, tzinfo=UTC)


def test_a_clock_a_little_ahead_is_tolerated_but_not_more() -> None:
    """Up to a minute ahead of now is a clock difference; later is the future."""
    soon = NOW + timedelta(seconds=50)
    assert parse_at(soon.isoformat(), NOW) == soon.replace(microsecond=0)
    with pytest.raises(RecordError, match=r"is in the future \(now is 2026-12-02T15:04:05"):
        parse_at((NOW + timedelta(minutes=2)).isoformat(), NOW)


def test_a_status_whose_meaning_depends_on_the_program_needs_one() -> None:
    """CERTIFIED without a program names each program's reading instead of guessing."""
    table = MappingTable.load(profile("labor").mapping_path)
    with pytest.raises(RecordError, match=r"^STATUS 'CERTIFIED' means different things at "
                                          r"labor: 'CERTIFIED' \(PERM\), "):
        resolve_status(table, "CERTIFIED", None)
    assert resolve_status(table, "CERTIFIED", "LCA").program == "LCA"


def test_an_empty_or_overlong_status_is_refused_first() -> None:
    """Sizes are checked before any matching."""
    table = MappingTable.load(profile("courts").mapping_path)
    with pytest.raises(RecordError, match=r"^STATUS is empty"):
        resolve_status(table, "  ", None)
    with pytest.raises(RecordError, match=r"^STATUS is 500 characters; an agency status is at "
                                          r"most 200$"):
        resolve_status(table, "x" * 500, None)
