"""The journeys on /me: the person's cases that belong together, with their deadlines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from aggregator.model import Case, Event
from aggregator.processing.deadlines import deadlines_for
from aggregator.processing.journeys import timeline_journeys
from aggregator.processing.model import Journey

__all__ = ["journeys_of"]


def journeys_of(cases: Sequence[Case], events: Sequence[Event],
                today: date) -> tuple[Journey, ...]:
    """The journeys of ``cases`` with the deadline rules' deadlines as of ``today``."""
    return timeline_journeys(cases, events, today, deadlines_for)
