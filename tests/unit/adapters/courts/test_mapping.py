"""The court/BIA code table: every listed code maps, and the adverse ones are told apart."""

from __future__ import annotations

from adapters.courts.profile import PROFILE
from adapters.sdk import MappingTable
from deploy.cli import _known_codes

TABLE = MappingTable.load(PROFILE.mapping_path)


def _map(code: str) -> tuple[str, str, bool]:
    mapped = TABLE.map(code)
    assert mapped.known, code
    return mapped.category, mapped.milestone, mapped.action_required


def test_every_listed_code_maps_in_both_languages() -> None:
    """Every EOIR code in known_codes.txt maps; each entry has English and Spanish text."""
    known = _known_codes(PROFILE.known_codes_path)
    assert len(known) >= 40
    assert [c for _, c in known if not TABLE.map(c).known] == []
    for entry in TABLE.entries:
        assert {t.language for t in entry.texts} == {"en", "es"}


def test_in_absentia_order_requires_action_and_is_denied() -> None:
    """An in-absentia removal order is adverse and needs prompt action (motion to reopen)."""
    category, _, action = _map("IN ABSENTIA REMOVAL ORDER")
    assert (category, action) == ("DENIED", True)


def test_administrative_closure_is_closed_not_denied() -> None:
    """Administrative closure ends the docket without a decision against the respondent."""
    assert _map("ADMINISTRATIVELY CLOSED")[0] == "CLOSED"


def test_relief_granted_is_approved_and_briefing_requires_action() -> None:
    """Relief granted is a win; a BIA briefing schedule means a brief is due."""
    assert _map("RELIEF GRANTED")[0] == "APPROVED"
    assert _map("BRIEFING SCHEDULE ISSUED")[2] is True
