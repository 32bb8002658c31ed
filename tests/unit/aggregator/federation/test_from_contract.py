"""Contract messages read into aggregator records."""

from __future__ import annotations

from aggregator.federation import from_contract as convert
from aggregator.federation.from_contract import status_from_proto
from aggregator.model import Status, Text
from caseline.v1 import vocabulary_pb2 as vocab


def _status(code: str = "CERTIFIED", *, category: int = vocab.STATUS_CATEGORY_APPROVED,
            title: str = "Certified", action: bool = False) -> vocab.Status:
    return vocab.Status(
        category=category, milestone=vocab.MILESTONE_DECISION_MADE, action_required=action,
        agency_code=code, agency_text=code.title(),
        texts=[vocab.LocalizedText(language="en", title=title, description="d", next_step="n"),
               vocab.LocalizedText(language="es", title="Certificado", description="d",
                                   next_step="n")])


def test_a_status_reads_every_field() -> None:
    assert status_from_proto(_status()) == Status(
        category="APPROVED", milestone="DECISION_MADE", action_required=False,
        agency_code="CERTIFIED", agency_text="Certified",
        texts={"en": Text("Certified", "d", "n"), "es": Text("Certificado", "d", "n")})


def test_unknown_enum_values_read_as_unspecified() -> None:
    status = status_from_proto(_status(category=99))
    assert status.category == "UNSPECIFIED" and status.milestone == "DECISION_MADE"


def test_equal_statuses_share_one_record_and_any_difference_tells_them_apart() -> None:
    assert status_from_proto(_status()) is status_from_proto(_status())
    variants = [_status(), _status("DENIED"), _status(category=vocab.STATUS_CATEGORY_DENIED),
                _status(title="Approved"), _status(action=True)]
    read = [status_from_proto(v) for v in variants]
    assert len({id(r) for r in read}) == len(variants)
    assert [r.agency_code for r in read] == ["CERTIFIED", "DENIED", "CERTIFIED", "CERTIFIED",
                                             "CERTIFIED"]
    assert read[1].category == "APPROVED" and read[2].category == "DENIED"
    assert read[3].texts["en"].title == "Approved" and read[4].action_required


def test_statuses_an_agency_makes_up_without_end_do_not_grow_memory() -> None:
    for i in range(convert._STATUS_CACHE_SIZE * 2 + 10):
        assert status_from_proto(_status(f"CODE-{i}")).agency_code == f"CODE-{i}"
    assert len(convert._statuses) <= convert._STATUS_CACHE_SIZE
