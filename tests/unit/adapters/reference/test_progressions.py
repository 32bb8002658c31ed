"""Progressions read from generated histories: successors by case type, never borrowed for
a type that ends there, and due dates as the generator sets them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from adapters.reference.progressions import derive, for_agency
from adapters.sdk.records import CaseRecord, EventRecord

T0 = datetime(2026, 3, 2, 15, tzinfo=UTC)


def _case(case_type: str, *steps: tuple[str, int | None]) -> CaseRecord:
    """A case from (code, due in days or None), one day apart."""
    events = tuple(EventRecord(T0 + timedelta(days=i), code, code,
                               (T0 + timedelta(days=i + due)).date() if due is not None
                               else None)
                   for i, (code, due) in enumerate(steps))
    return CaseRecord("N", case_type, "office", "S", "", events)


def test_successors_are_counted_per_case_type_most_frequent_first() -> None:
    """Each observed step is counted once per case, ordered by frequency."""
    progressions = derive([
        _case("I-485", ("R", None), ("B", None), ("OK", None)),
        _case("I-485", ("R", None), ("OK", None)),
        _case("I-485", ("R", None), ("OK", None)),
    ])
    assert progressions.successors("I-485", "R") == (("OK", 2), ("B", 1))


def test_a_type_that_ends_at_a_code_does_not_borrow_anothers_next_step() -> None:
    """Approved ends an I-140; only an unseen type falls back to the code's steps."""
    progressions = derive([_case("I-765", ("OK", None), ("CARD", None)),
                           _case("I-140", ("OK", None))])
    assert progressions.successors("I-140", "OK") == ()
    assert progressions.successors("I-90", "OK") == (("CARD", 1),)
    assert progressions.choose_next("I-140", "OK", random.Random(0)) is None


def test_due_days_are_the_median_and_only_for_codes_usually_dated() -> None:
    """RFE dated 80, 87, 90 days out gives 87; a code dated once in three gives none."""
    progressions = derive([
        _case("X", ("RFE", 80), ("MAYBE", 5)), _case("X", ("RFE", 87), ("MAYBE", None)),
        _case("X", ("RFE", 90), ("MAYBE", None)),
    ])
    assert progressions.due_days("X", "RFE") == 87
    assert progressions.due_days("Y", "RFE") == 87
    assert progressions.due_days("X", "MAYBE") is None


def test_the_agencies_generators_give_their_published_deadlines() -> None:
    """USCIS: an RFE answer in 87 days, a NOID in 33; OFLC: a PERM audit in 30."""
    immigration, labor = for_agency("immigration"), for_agency("labor")
    assert immigration.due_days("I-485", "Request for Evidence Was Sent") == 87
    assert immigration.due_days("I-130", "Notice Of Intent To Deny Was Sent") == 33
    assert labor.due_days("PERM", "PENDING AUDIT RESPONSE") == 30
