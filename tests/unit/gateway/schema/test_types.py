"""GraphQL statuses say how the agency's code matched its table, beside the unchanged fields."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aggregator.model import AgencyInfo, Case, Event, Status, Text
from gateway.schema.enums import StatusMatch
from gateway.schema.types import CaseStatus, TimelineEvent

AGENCY = AgencyInfo(id="immigration", name="Immigration", name_es="Inmigración")
AT = datetime(2026, 3, 1, tzinfo=UTC)


def _status(match: str, *, known: bool = True) -> Status:
    texts = {"en": Text("Approved", "It was approved.", "")} if known else {}
    return Status(category="APPROVED" if known else "UNSPECIFIED",
                  milestone="DECISION_MADE" if known else "UNSPECIFIED",
                  action_required=False, agency_code="Case Approved", agency_text="words",
                  texts=texts, match=match)


@pytest.mark.parametrize(("match", "expected"), [
    ("EXACT", StatusMatch.EXACT), ("VARIANT", StatusMatch.VARIANT),
    ("AMBIGUOUS", StatusMatch.AMBIGUOUS), ("NONE", StatusMatch.NONE), ("UNSPECIFIED", None)])
def test_case_status_and_timeline_event_carry_the_match(match: str,
                                                        expected: StatusMatch | None) -> None:
    """Each kind reaches both statuses; an adapter that does not say gives null."""
    known = match in {"EXACT", "VARIANT"}
    status = _status(match, known=known)
    case = CaseStatus.from_domain(Case("immigration", "IOE0000000001", "I-130", "Petition",
                                       status, AT, AT), AGENCY, "en")
    event = TimelineEvent.from_domain(Event("immigration", "IOE0000000001", "e1", 0, AT,
                                            status), AGENCY, "en")
    assert case.match is expected and event.match is expected
    # The existing fields are as before: an unknown code keeps its own words.
    assert (case.category is None, case.title) == (not known, "Approved" if known
                                                    else "Case Approved")
    assert event.agency_text == "words"
