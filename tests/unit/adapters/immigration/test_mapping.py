"""The USCIS title table: complete, bilingual, and right on the known traps."""

from __future__ import annotations

import pytest

from adapters.immigration.profile import PROFILE
from adapters.sdk import MappingTable
from deploy.cli import _known_codes

TABLE = MappingTable.load(PROFILE.mapping_path)


def _map(title: str) -> tuple[str, str, bool]:
    mapped = TABLE.map(title)
    assert mapped.known, title
    return mapped.category, mapped.milestone, mapped.action_required


def test_every_listed_title_maps() -> None:
    """Every title in known_codes.txt maps to a category (none UNSPECIFIED)."""
    known = _known_codes(PROFILE.known_codes_path)
    assert len(known) >= 140
    assert [code for _, code in known if not TABLE.map(code).known] == []


def test_every_entry_speaks_english_and_spanish() -> None:
    """Each entry has a title and explanation in both languages, and they differ."""
    for entry in TABLE.entries:
        texts = {t.language: t for t in entry.texts}
        assert set(texts) == {"en", "es"}
        assert texts["en"].title != texts["es"].title, entry.code


def test_titles_match_regardless_of_case_and_punctuation() -> None:
    """Titles as seen in the wild (lower case, missing apostrophe) still match."""
    assert _map("response to uscis request for evidence was received") == (
        "ACTIVE", "EVIDENCE_RECEIVED", False)
    assert _map("CASE WAS RECEIVED.") == ("PENDING", "RECEIVED", False)


def test_notice_of_intent_to_deny_requires_action_and_is_not_a_denial() -> None:
    """A NOID asks for a response; the case is not denied yet."""
    assert _map("Notice Of Intent To Deny Was Sent") == ("ACTIVE", "INTENT_TO_DENY", True)


def test_rfe_sent_requires_action_and_response_received_does_not() -> None:
    """An RFE asks for evidence; once the response is in, the case is under review again."""
    assert _map("Request for Evidence Was Sent") == ("ACTIVE", "EVIDENCE_REQUESTED", True)
    assert _map("Response To USCIS' Request For Evidence Was Received")[2] is False


@pytest.mark.parametrize("title", [
    "Case Was Rejected Because I Did Not Sign My Form",
    "Case Was Rejected Because I Sent An Incorrect Fee",
    "Case Was Rejected Because The Version Of The Form I Sent Is No Longer Accepted",
])
def test_rejections_are_closed_not_denied_and_ask_to_refile(title: str) -> None:
    """A rejection is not a decision on the merits: CLOSED/REJECTED, with a fix to make."""
    assert _map(title) == ("CLOSED", "REJECTED", True)


def test_card_returned_asks_for_an_address_update() -> None:
    """A card returned as undeliverable needs the applicant to update their address."""
    _, milestone, action = _map("Card Was Returned To USCIS")
    assert (milestone, action) == ("DOCUMENT_RETURNED", True)
    assert "address" in TABLE.map("Card Was Returned To USCIS").texts[0].next_step


def test_outcomes_land_in_the_right_categories() -> None:
    """Approvals, denials, revocations and withdrawals map to their categories."""
    assert _map("Case Was Approved")[0] == "APPROVED"
    assert _map("Case Was Denied")[0] == "DENIED"
    assert _map("Case Approval Was Revoked")[:2] == ("DENIED", "REVOKED")
    assert _map("Withdrawal Acknowledgement Notice Was Sent")[:2] == ("CLOSED", "WITHDRAWN")
    assert _map("Appeal Was Sent To The Administrative Appeals Office")[1] == "APPEALED"
