"""GetProcessingStatistics requests: checks and the default period."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.sdk.errors import InvalidArgumentError
from adapters.sdk.statistics_request import (
    months_between,
    resolve_statistics_request,
)

TYPES = ("I-130", "I-765")
TODAY = date(2026, 12, 2)


def _resolve(case_type: str = "I-130", office: str = "", first: str = "", last: str = ""
             ) -> tuple[str, str | None, tuple[str, ...]]:
    r = resolve_statistics_request(case_type, office, first, last, case_types=TYPES,
                                   today=TODAY)
    return r.case_type, r.office, r.months


def _refused(field: str, **kwargs: str) -> str:
    with pytest.raises(InvalidArgumentError) as caught:
        _resolve(**kwargs)
    assert caught.value.field == field
    return caught.value.description


def test_default_is_the_six_complete_months_before_this_one() -> None:
    assert _resolve() == ("I-130", None, months_between("2026-06", "2026-11"))


def test_one_month_given_completes_the_other() -> None:
    assert _resolve(last="2026-03")[2] == months_between("2025-10", "2026-03")
    assert _resolve(first="2026-09")[2] == ("2026-09", "2026-10", "2026-11")
    assert _resolve(first="2026-12")[2] == ("2026-12",)  # the current month, so far
    assert _resolve(first="2025-12", last="2026-01")[2] == ("2025-12", "2026-01")


def test_office_is_kept_trimmed() -> None:
    assert _resolve(office=" Potomac Service Center ")[1] == "Potomac Service Center"


def test_case_type_is_required_and_known() -> None:
    assert "required" in _refused("case_type", case_type="")
    message = _refused("case_type", case_type="I-999")
    assert "I-999" in message and "I-130, I-765" in message
    assert "at most 64" in _refused("case_type", case_type="X" * 65)


def test_months_are_checked() -> None:
    assert "YYYY-MM" in _refused("first_month", first="2026-13")
    assert "YYYY-MM" in _refused("last_month", last="June 2026")
    assert "YYYY-MM" in _refused("first_month", first="1969-12")
    assert "current month" in _refused("last_month", last="2027-01")
    assert "after last_month" in _refused("first_month", first="2026-05", last="2026-04")
    assert "36 months" in _refused("last_month", first="2023-11", last="2026-11")
    assert len(_resolve(first="2023-12", last="2026-11")[2]) == 36


def test_office_is_size_limited() -> None:
    assert "at most 200" in _refused("office", office="x" * 201)
