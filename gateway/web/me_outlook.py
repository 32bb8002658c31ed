"""What ``/me`` shows of how long the applicant's open cases take and what runs on them: each
case's estimate in words, its deadlines, and "your case against typical" as a small chart;
then the journeys their cases form across agencies, with the deadlines that cross them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aggregator.model import AgencyInfo, Case
from aggregator.processing.model import (
    Deadline,
    DeadlineKind,
    DeadlineParty,
    DeadlineState,
    Estimate,
    Journey,
)
from gateway.messages import message
from gateway.web import localized
from gateway.web.case_types import case_label
from gateway.web.charts import Gauge, gauge
from gateway.web.lookup import statistics_path
from gateway.web.public import category_name

__all__ = ["OPEN", "DeadlineRow", "EstimateCard", "JourneyNextRow", "JourneyStepRow",
           "JourneyView", "deadline_row", "estimate_card", "estimate_cards", "journey_view",
           "who_acts"]

# The shared status categories of cases still waiting for a decision.
OPEN = frozenset({"PENDING", "ACTIVE"})


@dataclass(frozen=True, slots=True)
class DeadlineRow:
    """A legal deadline in words: what, by when, where it stands, who must act, why."""

    kind: str
    due: str
    due_iso: str
    state: str
    state_code: str  # RUNNING, MET, MISSED: the page's tag colour
    party: str
    basis: str
    case: str


@dataclass(frozen=True, slots=True)
class EstimateCard:
    """One open case's estimate as its card shows it."""

    agency_id: str
    number: str
    case_type: str
    case_type_label: str  # as the pages name it: "I-485", "Credible fear review"
    summary: str
    outside_normal: bool
    basis: str
    deadlines: tuple[DeadlineRow, ...]
    gauge: Gauge | None
    gauge_text: str
    statistics_url: str


@dataclass(frozen=True, slots=True)
class JourneyStepRow:
    """One step of a journey: whose case, which, where it stands."""

    agency: str
    case_type: str
    number: str
    category: str
    current: bool


@dataclass(frozen=True, slots=True)
class JourneyNextRow:
    """A step the journey rules expect next, not filed yet: what, where, and in words by
    when (or what it waits for)."""

    agency: str
    filing: str
    text: str
    due_iso: str  # "" when no deadline dates it


@dataclass(frozen=True, slots=True)
class JourneyView:
    """A journey with its steps in order, what comes next, and the deadlines that cross
    them."""

    title: str
    steps: tuple[JourneyStepRow, ...]
    deadlines: tuple[DeadlineRow, ...]
    next_steps: tuple[JourneyNextRow, ...] = ()


def _in(texts: Mapping[str, str], language: str) -> str:
    return texts.get(language) or texts.get("en", "")


def _kind(language: str, kind: DeadlineKind) -> str:
    names = {
        DeadlineKind.PERM_VALIDITY: message(language, "Labor certification valid for filing "
                                                      "the I-140"),
        DeadlineKind.PREVAILING_WAGE_VALIDITY: message(language, "Prevailing wage valid for "
                                                                 "filing the PERM application"),
        DeadlineKind.BIA_APPEAL: message(language, "Appeal to the Board of Immigration Appeals"),
        DeadlineKind.N400_HEARING: message(language, "Naturalization decision after the "
                                                     "interview"),
        DeadlineKind.ASYLUM_ADJUDICATION: message(language, "Asylum decision"),
        DeadlineKind.VOLUNTARY_DEPARTURE: message(language, "Voluntary departure"),
        DeadlineKind.EVIDENCE_RESPONSE: message(language, "Response to a request for evidence"),
        DeadlineKind.PREMIUM_PROCESSING: message(language, "Premium processing"),
    }
    return names[kind]


# Every Department of Labor program (PERM, prevailing wage, LCA, H-2A, H-2B, CW-1) is the
# employer's filing: a deadline on a labor case, or on the labor certification's validity, is
# the employer's to meet, though the rules count it against the applicant's journey.
_EMPLOYER_AGENCY = "labor"
_EMPLOYER_KINDS = frozenset({DeadlineKind.PERM_VALIDITY, DeadlineKind.PREVAILING_WAGE_VALIDITY})


def who_acts(deadline: Deadline) -> str:
    """Who must act by ``deadline``: "APPLICANT", "EMPLOYER" or "AGENCY" (the agency
    deciding within its own timeframe)."""
    if deadline.party is DeadlineParty.AGENCY:
        return "AGENCY"
    if deadline.kind in _EMPLOYER_KINDS or deadline.agency_id == _EMPLOYER_AGENCY:
        return "EMPLOYER"
    return "APPLICANT"


def _who_acts(language: str, deadline: Deadline, agencies: Mapping[str, AgencyInfo]) -> str:
    """Who must act by the deadline, in words: the applicant, the employer, or the agency
    (whose timeframes say what it should do, not what it must)."""
    running = deadline.state is DeadlineState.RUNNING
    actor = who_acts(deadline)
    if actor == "EMPLOYER":
        return (message(language, "The employer must act by then") if running
                else message(language, "The employer had to act by then"))
    if actor == "AGENCY":
        info = agencies.get(deadline.agency_id)
        name = info.display_name(language) if info else deadline.agency_id
        return (message(language, "{agency} should decide by then", agency=name) if running
                else message(language, "{agency} was to decide by then", agency=name))
    return (message(language, "You must act by then") if running
            else message(language, "You had to act by then"))


def deadline_row(language: str, deadline: Deadline,
                 agencies: Mapping[str, AgencyInfo]) -> DeadlineRow:
    """``deadline`` in words."""
    if deadline.state is DeadlineState.MET:
        state = (message(language, "Met on {date}",
                         date=localized.day(language, deadline.met_on))
                 if deadline.met_on else message(language, "Met"))
    elif deadline.state is DeadlineState.MISSED:
        state = message(language, "Missed")
    else:
        state = message(language, "Running")
    party = _who_acts(language, deadline, agencies)
    agency = agencies.get(deadline.agency_id)
    return DeadlineRow(
        _kind(language, deadline.kind), localized.day(language, deadline.due),
        deadline.due.isoformat(), state, deadline.state.value, party,
        _in(deadline.basis, language),
        message(language, "{agency}, case {number}",
                agency=agency.display_name(language) if agency else deadline.agency_id,
                number=deadline.case_number))


def _summary(language: str, estimate: Estimate) -> str:
    # The typical date (the median) first, then the date by which most are decided (80%).
    if estimate.most_by is None or estimate.typical_by is None:
        return message(language, "Too few cases like yours were decided recently to estimate "
                                 "when yours will be.")
    most = localized.day(language, estimate.most_by)
    typical = localized.day(language, estimate.typical_by)
    if estimate.inquiry_from is None:
        return message(language, "Cases like yours are typically decided by {typical_by}, and "
                                 "most by {most_by}.", most_by=most, typical_by=typical)
    return message(language, "Cases like yours are typically decided by {typical_by}, and "
                             "most by {most_by}. You can ask the agency about yours from "
                             "{inquiry_from}.", most_by=most, typical_by=typical,
                   inquiry_from=localized.day(language, estimate.inquiry_from))


def _figures(estimate: Estimate) -> tuple[int, int] | None:
    """The median and 80th percentile the estimate was computed from, when published."""
    if estimate.statistics is None:
        return None
    row = estimate.statistics.row(estimate.office_used)
    if row is None or row.period.median_days is None or row.period.p80_days is None:
        return None
    return row.period.median_days, row.period.p80_days


def estimate_card(language: str, case: Case, estimate: Estimate,
                  agencies: Mapping[str, AgencyInfo]) -> EstimateCard:
    """A case's estimate, deadlines and comparison with its type; a decided case (shown for
    a deadline that still runs on it) has its deadlines only."""
    waiting = case.status.category in OPEN
    figures = _figures(estimate) if waiting else None
    if figures is None:
        shown, text = None, ""
    else:
        median, p80 = figures
        shown = gauge(estimate.age_days, median, p80)
        text = message(language, "Your case has waited {age}. Half of such cases are decided "
                                 "within {median}, and 80% within {p80}.",
                       age=localized.days(language, estimate.age_days),
                       median=localized.days(language, median),
                       p80=localized.days(language, p80))
    return EstimateCard(
        case.agency_id, case.number, case.case_type, case_label(case, language),
        _summary(language, estimate) if waiting else "",
        estimate.outside_normal and waiting, _in(estimate.basis, language) if waiting else "",
        tuple(deadline_row(language, d, agencies) for d in estimate.deadlines),
        shown, text, statistics_path(case.agency_id, case.case_type))


def estimate_cards(language: str, cases: Sequence[Case],
                   estimates: Mapping[tuple[str, str], Estimate],
                   agencies: Mapping[str, AgencyInfo]) -> list[EstimateCard]:
    """The cards of the cases that have an estimate (open ones; decided ones on which a
    deadline runs), in the cases' order."""
    return [estimate_card(language, c, estimates[(c.agency_id, c.number)], agencies)
            for c in cases if (c.agency_id, c.number) in estimates]


def journey_view(language: str, journey: Journey, agencies: Mapping[str, AgencyInfo],
                 cases: Sequence[Case] = ()) -> JourneyView:
    """``journey`` in words, steps in the journey's order, then those expected next; each
    step's case type named as the pages name it when one of ``cases`` is of that type."""
    def agency(agency_id: str) -> str:
        info = agencies.get(agency_id)
        return info.display_name(language) if info else agency_id

    # A case type's name is the agency's, the same for each of its cases.
    labels = {(c.agency_id, c.case_type): case_label(c, language) for c in cases}

    return JourneyView(
        _in(journey.title, language),
        tuple(JourneyStepRow(agency(s.agency_id),
                             labels.get((s.agency_id, s.case_type), s.case_type),
                             s.case_number,
                             category_name(language, s.category), s.current)
              for s in journey.steps),
        tuple(deadline_row(language, d, agencies) for d in journey.deadlines),
        tuple(JourneyNextRow(agency(n.agency_id), n.filing, _in(n.text, language),
                             n.due.isoformat() if n.due else "")
              for n in journey.next_steps))
