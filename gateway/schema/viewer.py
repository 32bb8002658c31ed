"""The signed-in person's view: their cases and merged timeline."""

from __future__ import annotations

import strawberry

from aggregator.model import Timeline
from gateway.auth import Principal
from gateway.context import Context
from gateway.schema.enums import Language
from gateway.schema.permissions import IsApplicant
from gateway.schema.types import AgencyError, CaseStatus, TimelineEvent, TimelineView

__all__ = ["Viewer"]

Info = strawberry.Info[Context, None]


def _timeline_view(info: Info, timeline: Timeline, language: str) -> TimelineView:
    agencies = info.context.service.agencies
    return TimelineView(
        events=[TimelineEvent.from_domain(e, agencies[e.agency_id], language)
                for e in timeline.events],
        unavailable=[AgencyError.from_domain(f, agencies[f.agency_id], language)
                     for f in timeline.unavailable])


@strawberry.type(description="The signed-in person.")
class Viewer:
    subject: strawberry.ID
    role: str
    name: str

    @classmethod
    def from_principal(cls, principal: Principal) -> Viewer:
        """The viewer for an authenticated principal."""
        return cls(subject=strawberry.ID(principal.subject), role=principal.role,
                   name=principal.name)

    @strawberry.field(description="Your linked cases with their current status, most recent "
                                  "change first.", permission_classes=[IsApplicant])
    async def cases(self, info: Info, language: Language | None = None) -> list[CaseStatus]:
        timeline = await info.context.timeline(self.subject)
        lang = language.value if language else info.context.language
        agencies = info.context.service.agencies
        return [CaseStatus.from_domain(c, agencies[c.agency_id], lang) for c in timeline.cases]

    @strawberry.field(description="Your cases' events across agencies, ordered by time.",
                      permission_classes=[IsApplicant])
    async def timeline(self, info: Info, language: Language | None = None) -> TimelineView:
        timeline = await info.context.timeline(self.subject)
        return _timeline_view(info, timeline, language.value if language else info.context.language)
