"""The applicant's journeys for ``/me``: the deadlines that run on their cases
(aggregator.processing.deadlines) and the journeys those cases form
(aggregator.processing.journeys), both pure functions over the timeline's cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from aggregator.model import Case, Event
from aggregator.processing.model import Journey

__all__ = ["journeys_of"]


def journeys_of(cases: Sequence[Case], events: Sequence[Event],
                today: date) -> tuple[Journey, ...]:
    """The journeys of ``cases`` with their deadlines as of ``today``."""
    # Imported here: both modules are built alongside these pages (issue 18) and join main at
    # the same merge; the ignores then become unused, which "unused-ignore" allows.
    from aggregator.processing.deadlines import (  # type: ignore[import-not-found,unused-ignore]
        deadlines_for,
    )
    from aggregator.processing.journeys import (  # type: ignore[import-not-found,unused-ignore]
        journeys_for,
    )

    # The agencies' related cases (Case.related_cases, from the contract's additive field),
    # keyed by the case that names them.
    related = {(c.agency_id, c.number): tuple(getattr(c, "related_cases", ())) for c in cases}
    found: tuple[Journey, ...] = journeys_for(cases, deadlines_for(cases, events, related,
                                                                  today))
    return found
