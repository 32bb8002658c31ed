"""Normal forms of titles: unseen variants of known titles match, traps never turn over.

The trap cases come from the tables' own trap tests (tests/unit/adapters/*/test_mapping.py):
each trap title is rewritten in the ways real wording varies, and every rewrite must keep its
meaning, become AMBIGUOUS, or match nothing: never the opposite.
"""

from __future__ import annotations

import pytest

from adapters.courts.profile import PROFILE as COURTS
from adapters.immigration.profile import PROFILE as IMMIGRATION
from adapters.labor.profile import PROFILE as LABOR
from adapters.sdk import MappingTable
from adapters.sdk.mapping import AMBIGUOUS, EXACT, NONE, VARIANT, MappedStatus, same_meaning
from adapters.sdk.resolution import resolve
from adapters.sdk.variants import normalize_key, variant_form

USCIS = MappingTable.load(IMMIGRATION.mapping_path)
EOIR = MappingTable.load(COURTS.mapping_path)
DOL = MappingTable.load(LABOR.mapping_path)


def _rewrites(title: str) -> list[str]:
    """The ways real wording varies, applied to ``title`` one by one and all together."""
    rewrites = [
        title.replace(" Was ", " ").replace(" was ", " "),
        title.replace(" Sent", " Sent To Me").replace(" Mailed", " Mailed To Me"),
        title.replace("Cancelled", "Canceled").replace("Acknowledgement", "Acknowledgment"),
        title.replace("'", "&#039;").replace("-", "\u2013"),
        title.upper(),
        f"<b>{title}</b>",
        title.replace(" Is ", " Has Been ").replace(" The ", " "),
    ]
    everything = title
    for rewrite in (lambda t: t.replace(" Was ", " "), lambda t: t.replace("'", "&#39;"),
                    str.lower):
        everything = rewrite(everything)
    return [r for r in {*rewrites, everything} if r != title]


def _mapped(table: MappingTable, title: str, program: str | None = None) -> list[MappedStatus]:
    return [table.map(title, program=program)] + [table.map(r, program=program)
                                                   for r in _rewrites(title)]


# -- the normal form itself -------------------------------------------------------------------

def test_normal_form_drops_fillers_spellings_markup_and_entities() -> None:
    """'Was', 'The', spelling variants, markup, entities and joined dashes reduce away."""
    assert variant_form("Interview Was Cancelled") == variant_form("Interview Canceled")
    assert variant_form("Withdrawal Acknowledgement Notice") == variant_form(
        "Withdrawal Acknowledgment Notice")
    assert variant_form("Response To USCIS&#039; Request") == variant_form(
        "Response To USCIS' Request")
    assert variant_form("<p>Travel Document Was Mailed To Me</p>") == variant_form(
        "Travel Document Was Mailed")
    assert variant_form("Case Was Rejected Because I Sent An Incorrect Fee") == variant_form(
        "Case Rejected For Incorrect Fee")
    assert variant_form("Re\u2013Opened") == variant_form("Re-Opened") == "reopened"


def test_normal_form_keeps_every_word_of_meaning() -> None:
    """Negations, intents, responses and outcomes stay in the form, in order."""
    assert variant_form("Case Was Not Approved") == "case not approved"
    assert variant_form("Notice Of Intent To Deny Was Sent") == "notice of intent to deny sent"
    assert variant_form("Response To Request For Evidence Was Received") == (
        "response to request for evidence received")
    assert variant_form("Case Approval Was Revoked") == "case approval revoked"


def test_exact_key_is_unchanged() -> None:
    """The exact key still only folds case, accents and punctuation."""
    assert normalize_key("Caso Fue Recibido, ¡Sí!") == "caso fue recibido si"


# -- how a code matched -----------------------------------------------------------------------

def test_exact_variant_and_none_are_told_apart() -> None:
    """A known title is EXACT, an unseen variant VARIANT, anything else NONE with its text."""
    assert USCIS.map("Case Was Approved").match == EXACT
    mapped = USCIS.map("<i>Notice Of Intent To Deny Has Been Sent To Me</i>")
    assert (mapped.match, mapped.milestone) == (VARIANT, "INTENT_TO_DENY")
    unknown = USCIS.map("Case Was Teleported", "agency words")
    assert (unknown.match, unknown.known, unknown.agency_text) == (NONE, False, "agency words")


def test_a_variant_of_entries_that_differ_is_ambiguous() -> None:
    """'Card Has Been Destroyed' could be either USCIS title: AMBIGUOUS, nothing guessed."""
    assert USCIS.map("Card Was Destroyed").match == EXACT
    mapped = USCIS.map("Card Has Been Destroyed")
    assert (mapped.match, mapped.known) == (AMBIGUOUS, False)
    resolution = resolve(USCIS, "Card Has Been Destroyed")
    assert {c.code for c in resolution.candidates} == {"Card Was Destroyed", "Card Destroyed"}


def test_fillers_alone_are_a_variant_of_nothing() -> None:
    """A code that reduces to nothing ('A', 'The') matches nothing."""
    assert EOIR.map("A").match == NONE
    assert EOIR.map("The").match == NONE


def test_variants_respect_a_given_program() -> None:
    """Under a program a variant matches that program's entry, never another's."""
    assert resolve(DOL, "Determination Was Issued", "PW").match == VARIANT
    assert resolve(DOL, "Determination Was Issued", "PW").entry.category == (  # type: ignore[union-attr]
        "APPROVED")
    assert resolve(DOL, "Determination Was Issued").match == AMBIGUOUS
    assert resolve(DOL, "Analyst Review Is", "LCA").match == NONE


def test_unknown_and_variant_codes_are_counted_and_logged_once(
        caplog: pytest.LogCaptureFixture) -> None:
    """Each unknown (and each variant) code is counted per sight and logged at INFO the first
    time only; a variant's log names the title it varies, for the table's aliases."""
    table = MappingTable.load(IMMIGRATION.mapping_path)
    caplog.set_level("INFO", logger="caseline.adapter.mapping")
    for _ in range(3):
        table.map("Case Was Teleported")
    table.map("Card Has Been Destroyed")
    table.map("Interview Has Been Cancelled")
    table.map("Interview Has Been Cancelled")
    assert table.unknown_codes == {"Case Was Teleported": 3, "Card Has Been Destroyed": 1}
    assert table.variant_codes == {"Interview Has Been Cancelled": 2}
    logged = [(r.levelname, r.getMessage(), r.code, r.match)  # type: ignore[attr-defined]
              for r in caplog.records if r.name == "caseline.adapter.mapping"]
    assert logged == [
        ("INFO", "unmapped agency code", "Case Was Teleported", NONE),
        ("INFO", "unmapped agency code", "Card Has Been Destroyed", AMBIGUOUS),
        ("INFO", "agency code matched as a variant", "Interview Has Been Cancelled",
         "Interview Cancelled")]


# -- traps: a variant never becomes the opposite ----------------------------------------------

@pytest.mark.parametrize("title", ["Notice Of Intent To Deny Was Sent",
                                   "Notice Of Intent To Revoke Was Sent",
                                   "Intent To Rescind Notice Was Mailed",
                                   "Notice Of Intent To Terminate Was Sent"])
def test_trap_notice_of_intent_variants_never_become_a_decision(title: str) -> None:
    """A notice of intent asks for an answer: no variant reads as denied or revoked."""
    mapped_all = _mapped(USCIS, title)
    assert any(m.match == VARIANT for m in mapped_all)  # the rewrites do reach the fallback
    for mapped in mapped_all:
        assert mapped.category not in {"DENIED", "APPROVED", "CLOSED"}, mapped
        assert mapped.milestone not in {"REVOKED", "DECISION_MADE"}, mapped
        assert not mapped.known or mapped.action_required, mapped


@pytest.mark.parametrize("title", ["Case Was Not Approved", "Case Was Not Revoked",
                                   "Deferred Action Was Not Granted",
                                   "Document Was Mailed But Not Returned To USCIS"])
def test_trap_negations_never_become_their_opposite(title: str) -> None:
    """'Not approved' is never an approval; 'not revoked' or 'not returned' never the event."""
    for mapped in _mapped(USCIS, title):
        if "Approved" in title or "Granted" in title:
            assert mapped.category != "APPROVED", mapped
        else:
            assert mapped.milestone not in {"REVOKED", "DOCUMENT_RETURNED"}, mapped


def test_trap_revoked_approval_never_becomes_approved() -> None:
    """'Case Approval Was Revoked' in any wording is never 'Case Was Approved'."""
    for mapped in _mapped(USCIS, "Case Approval Was Revoked"):
        assert mapped.category != "APPROVED", mapped
        assert not mapped.known or mapped.milestone == "REVOKED", mapped


@pytest.mark.parametrize("title", ["Response To USCIS' Request For Evidence Was Received",
                                   "Response To Request For Evidence Was Received",
                                   "Response To Notice of Intent To Deny Was Received"])
def test_trap_response_received_never_becomes_the_request(title: str) -> None:
    """A response received is under review: never the RFE or NOID that asked for it."""
    mapped_all = _mapped(USCIS, title)
    assert any(m.match == VARIANT for m in mapped_all) or "USCIS'" not in title
    for mapped in mapped_all:
        assert not mapped.action_required, mapped
        assert mapped.milestone not in {"EVIDENCE_REQUESTED", "INTENT_TO_DENY"}, mapped


def test_trap_g28_rejection_never_becomes_a_case_rejection() -> None:
    """Only the lawyer's form was refused, in every wording."""
    for mapped in _mapped(USCIS, "Form G-28 Was Rejected Because It Was Improperly Filed"):
        assert mapped.milestone != "REJECTED", mapped


@pytest.mark.parametrize("title", ["VOLUNTARY DEPARTURE GRANTED",
                                   "BIA DECISION: VOLUNTARY DEPARTURE GRANTED"])
def test_trap_voluntary_departure_variants_are_never_denied(title: str) -> None:
    """Voluntary departure is not a removal order, however it is written."""
    for mapped in _mapped(EOIR, title):
        assert mapped.category != "DENIED", mapped


@pytest.mark.parametrize(("program", "title"), [("PERM", "NOTICE OF DEFICIENCY"),
                                                ("PERM", "AUDIT"),
                                                ("PERM", "INTENT TO REVOKE")])
def test_trap_labor_notices_never_become_denials(program: str, title: str) -> None:
    """An audit, a deficiency notice or an intent to revoke asks for an answer, in any wording."""
    for mapped in _mapped(DOL, title, program):
        assert mapped.category != "DENIED", mapped


def test_every_table_key_is_exact_or_an_equal_meaning() -> None:
    """Variant matching never changes what a code the table lists maps to."""
    for table in (USCIS, EOIR):
        for entry in table.entries:
            for text in (entry.code, *entry.aliases):
                mapped = table.map(text, program=entry.program)
                assert mapped.match == EXACT, text
                assert mapped.category == entry.category, text


@pytest.mark.parametrize("table", [USCIS, EOIR, DOL], ids=["immigration", "courts", "labor"])
def test_a_variant_of_any_title_keeps_that_titles_meaning(table: MappingTable) -> None:
    """Every rewrite of every key the table lists that matches as a VARIANT means exactly
    what the title it varies means (any rewrite landing on two meanings is AMBIGUOUS)."""
    variants = 0
    for entry in table.entries:
        for text in (entry.code, *entry.aliases):
            for rewrite in _rewrites(text):
                kind, found = table.match(rewrite, entry.program)
                if kind == VARIANT:
                    variants += 1
                    assert found is not None and same_meaning(found, entry), (text, rewrite)
    assert variants > 0  # the rewrites do exercise the fallback


def test_spanish_titles_vary_like_english_ones_and_keep_their_negation() -> None:
    """USCIS's Spanish titles lose accents, case, 'fue', articles and 'mi' like the English
    'was', 'the' and 'my'; 'no' is a word of meaning and is kept."""
    assert variant_form("Mi Caso Fue Aprobado") == variant_form("Caso Aprobado") == "caso aprobado"
    assert variant_form("Se Está Produciendo Una Nueva Tarjeta") == variant_form(
        "SE ESTA PRODUCIENDO NUEVA TARJETA")
    assert USCIS.map("El Caso Fue Aprobado").match == VARIANT
    assert USCIS.map("El Caso Fue Aprobado").category == "APPROVED"
    assert "no" in variant_form("Caso No Fue Aprobado").split()
    assert USCIS.map("Caso No Fue Aprobado").match == NONE


def test_entities_in_a_title_written_in_capitals_are_unescaped() -> None:
    """'&APOS;' in an all-capitals title is an apostrophe, as '&apos;' is."""
    assert variant_form("NOTICE OF USCIS&APOS; INTENT TO TERMINATE MY STATUS WAS MAILED") == (
        variant_form("Notice Of USCIS' Intent To Terminate My Status Was Mailed"))
    assert USCIS.map("RESPONSE TO USCIS&APOS; REQUEST FOR EVIDENCE WAS RECEIVED").milestone == (
        "EVIDENCE_RECEIVED")

    assert USCIS.map("Response To USCIS&amp;#039; Request For Evidence Was Received").milestone == (
        "EVIDENCE_RECEIVED")
