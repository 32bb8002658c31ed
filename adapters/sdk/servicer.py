"""The AgencyAdapter servicer: thin handlers over the agency's case source.

Validation, batching limits, consent checks and mapping happen here so every agency gets them
the same way; the agency only supplies a :class:`~adapters.sdk.source.CaseSource`.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import grpc

from adapters.sdk.consent import ConsentTokenVerifier
from adapters.sdk.errors import AdapterError, InvalidArgumentError
from adapters.sdk.mapping import MappingTable
from adapters.sdk.numbers import InvalidNumberError, Problem
from adapters.sdk.profile import AgencyProfile
from adapters.sdk.records import CaseRecord, ChangeRecord
from adapters.sdk.redaction import CaseRedactor, NumberFinder
from adapters.sdk.scopes import withhold, withhold_event
from adapters.sdk.sealing import Sealer
from adapters.sdk.source import CaseSource, MaybeAwaitable, StatisticsSource
from adapters.sdk.statistics import DEFAULT_MIN_CELL_SIZE
from adapters.sdk.statistics_service import CACHED_ANSWERS, ProcessingStatisticsService
from adapters.sdk.texts import localized_strings
from adapters.sdk.to_contract import (
    case_to_proto,
    event_to_proto,
    invalid_number_to_proto,
    number_format_to_proto,
)
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
from caseline.v1 import case_pb2
from caseline.v1.lib.scopes import Scope

__all__ = ["MAX_BATCH_SIZE", "AdapterServicer"]

log = logging.getLogger("caseline.adapter")

MAX_BATCH_SIZE = 100
MAX_NUMBER_LENGTH = 64
MAX_ACCESS_CODE_LENGTH = 64
CHANGE_PAGE = 500
# Cases a change stream remembers (program and identity terms) before starting afresh.
STREAM_CASE_MEMORY = 10_000
# How often an idle change stream looks for new events in the source. A look is one indexed
# query ("events after the cursor"), cheap at 10 per second per stream; at 0.5 s the wait
# alone took half of issue 17's 1 s change -> in-app budget (bench/notify_latency.py).
WATCH_POLL_S = 0.1
_PUBLIC = frozenset({Scope.STATUS})
T = TypeVar("T")


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def _resolve(value: MaybeAwaitable[T]) -> T:
    if inspect.isawaitable(value):
        return await value
    return value


class AdapterServicer(pb_grpc.AgencyAdapterServicer):
    """Serves one agency's cases under the caseline.v1 contract.

    ``clock`` (timezone-aware now) decides which hearings and deadlines have passed: their
    events no longer say action required. Tests pass a fixed one.

    GetProcessingStatistics is answered when ``source`` is also a
    :class:`~adapters.sdk.source.StatisticsSource`, withholding cells of fewer than
    ``min_cell_size`` cases and caching up to ``statistics_cache`` answers; otherwise it is
    UNIMPLEMENTED and Describe says so.
    """

    def __init__(self, profile: AgencyProfile, source: CaseSource, table: MappingTable,
                 verifier: ConsentTokenVerifier, sealer: Sealer, *,
                 poll_interval_s: float = WATCH_POLL_S,
                 clock: Callable[[], datetime] = _utc_now,
                 min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
                 statistics_cache: int = CACHED_ANSWERS) -> None:
        self.profile = profile
        self.source = source
        self.table = table
        self.verifier = verifier
        self.sealer = sealer
        self.poll_interval_s = poll_interval_s
        self.clock = clock
        # Compiled once: a format RE2 cannot run stops the adapter at start, not mid-request.
        self.numbers = NumberFinder((*profile.number_formats, *profile.identifier_formats))
        self.statistics = (ProcessingStatisticsService(profile, source, clock=clock,
                                                       min_cell_size=min_cell_size,
                                                       cached_answers=statistics_cache)
                           if isinstance(source, StatisticsSource) else None)

    def _redactor(self, record: CaseRecord) -> CaseRedactor:
        return CaseRedactor(self.numbers, record)
    async def _guard(self, context: grpc.aio.ServicerContext[object, object],
                     handler: Callable[[], Awaitable[T]]) -> T:
        try:
            return await handler()
        except AdapterError as exc:
            await context.abort_with_status(exc.to_status())  # type: ignore[attr-defined]
            raise AssertionError("unreachable: abort raises") from exc

    def _case(self, record: CaseRecord, *, with_history: bool,
              now: datetime) -> case_pb2.Case:
        """A case, its type named in every language the profile names it in."""
        case_type = record.case_type
        program = self.profile.program_for(case_type, record.number)
        return case_to_proto(record, self.table, program,
                             self.profile.case_types.get(case_type, case_type),
                             with_history=with_history, now=now,
                             case_type_names=self.profile.case_type_in_languages(case_type),
                             premium=(self.profile.premium_of(case_type, record.events)
                                      if with_history and record.premium is None else None))

    async def Describe(self, request: pb.DescribeRequest,
                       context: grpc.aio.ServicerContext[object, object]) -> pb.DescribeResponse:
        """Who the agency is and what it supports."""
        p = self.profile
        return pb.DescribeResponse(
            agency_id=p.agency_id, name=p.name, name_es=p.name_es,
            case_types=[pb.CaseType(code=c, name=n,
                                    names=localized_strings(p.case_type_in_languages(c)))
                        for c, n in p.case_types.items()],
            vocabulary_version=self.table.version,
            number_formats=[number_format_to_proto(f) for f in p.number_formats],
            limits=pb.Limits(max_batch_size=MAX_BATCH_SIZE),
            languages=list(self.table.languages),
            # Where a watcher starts from, so it misses no change made before its stream opens.
            change_cursor=await self._change_cursor(),
            not_offered_methods=[] if self.statistics else ["GetProcessingStatistics"],
            time_zone=p.time_zone,
        )

    async def _change_cursor(self) -> str:
        """The newest change's cursor; "" when the source cannot say now (Describe still
        answers: batch limits and names matter more than a watcher's starting point)."""
        try:
            return str(await _resolve(self.source.latest_cursor()))
        except Exception:
            log.warning("%s: latest_cursor failed; Describe says no change_cursor",
                        self.profile.agency_id, exc_info=True)
            return ""

    async def LookupCases(self, request: pb.LookupCasesRequest,
                          context: grpc.aio.ServicerContext[object, object]
                          ) -> pb.LookupCasesResponse:
        """Public status of up to 100 numbers; per-number problems in-band."""
        return await self._guard(context, lambda: self._lookup(request))

    async def _lookup(self, request: pb.LookupCasesRequest) -> pb.LookupCasesResponse:
        numbers = list(request.case_numbers)
        if not numbers:
            raise InvalidArgumentError("case_numbers", "at least one case number is required")
        if len(numbers) > MAX_BATCH_SIZE:
            raise InvalidArgumentError(
                "case_numbers",
                f"at most {MAX_BATCH_SIZE} case numbers per call, got {len(numbers)}",
                "BATCH_TOO_LARGE")
        canonical: dict[int, str] = {}
        results: list[pb.LookupResult] = []
        for i, raw in enumerate(numbers):
            result = pb.LookupResult(requested_number=raw)
            try:
                if len(raw) > MAX_NUMBER_LENGTH:
                    raise InvalidNumberError(raw[:MAX_NUMBER_LENGTH] + "…",
                                             self.profile.number_formats, "far too long",
                                             problem=Problem.TOO_LONG)
                canonical[i] = self.profile.normalize_number(raw)
            except InvalidNumberError as exc:
                result.error.code = pb.LOOKUP_ERROR_CODE_INVALID_NUMBER
                result.error.message = str(exc)
                result.error.invalid_number.CopyFrom(invalid_number_to_proto(exc))
            results.append(result)
        found: dict[str, CaseRecord] = await _resolve(
            self.source.find_cases(sorted(set(canonical.values())), with_history=False))
        now = self.clock()
        redactors: dict[str, CaseRedactor] = {}  # a number asked twice is scanned once
        for i, number in canonical.items():
            record = found.get(number)
            if record is None:
                results[i].error.code = pb.LOOKUP_ERROR_CODE_NOT_FOUND
                results[i].error.message = f"no case {number} at {self.profile.name}"
            else:
                info = results[i].case_info
                info.CopyFrom(self._case(record, with_history=False, now=now))
                withhold(info, _PUBLIC)  # public status only: no personal data
                redactor = redactors.get(number)
                if redactor is None:
                    redactor = redactors[number] = self._redactor(record)
                redactor.case(info)  # and none inside its texts either
        return pb.LookupCasesResponse(results=results)

    async def VerifyOwnership(self, request: pb.VerifyOwnershipRequest,
                              context: grpc.aio.ServicerContext[object, object]
                              ) -> pb.VerifyOwnershipResponse:
        """Case number + access code check for linking."""
        return await self._guard(context, lambda: self._verify(request))

    async def _verify(self, request: pb.VerifyOwnershipRequest) -> pb.VerifyOwnershipResponse:
        try:
            number = self.profile.normalize_number(request.case_number[:MAX_NUMBER_LENGTH])
        except InvalidNumberError as exc:
            raise InvalidArgumentError("case_number", str(exc), "INVALID_NUMBER") from exc
        code = request.access_code.strip()
        if not code or len(code) > MAX_ACCESS_CODE_LENGTH:
            raise InvalidArgumentError(
                "access_code", "the access code printed on the agency's notice is required "
                f"(1 to {MAX_ACCESS_CODE_LENGTH} characters)")
        if not await _resolve(self.source.verify_access_code(number, code)):
            return pb.VerifyOwnershipResponse(verified=False)
        found: dict[str, CaseRecord] = await _resolve(
            self.source.find_cases([number], with_history=False))
        record = found[number]
        info = self._case(record, with_history=False, now=self.clock())
        withhold(info, _PUBLIC)  # the caller proved the code, not a consent: status only
        self._redactor(record).case(info)
        return pb.VerifyOwnershipResponse(verified=True, case_info=info)

    async def ListSubjectCases(self, request: pb.ListSubjectCasesRequest,
                               context: grpc.aio.ServicerContext[object, object]
                               ) -> pb.ListSubjectCasesResponse:
        """Full cases named by a valid consent token."""
        return await self._guard(context, lambda: self._subject_cases(request))

    async def _subject_cases(self, request: pb.ListSubjectCasesRequest
                             ) -> pb.ListSubjectCasesResponse:
        claims = self.verifier.verify(request.consent_token, required_scope=Scope.STATUS)
        wanted = list(dict.fromkeys(claims.case_numbers))
        found: dict[str, CaseRecord] = await _resolve(
            self.source.find_cases(wanted, with_history=True))
        now = self.clock()
        cases = [self._case(found[n], with_history=True, now=now) for n in wanted if n in found]
        identity = Scope.IDENTITY in claims.scopes
        for case in cases:
            withhold(case, claims.scopes)  # nothing outside the consent leaves the agency
            if not identity:  # not even inside the texts of what the consent covers
                self._redactor(found[case.case_number]).case(case)
            self.sealer.seal(case, claims.subject)  # and what does, leaves sealed
        return pb.ListSubjectCasesResponse(
            cases=cases, missing_case_numbers=[n for n in wanted if n not in found])

    async def BatchListSubjectCases(self, request: pb.BatchListSubjectCasesRequest,
                                    context: grpc.aio.ServicerContext[object, object]
                                    ) -> pb.BatchListSubjectCasesResponse:
        """Several ListSubjectCases requests, each answered (or refused) on its own."""
        return await self._guard(context, lambda: self._batch_subject_cases(request))

    async def _batch_subject_cases(self, request: pb.BatchListSubjectCasesRequest
                                   ) -> pb.BatchListSubjectCasesResponse:
        count = len(request.requests)
        if not 1 <= count <= MAX_BATCH_SIZE:
            raise InvalidArgumentError(
                "requests", f"1 to {MAX_BATCH_SIZE} requests per call, got {count}",
                "BATCH_TOO_LARGE" if count else "INVALID_ARGUMENT")
        answers: list[pb.ListSubjectCasesResponse | BaseException]
        if inspect.iscoroutinefunction(self.source.find_cases):
            # A source that waits on I/O: the requests' lookups overlap.
            answers = await asyncio.gather(*(self._subject_cases(r) for r in request.requests),
                                           return_exceptions=True)
        else:
            # Nothing to overlap: one after another, without a task for each.
            answers = []
            for one in request.requests:
                try:
                    answers.append(await self._subject_cases(one))
                except AdapterError as exc:
                    answers.append(exc)
        results = []
        for answer in answers:
            if isinstance(answer, AdapterError):
                results.append(pb.SubjectCasesResult(error=pb.CallError(
                    code=answer.code.value[0], message=answer.message, reason=answer.reason)))
            elif isinstance(answer, BaseException):
                raise answer  # not the request's fault: the whole call fails, as one would
            else:
                results.append(pb.SubjectCasesResult(response=answer))
        return pb.BatchListSubjectCasesResponse(results=results)

    async def GetProcessingStatistics(self, request: pb.GetProcessingStatisticsRequest,
                                      context: grpc.aio.ServicerContext[object, object]
                                      ) -> pb.GetProcessingStatisticsResponse:
        """Aggregate processing statistics of one case type, small cells withheld."""
        service = self.statistics
        if service is None:
            await context.abort(grpc.StatusCode.UNIMPLEMENTED,
                                "GetProcessingStatistics is not offered by this adapter: its "
                                "source keeps no processing statistics")
            raise AssertionError("unreachable: abort raises")
        return await self._guard(context, lambda: service.answer(request))

    async def WatchChanges(self, request: pb.WatchChangesRequest,
                           context: grpc.aio.ServicerContext[object, object]
                           ) -> AsyncIterator[pb.WatchChangesResponse]:
        """Changes after the cursor, then new ones as they are recorded, until cancelled."""
        try:
            cursor = await self._start_cursor(request.cursor)
        except AdapterError as exc:
            await context.abort_with_status(exc.to_status())  # type: ignore[attr-defined]
            return
        cases: dict[str, tuple[str | None, CaseRedactor]] = {}
        while True:
            changes: list[ChangeRecord] = await _resolve(
                self.source.changes_since(cursor, CHANGE_PAGE))
            if not changes:
                await asyncio.sleep(self.poll_interval_s)
                continue
            numbers = list({c.case_number for c in changes if c.case_number not in cases})
            if numbers:
                if len(cases) + len(numbers) > STREAM_CASE_MEMORY:
                    cases.clear()
                known: dict[str, CaseRecord] = await _resolve(
                    self.source.find_cases(numbers, with_history=False))
                cases.update({n: (self.profile.program_for(r.case_type, r.number),
                                  self._redactor(r)) for n, r in known.items()})
            for change in changes:
                number = change.case_number
                if number not in cases:  # a change for a case the source no longer finds
                    cases[number] = (None, self._redactor(CaseRecord(
                        number, "", "", "", "", (change.event,))))
                program, redactor = cases[number]
                event = event_to_proto(number, change.event, self.table, program,
                                       now=self.clock())
                # The stream carries no consent token: status only, like a public lookup.
                withhold_event(event, _PUBLIC)
                redactor.event(event)
                yield pb.WatchChangesResponse(cursor=str(change.cursor),
                                              case_number=change.case_number, event=event)
                cursor = change.cursor

    async def _start_cursor(self, raw: str) -> int:
        if raw == "":
            return await _resolve(self.source.latest_cursor())
        if not raw.isdigit() or len(raw) > 19:
            raise InvalidArgumentError(
                "cursor", "must be a cursor from an earlier WatchChangesResponse, '0' to replay "
                "from the beginning, or empty for new changes only")
        return int(raw)

