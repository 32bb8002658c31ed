"""The aggregator's use cases: public lookups and a subject's merged timeline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from functools import partial

from aggregator.config import AggregatorConfig
from aggregator.federation import Federation
from aggregator.model import (
    AgencyFailure,
    AgencyInfo,
    Case,
    Event,
    LookupFailure,
    LookupOutcome,
    SubjectCases,
    Timeline,
)
from aggregator.ports import AdapterPort
from aggregator.pseudonyms import pseudonym
from aggregator.routing import route, unroutable_message
from aggregator.store import Store
from aggregator.timeline import current_cases, merge_events
from aggregator.tokens import ConsentTokenIssuer

__all__ = ["MAX_LOOKUP_BATCH", "CaselineService", "TooManyNumbersError"]

MAX_LOOKUP_BATCH = 100
SELF_SCOPES = ("STATUS", "DETAILS", "IDENTITY")


class TooManyNumbersError(ValueError):
    """More case numbers in one request than allowed."""

    def __init__(self, count: int) -> None:
        super().__init__(
            f"at most {MAX_LOOKUP_BATCH} case numbers per request, got {count}; "
            "split the list into several requests")
        self.count = count


class CaselineService:
    """Federates lookups and timelines over the configured agencies."""

    def __init__(self, config: AggregatorConfig, adapters: Mapping[str, AdapterPort],
                 federation: Federation, store: Store, tokens: ConsentTokenIssuer,
                 pseudonym_key: bytes) -> None:
        self.config = config
        self.adapters = adapters
        self.federation = federation
        self.store = store
        self.tokens = tokens
        self._pseudonym_key = pseudonym_key
        self.agencies = {a.id: AgencyInfo(a.id, a.name, a.name_es) for a in config.agencies}

    def pseudonym(self, subject_id: str) -> str:
        """The subject's keyed pseudonym (what adapters and the ledger see)."""
        return pseudonym(self._pseudonym_key, subject_id)

    async def lookup(self, numbers: Sequence[str]) -> list[LookupOutcome]:
        """Public status per number, in the order given; one call per agency."""
        if len(numbers) > MAX_LOOKUP_BATCH:
            raise TooManyNumbersError(len(numbers))
        outcomes: list[LookupOutcome | None] = [None] * len(numbers)
        by_agency: dict[str, list[int]] = defaultdict(list)
        for i, number in enumerate(numbers):
            agency_id = route(number, self.config.agencies)
            if agency_id is None:
                outcomes[i] = LookupFailure(number, "INVALID_NUMBER",
                                            unroutable_message(number, self.config.agencies))
            else:
                by_agency[agency_id].append(i)
        operations = {
            agency_id: partial(self.adapters[agency_id].lookup, [numbers[i] for i in indexes])
            for agency_id, indexes in by_agency.items()
        }
        answers = await self.federation.fan_out(operations, self.config.deadline_s)
        for agency_id, indexes in by_agency.items():
            answer = answers[agency_id]
            for position, i in enumerate(indexes):
                if isinstance(answer, AgencyFailure):
                    outcomes[i] = LookupFailure(numbers[i], "AGENCY_UNAVAILABLE", (
                        f"{self.agencies[agency_id].name} did not answer "
                        f"({answer.code}); try again shortly"))
                else:
                    outcomes[i] = answer[position]
        return [o for o in outcomes if o is not None]

    async def timeline(self, subject_id: str) -> Timeline:
        """The subject's cases and events across agencies, merged; agencies that failed are
        listed under ``unavailable``."""
        links_by_agency: dict[str, list[str]] = defaultdict(list)
        for link in self.store.links_for(subject_id):
            if link.agency_id in self.adapters:
                links_by_agency[link.agency_id].append(link.case_number)
        subject = self.pseudonym(subject_id)
        operations = {}
        for agency_id, case_numbers in links_by_agency.items():
            token = self.tokens.issue(agency_id=agency_id, subject=subject,
                                      case_numbers=case_numbers, scopes=SELF_SCOPES,
                                      purpose="SELF_ACCESS", consent_id="self")
            operations[agency_id] = partial(self.adapters[agency_id].subject_cases, token)
        answers = await self.federation.fan_out(operations, self.config.deadline_s)
        cases: list[Case] = []
        event_batches: list[tuple[Event, ...]] = []
        failures: list[AgencyFailure] = []
        for agency_id in sorted(answers):
            answer = answers[agency_id]
            if isinstance(answer, SubjectCases):
                cases.extend(answer.cases)
                event_batches.append(answer.events)
            else:
                failures.append(answer)
        events = merge_events(event_batches)
        return Timeline(current_cases(cases, events), events, tuple(failures))

    async def close(self) -> None:
        """Close adapter channels and the store."""
        for adapter in self.adapters.values():
            await adapter.close()
        self.store.close()
