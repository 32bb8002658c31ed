"""The GraphQL face of a case's estimate (``CaseStatus.estimate`` on the reader's own
cases)."""

from __future__ import annotations

from datetime import date

import strawberry

from aggregator.model import in_language
from aggregator.processing.model import Estimate
from gateway.schema.deadline_fields import Deadline

__all__ = ["CaseEstimate"]


@strawberry.type(description="How a case compares with cases of its type: from its office's "
                             "published processing times, or the agency's when the office's "
                             "are withheld. Dates are null when no figures are published.")
class CaseEstimate:
    typical_by: date | None = strawberry.field(
        description="The typical decision date: receipt plus the median processing time.")
    most_by: date | None = strawberry.field(
        description="The date by which most such cases are decided: receipt plus the "
                    "80th-percentile processing time.")
    inquiry_from: date | None = strawberry.field(
        description="From when asking the agency about the case is reasonable, by the case "
                    "type's rule (receipt plus the 80th percentile, or plus the target).")
    outside_normal: bool = strawberry.field(
        description="Whether today is past `inquiryFrom` (false when there is none).")
    basis: str = strawberry.field(
        description="Which figures (office or agency-wide, period, counts) and which target "
                    "with its source the dates come from, in the language asked for.")
    deadlines: list[Deadline] = strawberry.field(
        description="Legal deadlines running on the case, for or against the applicant.")
    age_days: int = strawberry.field(description="Days since the agency received the case.")
    office: str | None = strawberry.field(
        description="The office whose figures were used; null: agency-wide figures (or "
                    "none).")

    @classmethod
    def from_domain(cls, estimate: Estimate, language: str) -> CaseEstimate:
        """The estimate with its texts in ``language``."""
        return cls(typical_by=estimate.typical_by, most_by=estimate.most_by,
                   inquiry_from=estimate.inquiry_from, outside_normal=estimate.outside_normal,
                   basis=in_language(estimate.basis, language),
                   deadlines=[Deadline.from_domain(d, language) for d in estimate.deadlines],
                   age_days=estimate.age_days, office=estimate.office_used)
