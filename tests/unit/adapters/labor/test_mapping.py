"""The OFLC mapping table: loads, covers the public code set, and gets the traps right."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.labor.profile import PROFILE
from adapters.sdk.mapping import MappingEntry, MappingTable, lint_table, normalize_key
from adapters.sdk.resolution import AMBIGUOUS, EXACT, resolve
from adapters.sdk.vocabulary import UNSPECIFIED

PROGRAMS = ("PERM", "PW", "LCA", "H-2A", "H-2B", "CW-1")
TEMPORARY = ("H-2A", "H-2B", "CW-1")
TABLE = MappingTable.load(PROFILE.mapping_path)


def known_codes(path: Path) -> list[tuple[str | None, str]]:
    """known_codes.txt as (program, code) pairs, comments and blank lines skipped."""
    pairs: list[tuple[str | None, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        program, bar, code = text.partition("|")
        pairs.append((program.strip(), code.strip()) if bar else (None, text))
    return pairs


KNOWN = known_codes(PROFILE.known_codes_path)


def mapped(code: str, program: str | None) -> tuple[str, str, bool]:
    """(category, milestone, action_required) of a code under a program, or with none."""
    status = TABLE.map(code, program=program) if program else resolve(TABLE, code).status(code)
    return status.category, status.milestone, status.action_required


def test_table_loads_with_header_fields() -> None:
    """mapping.toml loads through the SDK loader with agency, version and both languages."""
    assert TABLE.agency == "labor"
    assert TABLE.version == "2026.12"
    assert TABLE.languages == ("en", "es")
    assert len(TABLE.entries) >= 100


def test_lint_is_clean_against_the_known_code_set() -> None:
    """The SDK linter finds no parse, duplicate, language or coverage problem."""
    assert lint_table(PROFILE.mapping_path, KNOWN) == []


def test_every_entry_is_qualified_by_one_of_the_six_programs() -> None:
    """Entries carry program PERM, PW, LCA, H-2A, H-2B or CW-1; none is program-less."""
    assert {entry.program for entry in TABLE.entries} == set(PROGRAMS)


def test_known_codes_name_only_real_programs_and_cover_each() -> None:
    """Every line of known_codes.txt is PROGRAM|CODE with one of the six programs."""
    assert KNOWN
    assert {program for program, _ in KNOWN} == set(PROGRAMS)


@pytest.mark.parametrize(("program", "code"), KNOWN)
def test_every_known_code_maps_to_a_real_category(program: str | None, code: str) -> None:
    """Each public code maps, under its program, to a category and milestone."""
    category, milestone, _ = mapped(code, program)
    assert category != UNSPECIFIED
    assert milestone != UNSPECIFIED


@pytest.mark.parametrize("entry", TABLE.entries, ids=lambda e: f"{e.program}:{e.code}")
def test_both_languages_have_every_text(entry: MappingEntry) -> None:
    """Each entry has English then Spanish title, description and next step, none empty."""
    texts = entry.texts
    assert [t.language for t in texts] == ["en", "es"]
    for text in texts:
        assert text.title.strip() and text.description.strip() and text.next_step.strip()
        assert len(text.title) <= 80
    assert texts[0].title != texts[1].title
    assert texts[0].description != texts[1].description


def test_spanish_texts_are_written_with_accents() -> None:
    """Spanish texts use real Spanish spelling (accents and ñ), not stripped ASCII."""
    spanish = " ".join(e.texts[1].description + e.texts[1].next_step for e in TABLE.entries)
    for letter in "áéíóúñ":
        assert letter in spanish


def test_lca_certified_withdrawn_is_closed_not_approved() -> None:
    """An LCA withdrawn after certification is CLOSED/WITHDRAWN, not a win."""
    assert mapped("CERTIFIED - WITHDRAWN", "LCA") == ("CLOSED", "WITHDRAWN", False)
    assert mapped("Certified-Withdrawn", "LCA") == ("CLOSED", "WITHDRAWN", False)


def test_perm_certified_is_approved() -> None:
    """A certified PERM is APPROVED with a decision milestone."""
    assert mapped("CERTIFIED", "PERM") == ("APPROVED", "DECISION_MADE", False)


def test_perm_certified_expired_is_closed() -> None:
    """A PERM certification past its 180 days is CLOSED, in FLAG and disclosure spellings."""
    assert mapped("CERTIFIED - EXPIRED", "PERM")[0] == "CLOSED"
    assert mapped("Certified-Expired", "PERM")[0] == "CLOSED"


def test_unknown_code_under_a_program_is_unspecified() -> None:
    """A code the table does not know maps to UNSPECIFIED and keeps the agency's words."""
    status = TABLE.map("BRAND NEW FLAG STATUS", "DOL's own words", program="PERM")
    assert (status.category, status.milestone) == (UNSPECIFIED, UNSPECIFIED)
    assert status.agency_code == "BRAND NEW FLAG STATUS"
    assert status.agency_text == "DOL's own words"
    assert status.texts == ()


def test_code_of_another_program_does_not_leak() -> None:
    """A status word only one program uses is unknown under the others, and without a program."""
    assert mapped("ANALYST REVIEW", "LCA")[0] == UNSPECIFIED
    assert mapped("NOD ISSUED", "PERM")[0] == UNSPECIFIED
    assert mapped("CERTIFIED", None)[0] == UNSPECIFIED


def test_certified_means_a_different_thing_per_program() -> None:
    """CERTIFIED approves under PERM, LCA and H-2A; CERTIFIED - WITHDRAWN closes LCA and H-2B."""
    for program in ("PERM", "LCA", "H-2A", "H-2B"):
        assert mapped("CERTIFIED", program)[0] == "APPROVED"
    for program in ("LCA", "H-2A", "H-2B"):
        assert mapped("CERTIFIED - WITHDRAWN", program)[:2] == ("CLOSED", "WITHDRAWN")


def test_audit_requires_action_and_is_not_a_denial() -> None:
    """A PERM audit (FLAG: PENDING AUDIT RESPONSE) asks the employer to act; it is ACTIVE."""
    for code in ("PENDING AUDIT RESPONSE", "AUDIT ISSUED"):
        assert mapped(code, "PERM") == ("ACTIVE", "EVIDENCE_REQUESTED", True)
    assert mapped("AUDIT RESPONSE RECEIVED", "PERM") == ("ACTIVE", "EVIDENCE_RECEIVED", False)


def test_rfi_requires_action_under_perm_and_prevailing_wage() -> None:
    """A request for information asks the employer to act in PERM and PW alike."""
    for program in ("PERM", "PW"):
        assert mapped("RFI ISSUED", program) == ("ACTIVE", "EVIDENCE_REQUESTED", True)


def test_supervised_recruitment_requires_action() -> None:
    """Supervised recruitment is ACTIVE and needs the employer's draft advertisement."""
    assert mapped("SUPERVISED RECRUITMENT", "PERM") == ("ACTIVE", "EVIDENCE_REQUESTED", True)
    assert "30 days" in TABLE.map("SUPERVISED RECRUITMENT", program="PERM").texts[0].next_step


def test_analyst_review_is_active_without_action() -> None:
    """ANALYST REVIEW is the ordinary PERM queue: ACTIVE, under review, nothing due."""
    assert mapped("ANALYST REVIEW", "PERM") == ("ACTIVE", "UNDER_REVIEW", False)
    assert mapped("IN PROCESS", "PERM") == ("PENDING", "RECEIVED", False)


def test_perm_denial_and_appeal_outcomes() -> None:
    """Denied is DENIED; reconsideration is an ACTIVE appeal; BALCA affirm/reverse decide it."""
    assert mapped("DENIED", "PERM") == ("DENIED", "DECISION_MADE", False)
    assert mapped("RECONSIDERATION REQUESTED", "PERM") == ("ACTIVE", "APPEALED", False)
    assert mapped("RECONSIDERATION APPEALS", "PERM") == ("ACTIVE", "APPEALED", False)
    assert mapped("APPEAL SENT TO BALCA", "PERM") == ("ACTIVE", "APPEALED", False)
    assert mapped("BALCA DECISION - AFFIRMED", "PERM")[:2] == ("DENIED", "APPEAL_DECIDED")
    assert mapped("BALCA DECISION - REVERSED", "PERM")[:2] == ("APPROVED", "APPEAL_DECIDED")
    assert mapped("BALCA DECISION - REMANDED", "PERM")[:2] == ("ACTIVE", "APPEAL_DECIDED")


def test_intent_to_revoke_requires_action_and_revocation_is_denied() -> None:
    """A notice of intent to revoke needs a rebuttal; a revoked certification is DENIED."""
    assert mapped("NOTICE OF INTENT TO REVOKE", "PERM") == ("ACTIVE", "INTENT_TO_DENY", True)
    assert mapped("CERTIFICATION REVOKED", "PERM")[:2] == ("DENIED", "REVOKED")


def test_prevailing_wage_determination_issued_is_approved() -> None:
    """A wage determination and every review outcome that leaves a wage in place is APPROVED."""
    for code in ("DETERMINATION ISSUED", "REDETERMINATION AFFIRMED", "REDETERMINATION MODIFIED",
                 "CENTER DIRECTOR REVIEW AFFIRMED DETERMINATION",
                 "CENTER DIRECTOR REVIEW - DETERMINATION MODIFIED", "BALCA OVERTURNED"):
        assert mapped(code, "PW")[0] == "APPROVED", code


def test_wage_review_requests_are_active_appeals() -> None:
    """Redetermination, Center Director and BALCA review requests are ACTIVE appeals."""
    for code in ("PENDING REDETERMINATION", "REDETERMINATION REQUESTED",
                 "PENDING CENTER DIRECTOR REVIEW", "CENTER DIRECTOR REVIEW REQUESTED",
                 "BALCA REVIEW"):
        assert mapped(code, "PW") == ("ACTIVE", "APPEALED", False), code


def test_returned_unprocessed_is_closed_without_a_decision() -> None:
    """A wage request returned unprocessed is CLOSED/REJECTED and must be refiled."""
    assert mapped("RETURNED UNPROCESSED", "PW") == ("CLOSED", "REJECTED", True)


@pytest.mark.parametrize("program", PROGRAMS)
def test_withdrawn_is_closed_not_denied(program: str) -> None:
    """A withdrawal ends the case without a merits decision in every program."""
    assert mapped("WITHDRAWN", program) == ("CLOSED", "WITHDRAWN", False)


@pytest.mark.parametrize("program", TEMPORARY)
def test_notice_of_deficiency_requires_action_and_is_not_a_denial(program: str) -> None:
    """A Notice of Deficiency asks the employer to fix the application: ACTIVE, action due."""
    for code in ("NOD ISSUED", "NOTICE OF DEFICIENCY ISSUED"):
        assert mapped(code, program) == ("ACTIVE", "EVIDENCE_REQUESTED", True)


def test_deficiency_deadline_is_the_programs_own() -> None:
    """H-2A gives 5 business days to answer a NOD; H-2B and CW-1 give 10."""
    def next_step(program: str) -> str:
        return TABLE.map("NOD ISSUED", program=program).texts[0].next_step
    assert "5 business days" in next_step("H-2A")
    assert "10 business days" in next_step("H-2B")
    assert "10 business days" in next_step("CW-1")


@pytest.mark.parametrize("program", TEMPORARY)
def test_notice_of_acceptance_asks_for_recruitment(program: str) -> None:
    """Acceptance (FLAG: ACCEPTED - PENDING RECRUITMENT) means the employer must recruit."""
    for code in ("ACCEPTED - PENDING RECRUITMENT", "NOTICE OF ACCEPTANCE ISSUED"):
        assert mapped(code, program) == ("ACTIVE", "NOTICE_SENT", True)


@pytest.mark.parametrize("program", TEMPORARY)
def test_full_and_partial_certification_are_approved(program: str) -> None:
    """Full and partial temporary certifications, in FLAG and disclosure wording, approve."""
    for code in ("FULL CERTIFICATION", "PARTIAL CERTIFICATION",
                 "Determination Issued - Certification",
                 "Determination Issued - Partial Certification"):
        assert mapped(code, program)[:2] == ("APPROVED", "DECISION_MADE"), code


@pytest.mark.parametrize("program", TEMPORARY)
def test_temporary_certification_withdrawn_after_approval_is_closed(program: str) -> None:
    """FULL/PARTIAL CERTIFICATION - WITHDRAWN is a withdrawal, not an approval."""
    for code in ("FULL CERTIFICATION - WITHDRAWN", "PARTIAL CERTIFICATION - WITHDRAWN"):
        assert mapped(code, program)[:2] == ("CLOSED", "WITHDRAWN"), code


def test_rejection_is_closed_and_must_be_refiled() -> None:
    """A temporary-program rejection (Determination Issued - Rejected, REJECTED) is CLOSED."""
    for program in TEMPORARY:
        for code in ("REJECTED", "Determination Issued - Rejected"):
            assert mapped(code, program) == ("CLOSED", "REJECTED", True)


def test_nor_issued_is_an_open_notice_not_a_rejection() -> None:
    """FLAG lists NOR ISSUED among open H-2B statuses: a notice with something due."""
    for program in ("H-2B", "CW-1"):
        assert mapped("NOR ISSUED", program) == ("ACTIVE", "NOTICE_SENT", True)


def test_action_required_only_where_someone_must_act() -> None:
    """Evidence requests and intents to deny always need action; decisions in favour never do."""
    for entry in TABLE.entries:
        if entry.milestone in ("EVIDENCE_REQUESTED", "INTENT_TO_DENY"):
            assert entry.action_required, (entry.program, entry.code)
        if entry.category in ("APPROVED", "PENDING") or entry.milestone == "EVIDENCE_RECEIVED":
            assert not entry.action_required, (entry.program, entry.code)


# ---- Traps, by name ------------------------------------------------------------------------

def test_trap_certified_expired_is_not_approved_for_filing() -> None:
    """An approval that ran out (PERM after 180 days, H-2 after its dates) is CLOSED, never
    APPROVED, in every spelling FLAG and the disclosure files use."""
    cases = [("PERM", "CERTIFIED - EXPIRED"), ("PERM", "Certified-Expired"),
             ("PERM", "Certified - Expired"), ("H-2A", "FULL CERTIFICATION - EXPIRED"),
             ("H-2A", "DETERMINATION ISSUED - PARTIAL CERTIFICATION EXPIRED"),
             ("H-2B", "Determination Issued - Certification (Expired)"),
             ("CW-1", "PARTIAL CERTIFICATION - EXPIRED")]
    for program, code in cases:
        assert mapped(code, program) == ("CLOSED", "EXPIRED", False), (program, code)
        assert mapped(code, None) == ("CLOSED", "EXPIRED", False), code
    text = TABLE.map("Certified-Expired", program="PERM").texts[0]
    assert "can no longer be used" in text.description


def test_trap_perm_certified_starts_a_180_day_validity() -> None:
    """A PERM approval is APPROVED and says the I-140 must be filed within 180 days."""
    status = TABLE.map("Certified", program="PERM")
    assert (status.category, status.milestone) == ("APPROVED", "DECISION_MADE")
    english, spanish = status.texts
    assert "180 days" in english.description and "I-140" in english.next_step
    assert "180 días" in spanish.description


def test_trap_certified_without_a_program_is_ambiguous() -> None:
    """CERTIFIED starts a clock under PERM only: without program or number it is AMBIGUOUS."""
    resolution = resolve(TABLE, "Certified")
    assert resolution.match == AMBIGUOUS
    assert {c.program for c in resolution.candidates} == {"PERM", "LCA", *TEMPORARY}
    assert resolve(TABLE, "DETERMINATION ISSUED").match == AMBIGUOUS


def test_trap_audit_is_not_a_denial() -> None:
    """An audit in any wording is ACTIVE with papers due, and its text says it is no denial."""
    for code in ("Audit", "PENDING AUDIT RESPONSE", "AUDIT ISSUED"):
        assert mapped(code, "PERM") == ("ACTIVE", "EVIDENCE_REQUESTED", True)
        assert mapped(code, None) == ("ACTIVE", "EVIDENCE_REQUESTED", True)
    assert "not a denial" in TABLE.map("Audit", program="PERM").texts[0].description


def test_trap_withdrawn_is_not_denied() -> None:
    """A withdrawal, before or after approval, is CLOSED/WITHDRAWN: bare and per program."""
    for code in ("WITHDRAWN", "Withdrawn", "Determination Issued - Withdrawn",
                 "CERTIFIED - WITHDRAWN", "Certified-Withdrawn",
                 "PARTIAL CERTIFICATION - WITHDRAWN"):
        assert mapped(code, None)[:2] == ("CLOSED", "WITHDRAWN"), code


def test_trap_notice_of_deficiency_is_not_a_denial() -> None:
    """NOD ISSUED without a program still maps: ACTIVE with fixes due, not DENIED."""
    assert mapped("NOD Issued", None) == ("ACTIVE", "EVIDENCE_REQUESTED", True)
    assert mapped("NRM Issued", None) == ("ACTIVE", "EVIDENCE_REQUESTED", True)


def test_trap_perm_appeal_is_under_review_not_denied() -> None:
    """DOL's PERM 'Appeal' indicator means reconsideration or review: ACTIVE, appealed."""
    assert mapped("Appeal", "PERM") == ("ACTIVE", "APPEALED", False)
    assert mapped("Reconsideration", None) == ("ACTIVE", "APPEALED", False)


def test_trap_final_review_is_not_yet_an_approval() -> None:
    """H-2A FINAL REVIEW is a review step, not a certification."""
    assert mapped("FINAL REVIEW", None) == ("ACTIVE", "UNDER_REVIEW", False)


def test_trap_returned_certification_is_still_approved() -> None:
    """A '(RETURNED)' full or partial certification was granted: APPROVED, not rejected."""
    for code in ("DETERMINATION ISSUED - CERTIFICATION (RETURNED)",
                 "DETERMINATION ISSUED - PARTIAL CERTIFICATION (RETURNED)"):
        assert mapped(code, "H-2B")[:2] == ("APPROVED", "DECISION_MADE")
        assert mapped(code, None)[:2] == ("APPROVED", "DECISION_MADE")


def test_trap_returned_unprocessed_and_rejected_are_not_denials() -> None:
    """Sent back without a decision is CLOSED/REJECTED with a refiling due, never DENIED."""
    for code in ("RETURNED UNPROCESSED", "REJECTED", "Determination Issued - Rejected"):
        assert mapped(code, None) == ("CLOSED", "REJECTED", True), code


def test_trap_incomplete_is_not_filed_yet() -> None:
    """PERM 'Incomplete' is a draft DOL has not received: PENDING, not received or closed."""
    assert mapped("Incomplete", None) == ("PENDING", "CASE_UPDATED", False)


def test_trap_intent_to_revoke_is_not_a_revocation() -> None:
    """A NOIR needs a rebuttal within 30 days; only CERTIFICATION REVOKED is DENIED."""
    assert mapped("NOIR", "PERM") == ("ACTIVE", "INTENT_TO_DENY", True)
    assert "30 days" in TABLE.map("NOIR", program="PERM").texts[0].next_step
    assert mapped("REVOKED", None)[:2] == ("DENIED", "REVOKED")


# ---- Statuses as FLAG prints them, without the PROGRAM| prefix ------------------------------

@pytest.mark.parametrize("code", ["IN PROCESS", "In process", "DENIED", "WITHDRAWN",
                                  "RFI ISSUED", "PENDING APPEAL", "ANALYST REVIEW",
                                  "Accepted – Pending Recruitment", "NOA Issued",
                                  "Post-Cert Request Pending", "BALCA OVERTURNED",
                                  "CENTER DIRECTOR REVIEW AFFIRMED DETERMINATION",
                                  "PENDING QUALITY AND COMPLIANCE REVIEW - UNASSIGNED"])
def test_a_status_meaning_the_same_everywhere_maps_without_a_program(code: str) -> None:
    """Words used by one program, or by several with one meaning, map with no program."""
    resolution = resolve(TABLE, code)
    assert resolution.match == EXACT, code
    assert resolution.status(code).known


def test_shared_words_share_texts_or_differ_in_meaning() -> None:
    """Every word several programs use either means the same (same texts: it maps bare) or
    is one of the words whose meaning differs per program (reported AMBIGUOUS)."""
    differing = {"certified", "determination issued", "balca affirmed",
                 "balca decision affirmed", "balca reversed", "balca decision reversed",
                 "balca remanded", "certification issued"}
    keys = {normalize_key(text) for entry in TABLE.entries
            for text in (entry.code, *entry.aliases)}
    ambiguous = {key for key in keys if resolve(TABLE, key).match == AMBIGUOUS}
    assert ambiguous == differing


def test_the_program_comes_from_the_case_number() -> None:
    """A FLAG case number names its program, so CERTIFIED resolves under it."""
    for number, program in (("G-100-24123-123456", "PERM"), ("I-200-24123-123456", "LCA"),
                            ("H-300-24123-123456", "H-2A"), ("P-100-24123-123456", "PW")):
        assert PROFILE.program_of_number(number) == program
    program = PROFILE.program_of_number("G-100-24123-123456")
    assert resolve(TABLE, "Certified", program).entry == TABLE.lookup("CERTIFIED", "PERM")


def test_trap_recruitment_report_not_received_needs_the_employer_not_a_denial() -> None:
    """'Pending Action - Recruitment Report not Received' waits on the employer's report: action
    needed, not a denial, and the same in H-2A and H-2B, so it maps without a program too."""
    for program in ("H-2A", "H-2B"):
        assert mapped("Pending Action - Recruitment Report not Received", program) == (
            "ACTIVE", "EVIDENCE_REQUESTED", True)
    assert resolve(TABLE, "Pending Action - Recruitment Report not Received").match == EXACT
