"""Record-to-message conversion details that must not drift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from google.protobuf import timestamp_pb2

from adapters.sdk.convert import _timestamp


@pytest.mark.parametrize("value", [
    datetime(2026, 3, 1, 14, 5, 6, 789012, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
    datetime(2026, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2026, 3, 1, 14, 5, 6),  # naive: UTC, as protobuf's FromDatetime assumes
])
def test_timestamps_match_protobufs_own_conversion(value: datetime) -> None:
    """The fast conversion gives exactly what Timestamp.FromDatetime gives."""
    expected = timestamp_pb2.Timestamp()
    expected.FromDatetime(value)
    assert _timestamp(value) == expected
