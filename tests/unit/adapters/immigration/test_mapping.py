"""The USCIS title table: complete over the real code set, bilingual, plain, and right on
the traps where a wrong mapping hurts an applicant."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.immigration.profile import PROFILE
from adapters.sdk import MappingTable
from deploy.commands.vocab import _known_codes

TABLE = MappingTable.load(PROFILE.mapping_path)
SOURCES = Path(PROFILE.mapping_path).parent / "sources" / "case_status_titles.txt"


def _map(title: str) -> tuple[str, str, bool]:
    mapped = TABLE.map(title)
    assert mapped.known, title
    return mapped.category, mapped.milestone, mapped.action_required


def _gathered() -> list[tuple[str, str]]:
    """(title, source letters) of every real title gathered from public sources."""
    rows = []
    for line in SOURCES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            title, _, letters = line.partition("\t")
            rows.append((title, letters))
    return rows


def test_every_listed_title_maps() -> None:
    """Every title in known_codes.txt maps to a category (none UNSPECIFIED)."""
    known = _known_codes(PROFILE.known_codes_path)
    assert len(known) >= 230
    assert [code for _, code in known if not TABLE.map(code).known] == []


def test_every_gathered_real_title_maps() -> None:
    """The real titles gathered from case trackers and scrapers all map, from every source."""
    gathered = _gathered()
    assert len(gathered) >= 230
    assert {letter for _, letters in gathered for letter in letters} >= set("ABCDEFGHIJKLMNOPQ")
    assert [title for title, _ in gathered if not TABLE.map(title).known] == []


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
    """A NOID asks for a response; the case is not denied yet, and the text says so."""
    for title in ("Notice Of Intent To Deny Was Sent", "Notice of Intent to Deny Was Mailed"):
        assert _map(title) == ("ACTIVE", "INTENT_TO_DENY", True)
    assert "not denied" in TABLE.map("Notice Of Intent To Deny Was Sent").texts[0].description


def test_rfe_sent_requires_action_and_response_received_is_under_review() -> None:
    """An RFE asks for evidence; once the response is in, the case is under review again."""
    assert _map("Request for Evidence Was Sent") == ("ACTIVE", "EVIDENCE_REQUESTED", True)
    assert _map("Request for Additional Evidence Was Sent") == (
        "ACTIVE", "EVIDENCE_REQUESTED", True)
    for title in ("Response To USCIS' Request For Evidence Was Received",
                  "Response To USCIS&#039; Request For Evidence Was Received",
                  "Response To USCIS&#39; Request For Evidence Was Received"):
        assert _map(title) == ("ACTIVE", "EVIDENCE_RECEIVED", False)


def test_approved_is_not_revoked_certified_or_reaffirmed() -> None:
    """'Approved' and the titles that only contain the word mean different things."""
    assert _map("Case Was Approved") == ("APPROVED", "DECISION_MADE", False)
    assert _map("Case Approval Was Revoked") == ("DENIED", "REVOKED", False)
    # Certified: approved, but a higher office makes the final decision.
    assert _map("Case Approval Was Certified By USCIS") == ("ACTIVE", "APPEALED", False)
    assert _map("Case Approval Was Reaffirmed And Mailed Back To Department Of State") == (
        "APPROVED", "SENT_TO_OTHER_AGENCY", False)
    assert _map("Certified Approval Of My Case Was Reversed by The Appellate Authority")[0] == (
        "DENIED")


def test_not_revoked_is_not_a_revocation() -> None:
    """'Not revoked' titles keep the approval; they must never read as revoked."""
    assert _map("Case Was Not Revoked or Cancelled By USCIS") == (
        "APPROVED", "DECISION_MADE", False)
    assert _map("Petition Withdrawn/Over 180 Days/Not Automatically Revoked")[1] != "REVOKED"
    assert _map("Petition Business Terminated/Over 180 Days/Not Automatically Revoked")[1] != (
        "REVOKED")


def test_intent_to_revoke_or_rescind_is_not_yet_a_revocation() -> None:
    """A notice of intent to revoke asks for an answer; the approval still stands."""
    for title in ("Intent to Revoke Notice Was Sent", "CWR Notice of Intent to Revoke Sent",
                  "Intent To Rescind Notice Was Mailed"):
        assert _map(title) == ("ACTIVE", "INTENT_TO_DENY", True)
    assert _map("Revocation Notice Was Sent") == ("DENIED", "REVOKED", False)


def test_denied_and_decision_mailed_is_a_denial() -> None:
    """Every wording of a denial notice is a denial, not a mere notice."""
    for title in ("Case Was Denied", "Case Was Denied And My Decision Was Mailed",
                  "Case Was Denied And My Decision Notice Mailed"):
        assert _map(title) == ("DENIED", "DECISION_MADE", False)


def test_expedite_denied_is_not_a_case_denial() -> None:
    """A refused rush request leaves the case pending in the normal line."""
    assert _map("Expedite Request Denied") == ("PENDING", "EXPEDITE_REQUESTED", False)


@pytest.mark.parametrize("title", [
    "Case Was Rejected Because I Did Not Sign My Form",
    "Case Rejected Because I Sent An Incorrect Fee",
    "Case Rejected Because The Version Of The Form I Sent Is No Longer Accepted",
    "Case Rejected For Incorrect Fee, Payment Not Signed And Incorrect Form Version",
    "Petition/Application Was Rejected For Insufficient Funds",
])
def test_rejections_are_closed_not_denied_and_ask_to_refile(title: str) -> None:
    """A rejection is not a decision on the merits: CLOSED/REJECTED, with a fix to make."""
    assert _map(title) == ("CLOSED", "REJECTED", True)


def test_g28_rejection_is_not_a_case_rejection() -> None:
    """Only the lawyer's G-28 form was refused; the case itself goes on."""
    category, milestone, _ = _map("Form G-28 Was Rejected Because It Was Improperly Filed")
    assert (category, milestone) == ("PENDING", "CASE_UPDATED")


def test_card_returned_to_uscis_needs_action() -> None:
    """A card returned as undeliverable needs the applicant to update their address."""
    for title in ("Card Was Returned To USCIS", "Card Is Being Returned to USCIS by Post Office",
                  "Card Was Determined As Undeliverable By The Post Office"):
        assert _map(title) == ("APPROVED", "DOCUMENT_RETURNED", True)
    assert "address" in TABLE.map("Card Was Returned To USCIS").texts[0].next_step


def test_document_mailed_but_returned_is_not_mailed_but_not_returned() -> None:
    """'Mailed but returned' needs action; 'mailed but not returned' is on its way."""
    assert _map("Document Was Mailed But Returned To USCIS") == (
        "APPROVED", "DOCUMENT_RETURNED", True)
    assert _map("Document Was Mailed But Not Returned To USCIS") == (
        "APPROVED", "DOCUMENT_MAILED", False)


def test_document_held_for_180_days_must_be_asked_for() -> None:
    """A returned document is held for 180 days, then destroyed: the applicant must act."""
    for title in ("Document Is Being Held For 180 Days",
                  "Travel Document Was Returned to USCIS And Will Be Held For 180 Days"):
        assert _map(title) == ("APPROVED", "DOCUMENT_HELD", True)
    assert "180" in TABLE.map("Document Is Being Held For 180 Days").texts[0].next_step


def test_card_destroyed_after_return_differs_from_card_you_sent_back() -> None:
    """'Card Was Destroyed' (unclaimed) needs a new filing; 'Card Destroyed' (you sent it back
    with a letter) does not."""
    assert _map("Card Was Destroyed") == ("APPROVED", "DOCUMENT_DESTROYED", True)
    assert _map("Card Destroyed") == ("APPROVED", "DOCUMENT_DESTROYED", False)


def test_other_agencies_send_and_return() -> None:
    """Sent to the Department of State or EOIR, and back, have milestones of their own."""
    assert _map("Case Was Sent To The Department of State") == (
        "APPROVED", "SENT_TO_OTHER_AGENCY", False)
    assert _map("Case Was Sent To The Executive Office of Immigration Review")[1] == (
        "SENT_TO_OTHER_AGENCY")
    for title in ("Department of State Sent Case to USCIS For Review",
                  "Case Was Returned To USCIS By The Executive Office of Immigration Review"):
        assert _map(title) == ("ACTIVE", "RETURNED_FROM_OTHER_AGENCY", False)


def test_outcomes_land_in_the_right_categories() -> None:
    """Approvals, denials, revocations and withdrawals map to their categories."""
    assert _map("Withdrawal Acknowledgement Notice Was Sent")[:2] == ("CLOSED", "WITHDRAWN")
    assert _map("Appeal Was Sent To The Administrative Appeals Office")[1] == "APPEALED"
    assert _map("Appeal Was Dismissed") == ("DENIED", "APPEAL_DECIDED", False)
    assert _map("Case Was Reopened") == ("ACTIVE", "REOPENED", False)


def test_decision_notice_mailed_does_not_guess_the_outcome() -> None:
    """'Decision Notice Mailed' (naturalization) can be a yes or a no: never read as denied."""
    category, milestone, action = _map("Decision Notice Mailed")
    assert (milestone, action) == ("DECISION_MADE", True)
    assert category not in {"DENIED", "APPROVED"}


def test_common_variant_wordings_match_their_title() -> None:
    """Variants seen in the wild (no 'Was', 'Sent' for 'Mailed', 'Canceled', '... To Me')
    map like the title they vary, traps included."""
    assert _map("Case Approved And My Decision Emailed") == _map(
        "Case Was Approved And My Decision Was Emailed")
    assert _map("Notice Of Intent To Deny Mailed") == ("ACTIVE", "INTENT_TO_DENY", True)
    assert _map("Interview Canceled") == _map("Interview Was Cancelled")
    assert _map("Travel Document Was Mailed To Me") == _map("Travel Document Was Mailed")
    assert _map("Case Not Revoked or Cancelled By USCIS")[0] == "APPROVED"


def test_recommended_for_approval_is_not_yet_approved() -> None:
    """A naturalization officer's recommendation is not the approval."""
    assert _map("Recommended for approval") == ("ACTIVE", "INTERVIEW_COMPLETED", False)
    assert _map("Oath ceremony canceled")[0] == "ACTIVE"


def test_intent_to_terminate_my_status_is_not_yet_a_termination() -> None:
    """USCIS's notice of intent to terminate a status asks for an answer; the status stands."""
    assert _map("Notice Of USCIS' Intent To Terminate My Status Was Mailed") == (
        "ACTIVE", "INTENT_TO_DENY", True)
    assert _map("Notice Of USCIS&#039; Intent To Terminate My Status Was Mailed") == (
        "ACTIVE", "INTENT_TO_DENY", True)


def test_reopened_on_a_court_order_is_neither_approval_nor_denial() -> None:
    """A court-ordered reopening puts the case back in review; no outcome yet."""
    assert _map("Case Was Reopened Based On A Court Order") == ("ACTIVE", "REOPENED", False)


def test_visa_bulletin_wait_or_abeyance_is_not_a_denial() -> None:
    """Waiting for a visa number (or held in abeyance) is a pause, never a refusal."""
    assert _map("Visa Bulletin Not Current Or Case Held In Abeyance") == (
        "ACTIVE", "UNDER_REVIEW", False)
    assert _map("Visa Bulletin Current") == ("ACTIVE", "UNDER_REVIEW", False)


def test_sij_approved_without_deferred_action_is_still_an_approval() -> None:
    """'Without deferred action' qualifies the approval; it does not undo it."""
    assert _map("Special Immigrant Juvenile Form I-360 Approved Without Deferred Action") == (
        "APPROVED", "DECISION_MADE", False)


def test_fee_returned_by_bank_pauses_the_case_and_needs_payment() -> None:
    """A bounced fee suspends the case until paid: action needed, not yet rejected or denied."""
    assert _map("Case Was Suspended Because My Fee Was Returned by My Bank") == (
        "ACTIVE", "CASE_UPDATED", True)


def test_document_mailed_but_not_received_is_not_an_ordinary_mailing() -> None:
    """A document mailed but not received needs a request to resend; one mailed to the local
    office is held there, not on its way home."""
    assert _map("Document Was Mailed But I Did Not Receive It") == (
        "APPROVED", "DOCUMENT_MAILED", True)
    assert TABLE.map("Document Was Mailed But I Did Not Receive It").match == "EXACT"
    assert _map("Document Was Mailed To My Local Office")[1] == "DOCUMENT_HELD"


def test_sent_to_cdc_is_another_agency_not_a_decision() -> None:
    """A medical question sent to the CDC waits on another agency; nothing is decided."""
    assert _map("Sent to CDC for Opinion") == ("ACTIVE", "SENT_TO_OTHER_AGENCY", False)


def test_prequalified_decision_notice_is_not_the_final_decision() -> None:
    """A prequalified decision notice is an early step: neither approved nor denied."""
    category, milestone, _ = _map("Prequalified Decision Notice Was Mailed")
    assert (category, milestone) == ("ACTIVE", "NOTICE_SENT")


def test_fingerprint_review_completed_is_biometrics_done() -> None:
    """The 2019-era 'Fingerprint Review Was Completed' means biometrics are done, no more."""
    assert _map("Fingerprint Review Was Completed") == ("PENDING", "BIOMETRICS_COMPLETED", False)


def test_spanish_titles_from_uscis_map_with_or_without_accents() -> None:
    """USCIS's own Spanish titles (current_case_status_text_es) map alone, whatever the
    accents or casing."""
    assert _map("Caso Fue Aprobado") == _map("Case Was Approved")
    assert _map("CASO FUE DENEGADO") == ("DENIED", "DECISION_MADE", False)
    assert _map("Se Está Produciendo Una Nueva Tarjeta") == _map("New Card Is Being Produced")
    assert _map("se esta produciendo una nueva tarjeta") == _map("New Card Is Being Produced")
    assert TABLE.map("Se Esta Produciendo Una Nueva Tarjeta").match == "EXACT"
    # The sandbox's Spanish title of an affirmed approval: kept, never read as revoked.
    assert _map("Aprobación De Caso Reafirmada") == ("APPROVED", "DECISION_MADE", False)


def test_abandoned_cases_are_closed_without_a_decision_on_the_merits() -> None:
    """An abandoned case is denied as given up, not approved or pending; the text says it
    will not be decided."""
    for title in ("Abandoned for Other Reasons",
                  "Abandoned for Undeliverable Requests to Appear for Fingerprinting"):
        assert _map(title) == ("DENIED", "DECISION_MADE", False)
    assert "given up" in TABLE.map("Abandoned for Other Reasons").texts[0].description


def test_quality_review_after_approval_recommendation_is_not_yet_approved() -> None:
    """A case sent for quality review on an approval recommendation is still under review."""
    assert _map("Case Was Submitted For Quality Review Based On An Approval Recommendation") == (
        "ACTIVE", "UNDER_REVIEW", False)
    assert "not approved yet" in TABLE.map(
        "Case Was Submitted For Quality Review Based On An Approval Recommendation",
    ).texts[0].description


def test_denied_with_status_withdrawn_is_a_denial() -> None:
    """'Denied, status withdrawn, decision will be mailed' is a denial, not a withdrawal."""
    assert _map("Case Was Denied,Status Was Withdrawn, And A Decision Will Be Mailed") == (
        "DENIED", "DECISION_MADE", False)


def test_my_step_names_match_their_title_as_variants() -> None:
    """'My ...' forms of titles map like the title, through the variant matcher, and an RFE
    sent to me is never ambiguous."""
    for title, original in (("My Case Was Approved", "Case Was Approved"),
                            ("My Request for Additional Evidence Was Sent",
                             "Request for Additional Evidence Was Sent"),
                            ("My Certificate Of Naturalization Was Issued",
                             "Certificate Of Naturalization Was Issued")):
        mapped = TABLE.map(title)
        assert mapped.match == "VARIANT", title
        assert _map(title) == _map(original)


def test_english_proficiency_shown_is_not_yet_an_approval() -> None:
    """Passing the English test at the interview is one step; the case is still undecided."""
    assert _map("Proficiency In English Was Demonstrated") == (
        "ACTIVE", "INTERVIEW_COMPLETED", False)
