"""Which agency codes complete a case, from the mapping table."""

from __future__ import annotations

from adapters.reference.catalog import profile
from adapters.sdk.mapping import MappingTable
from adapters.sdk.status_classes import StatusClassifier


def _classifier(agency: str) -> StatusClassifier:
    p = profile(agency)
    return StatusClassifier(MappingTable.load(p.mapping_path), p.program_of)


def test_decisions_complete_and_other_statuses_keep_their_milestone() -> None:
    c = _classifier("immigration")
    assert c.classify("I-130", "Case Was Approved").completes
    assert c.classify("I-130", "Case Was Denied").completes
    received = c.classify("I-130", "Case Was Received")
    assert not received.completes and received.milestone == "RECEIVED"


def test_unknown_codes_are_open_and_unspecified() -> None:
    unknown = _classifier("immigration").classify("I-130", "Something Nobody Wrote")
    assert (unknown.completes, unknown.milestone) == (False, "UNSPECIFIED")


def test_program_qualified_tables_classify_by_case_type() -> None:
    c = _classifier("labor")
    assert c.classify("PERM", "Certified").completes


def test_the_fingerprint_follows_the_table() -> None:
    assert _classifier("immigration").fingerprint == _classifier("immigration").fingerprint
    assert _classifier("immigration").fingerprint != _classifier("labor").fingerprint
