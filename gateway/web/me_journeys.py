"""The journeys on /me: the person's cases that belong together, with their deadlines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from functools import partial

from aggregator.model import Case, Event
from aggregator.processing.deadlines import deadlines_for
from aggregator.processing.journeys import timeline_journeys
from aggregator.processing.model import Journey

__all__ = ["journeys_of"]


def journeys_of(cases: Sequence[Case], events: Sequence[Event], today: date,
                zones: Mapping[str, str] | None = None) -> tuple[Journey, ...]:
    """The journeys of ``cases`` with the deadline rules' deadlines as of ``today``, their
    clocks in each agency's time zone (``zones`` by agency id; unnamed: Eastern time)."""
    return timeline_journeys(cases, events, today, partial(deadlines_for, zones=zones))
