"""The progress line: every milestone of the contract has its step."""

from __future__ import annotations

from caseline.v1 import vocabulary_pb2
from gateway.web.lookup import WITHOUT_STEP, step_of

PREFIX = "MILESTONE_"


def test_every_contract_milestone_sits_on_a_step() -> None:
    """Each Milestone value maps to one of the four steps, in order, unless it is listed as
    saying nothing of progress."""
    names = [n.removeprefix(PREFIX) for n in vocabulary_pb2.Milestone.DESCRIPTOR.values_by_name]
    unmapped = [n for n in names if n not in WITHOUT_STEP and step_of(n) is None]
    assert not unmapped, f"milestones without a step: {unmapped}"
    assert all(step_of(n) is None for n in WITHOUT_STEP)
    assert set(names) >= WITHOUT_STEP
    assert [step_of(n) for n in ("RECEIVED", "UNDER_REVIEW", "HEARING_SCHEDULED",
                                 "DECISION_MADE")] == [0, 1, 2, 3]
