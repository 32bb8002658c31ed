"""The GraphQL face of journeys: a person's cases that belong together across agencies.

The legal deadlines a journey shows are the deadline rules' (aggregator.processing.deadlines).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import strawberry

from aggregator.model import AgencyInfo, in_language
from aggregator.processing.deadlines import deadlines_for
from aggregator.processing.journeys import timeline_journeys
from aggregator.processing.model import Journey as DomainJourney
from aggregator.processing.model import JourneyStep as DomainStep
from aggregator.service import TimelineRead
from gateway.schema.deadline_fields import Deadline
from gateway.schema.enums import StatusCategory, category
from gateway.schema.types import Agency

__all__ = ["Journey", "JourneyStep", "journeys_of_read"]


@strawberry.type(description="One case of a journey, in the journey's order.")
class JourneyStep:
    agency: Agency
    case_number: str = strawberry.field(description="The agency's case number.")
    case_type: str = strawberry.field(description="The agency's case type or form, e.g. "
                                                  "\"PERM\" or \"I-140\".")
    category: StatusCategory | None = strawberry.field(
        description="Where the case stands now (null where the agency's code is unmapped).")
    current: bool = strawberry.field(description="Whether this is where the journey stands: "
                                                 "the first step not yet decided (the last "
                                                 "one when every step is decided).")

    @classmethod
    def from_domain(cls, step: DomainStep, agency: AgencyInfo, language: str) -> JourneyStep:
        """The step with its agency named in ``language``."""
        return cls(agency=Agency.from_domain(agency, language), case_number=step.case_number,
                   case_type=step.case_type, category=category(step.category),
                   current=step.current)


@strawberry.type(description="Your cases that belong together across agencies (a prevailing "
                             "wage determination, the PERM built on it, the I-140 and I-485 "
                             "that follow), as the agencies' own records tie them.")
class Journey:
    title: str = strawberry.field(description="What the journey is, in the language asked "
                                              "for.")
    steps: list[JourneyStep] = strawberry.field(description="Its cases in order.")
    deadlines: list[Deadline] = strawberry.field(
        description="Legal deadlines running on the journey's cases, also those that cross "
                    "agencies (a PERM certification's validity for filing the I-140).")

    @classmethod
    def from_domain(cls, journey: DomainJourney, agencies: Mapping[str, AgencyInfo],
                    language: str) -> Journey:
        """The journey in ``language``."""
        return cls(title=in_language(journey.title, language),
                   steps=[JourneyStep.from_domain(s, agencies[s.agency_id], language)
                          for s in journey.steps],
                   deadlines=[Deadline.from_domain(d, language) for d in journey.deadlines])


def journeys_of_read(read: TimelineRead, agencies: Mapping[str, AgencyInfo], language: str,
                     today: date) -> list[Journey]:
    """The journeys of a person's own timeline read as of ``today`` (UTC), in ``language``.
    Only cases of agencies that released DETAILS carry their related cases; cases of agencies
    the gateway does not know are left out."""
    cases = [c for c in read.timeline.cases if c.agency_id in agencies]
    return [Journey.from_domain(j, agencies, language) for j in timeline_journeys(
        cases, read.timeline.events, today, deadlines_for)]
