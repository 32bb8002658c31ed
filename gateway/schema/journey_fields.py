"""The GraphQL face of journeys: a person's cases that belong together across agencies.

The legal deadlines a journey shows are the deadline rules' (aggregator.processing.deadlines).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import partial
from typing import TypeAlias

import strawberry

from aggregator.model import AgencyInfo, in_language
from aggregator.processing.deadlines import deadlines_for
from aggregator.processing.journeys import timeline_journeys
from aggregator.processing.model import Journey as DomainJourney
from aggregator.processing.model import JourneyNextStep as DomainNextStep
from aggregator.processing.model import JourneyStep as DomainStep
from aggregator.processing.model import JourneyStepState as _JourneyStepState
from aggregator.service import TimelineRead
from gateway.schema.deadline_fields import Deadline
from gateway.schema.enums import StatusCategory, category
from gateway.schema.types import Agency

__all__ = ["Journey", "JourneyNextStep", "JourneyStep", "JourneyStepState", "journeys_of_read"]

strawberry.enum(_JourneyStepState, name="JourneyStepState",
                description="FILED: the step is a case an agency holds; NOT_FILED: the journey "
                            "rules expect it next and no agency has it yet.")
JourneyStepState: TypeAlias = _JourneyStepState


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
    state: JourneyStepState = strawberry.field(description="FILED: every step here is a case "
                                                           "an agency holds (steps not filed "
                                                           "yet are in `nextSteps`).")

    @classmethod
    def from_domain(cls, step: DomainStep, agency: AgencyInfo, language: str) -> JourneyStep:
        """The step with its agency named in ``language``."""
        return cls(agency=Agency.from_domain(agency, language), case_number=step.case_number,
                   case_type=step.case_type, category=category(step.category),
                   current=step.current, state=step.state)


@strawberry.type(description="A step the journey rules expect next that no agency has yet "
                             "(e.g. the I-140 after a certified PERM): what is filed where, "
                             "and by when if a legal deadline says so.")
class JourneyNextStep:
    agency: Agency = strawberry.field(description="Where it is filed.")
    filing: str = strawberry.field(description="What is filed: the case type of a new case "
                                               "(\"I-140\") or a form filed in the case it "
                                               "follows (\"EOIR-26\", an appeal to the Board "
                                               "of Immigration Appeals).")
    state: JourneyStepState = strawberry.field(description="Always NOT_FILED: once filed, "
                                                           "it is a step of the journey.")
    after_case_number: str = strawberry.field(description="The journey's case it follows.")
    due: date | None = strawberry.field(description="The last day to file it, when a legal "
                                                    "deadline running on the case it follows "
                                                    "says (`deadline`); null when no date can "
                                                    "be given (the I-485 waits for the "
                                                    "priority date to be current).")
    deadline: Deadline | None = strawberry.field(description="That deadline, if any.")
    description: str = strawberry.field(description="What comes next and when, in plain "
                                                    "words in the language asked for.")

    @classmethod
    def from_domain(cls, step: DomainNextStep, agency: AgencyInfo,
                    language: str) -> JourneyNextStep:
        """The next step in ``language``."""
        return cls(agency=Agency.from_domain(agency, language), filing=step.filing,
                   state=step.state, after_case_number=step.after_case_number, due=step.due,
                   deadline=(Deadline.from_domain(step.deadline, language)
                             if step.deadline is not None else None),
                   description=in_language(step.text, language))


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
    next_steps: list[JourneyNextStep] = strawberry.field(
        description="What comes next and is not filed yet, in the journey rules' order: "
                    "e.g. the I-140 while a certified PERM is valid, the I-485 once the "
                    "I-140 is approved, an appeal to the Board of Immigration Appeals while "
                    "its 30 days run after a court decision.")

    @classmethod
    def from_domain(cls, journey: DomainJourney, agencies: Mapping[str, AgencyInfo],
                    language: str) -> Journey:
        """The journey in ``language`` (next steps at an agency the gateway does not know
        are left out, as its cases are)."""
        return cls(title=in_language(journey.title, language),
                   steps=[JourneyStep.from_domain(s, agencies[s.agency_id], language)
                          for s in journey.steps],
                   deadlines=[Deadline.from_domain(d, language) for d in journey.deadlines],
                   next_steps=[JourneyNextStep.from_domain(n, agencies[n.agency_id], language)
                               for n in journey.next_steps if n.agency_id in agencies])


def journeys_of_read(read: TimelineRead, agencies: Mapping[str, AgencyInfo], language: str,
                     today: date) -> list[Journey]:
    """The journeys of a person's own timeline read as of ``today`` (UTC), in ``language``.
    Only cases of agencies that released DETAILS carry their related cases; cases of agencies
    the gateway does not know are left out."""
    cases = [c for c in read.timeline.cases if c.agency_id in agencies]
    # Clocks start on an event's date in its agency's own zone.
    zoned = partial(deadlines_for, zones={a.id: a.time_zone for a in agencies.values()})
    return [Journey.from_domain(j, agencies, language) for j in timeline_journeys(
        cases, read.timeline.events, today, zoned)]
