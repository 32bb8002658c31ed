"""Targets as data: load_targets reads an agency's targets.toml into TargetSpecs and refuses a
malformed file naming the file, the entry and the fault; within_target_until counts calendar or
business days (weekends and federal holidays left out)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from adapters.sdk.targets import TargetsFileError, TargetSpec, load_targets, within_target_until

BASE = """agency = "labor"
checked = 2026-12-02

[targets."LCA"]
days = 7
unit = "BUSINESS_DAYS"
kind = "REGULATORY"
source = "20 CFR 655.740(a)(1)"
source_url = "https://www.ecfr.gov/current/title-20/section-655.740"
inquiry_rule = "RECEIPT_PLUS_TARGET"
[targets."LCA".basis]
en = "Decided within 7 working days."
es = "Se decide en 7 días hábiles."
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.toml"
    path.write_text(text)
    return path


def test_a_targets_file_loads_by_case_type(tmp_path: Path) -> None:
    """Each [targets."<type>"] table becomes that type's TargetSpec, basis by language."""
    targets = load_targets(_write(tmp_path, BASE))
    assert targets == {"LCA": TargetSpec(
        case_type="LCA", days=7, unit="BUSINESS_DAYS", kind="REGULATORY",
        source="20 CFR 655.740(a)(1)",
        basis={"en": "Decided within 7 working days.", "es": "Se decide en 7 días hábiles."},
        source_url="https://www.ecfr.gov/current/title-20/section-655.740",
        inquiry_rule="RECEIPT_PLUS_TARGET")}


@pytest.mark.parametrize(("old", "new", "message"), [
    ('unit = "BUSINESS_DAYS"', 'unit = "WORKING_DAYS"', "unit 'WORKING_DAYS' is not one of"),
    ('kind = "REGULATORY"', 'kind = "RULE"', "kind 'RULE' is not one of"),
    ('inquiry_rule = "RECEIPT_PLUS_TARGET"', 'inquiry_rule = "ASK"', "inquiry_rule 'ASK'"),
    ("days = 7", "days = 0", "kind NONE goes with days 0"),
    ("days = 7", 'days = "7"', "days must be a whole number"),
    ("days = 7", "days = -1", "days must be a whole number"),
    ('es = "Se decide en 7 días hábiles."', "", "basis has no text in ['es']"),
    ("https://www.ecfr", "http://www.ecfr", "source_url must be https"),
    ('source = "20', 'sauce = "20', "unknown keys ['sauce']"),
    ('agency = "labor"', 'agencia = "labor"', "unknown top-level keys ['agencia']"),
    ('kind = "REGULATORY"\n', "", "missing ['kind']"),
])
def test_a_malformed_targets_file_is_refused_naming_what(tmp_path: Path, old: str, new: str,
                                                         message: str) -> None:
    """Unknown units, kinds or inquiry rules, no target days, a missing Spanish basis, plain
    http, unknown or missing keys: refused, naming the file and the entry."""
    assert old in BASE
    with pytest.raises(TargetsFileError) as caught:
        load_targets(_write(tmp_path, BASE.replace(old, new, 1)))
    assert message in str(caught.value)
    assert "targets.toml" in str(caught.value)


def test_unreadable_or_oversized_files_are_refused(tmp_path: Path) -> None:
    """A file that is not TOML, is missing or is far larger than a targets file is refused
    before it is used."""
    with pytest.raises(TargetsFileError, match="cannot be read as TOML"):
        load_targets(_write(tmp_path, "targets = ["))
    with pytest.raises(TargetsFileError, match="cannot be read"):
        load_targets(tmp_path / "absent.toml")
    with pytest.raises(TargetsFileError, match="more than a targets file may have"):
        load_targets(_write(tmp_path, "#" * (300 * 1024)))


def _target(days: int, unit: str) -> TargetSpec:
    return TargetSpec(case_type="X", days=days, unit=unit, kind="REGULATORY", source="s")


def test_seven_working_days_skip_thanksgiving() -> None:
    """20 CFR 655.740(a)(1): 7 working days from Monday November 23, 2026 skip the weekend
    and Thanksgiving (November 26): the last day is Thursday December 3, not December 2."""
    assert within_target_until(_target(7, "BUSINESS_DAYS"), date(2026, 11, 23)) == \
        date(2026, 12, 3)
    assert within_target_until(_target(7, "BUSINESS_DAYS"), date(2026, 11, 9)) == \
        date(2026, 11, 19)  # Veterans Day (November 11) left out too


def test_calendar_days_count_every_day() -> None:
    """8 U.S.C. 1571(b): 180 days after filing, counted on the calendar."""
    assert within_target_until(_target(180, "CALENDAR_DAYS"), date(2026, 1, 1)) == \
        date(2026, 6, 30)
