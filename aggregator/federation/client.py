"""The adapter client: one long-lived gRPC channel per agency."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from datetime import date
from typing import TypeVar

import grpc
from google.protobuf.message import DecodeError
from google.rpc import error_details_pb2, status_pb2

from aggregator.federation.chunks import CONTRACT_MAX_BATCH, limit_from_describe
from aggregator.federation.coalescing import Coalescer
from aggregator.federation.fanout import AgencyCallError
from aggregator.federation.from_contract import (
    case_from_proto,
    events_from_proto,
    lookup_from_proto,
    statistics_from_proto,
    unopened_by_event,
)
from aggregator.model import Case, Event, LookupOutcome, SubjectCases
from aggregator.processing.model import AgencyStatistics
from aggregator.telemetry.calls import traced_unary
from aggregator.vault.opening import CaseOpener, Release
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
from caseline.v1.lib.scopes import Scope

__all__ = ["KEEPALIVE_TIME_MS", "AdapterClient", "channel_options"]

Req = TypeVar("Req")
Resp = TypeVar("Resp")

# How often an idle channel pings its adapter: keeps firewall and NAT state alive and finds a
# dead connection before a reader's call does. Not shorter than the 5 minutes a gRPC server
# accepts by default (grpc.http2.min_ping_interval_without_data_ms), so an agency's own
# server is not provoked into GOAWAY "too_many_pings"; the SDK's server also accepts pings
# while no call is open, which a default server does not (see
# adapters.sdk.server.MIN_PING_INTERVAL_MS, which must stay at or below this).
KEEPALIVE_TIME_MS = 300_000


def channel_options(keepalive_ms: int = KEEPALIVE_TIME_MS) -> list[tuple[str, int]]:
    """The options of every adapter channel (``keepalive_ms``: tests use short intervals)."""
    return [
        ("grpc.keepalive_time_ms", keepalive_ms),
        ("grpc.keepalive_timeout_ms", 5_000),
        ("grpc.keepalive_permit_without_calls", 1),
        # gRPC holds pings back after two with no call between (by default); an idle
        # channel would then not be kept alive at the interval asked for.
        ("grpc.http2.max_pings_without_data", 0),
        # Retries are the federation layer's job (it knows the request's deadline).
        ("grpc.enable_retries", 0),
        # Reconnect quickly after an agency restarts instead of waiting for the default backoff.
        ("grpc.initial_reconnect_backoff_ms", 100),
        ("grpc.max_reconnect_backoff_ms", 2_000),
    ]


_CHANNEL_OPTIONS = channel_options()
_CODE_NAMES = {code.value[0]: code.name for code in grpc.StatusCode}


class AdapterClient:
    """Calls one agency's adapter; failures become :class:`AgencyCallError`.

    ``credentials`` (see :mod:`aggregator.federation.transport`): mutual TLS; None:
    plaintext, for an adapter on a loopback address.
    """

    def __init__(self, agency_id: str, address: str, opener: CaseOpener,
                 credentials: grpc.ChannelCredentials | None = None) -> None:
        self.agency_id = agency_id
        self._opener = opener
        self.address = address
        self._channel = (
            grpc.aio.secure_channel(address, credentials, options=_CHANNEL_OPTIONS)
            if credentials is not None
            else grpc.aio.insecure_channel(address, options=_CHANNEL_OPTIONS))
        self._stub = pb_grpc.AgencyAdapterStub(self._channel)
        # Concurrent readers' subject requests share calls when the agency is busy.
        self.subject_calls: Coalescer[str, pb.ListSubjectCasesResponse] = Coalescer(
            self._send_subject_requests)
        self._batching = True  # until the adapter says it has no BatchListSubjectCases
        # How many numbers (or subject requests) one call may carry, from Describe; None
        # until the adapter has said.
        self._batch_limit: int | None = None
        self._describing: asyncio.Task[int] | None = None

    async def describe(self, timeout: float) -> pb.DescribeResponse:
        """The agency's self-description."""
        return await _unary(self.agency_id, self._stub.Describe, pb.DescribeRequest(), timeout)

    async def batch_limit(self, timeout: float) -> int:
        """How many case numbers (or subject requests) one call may carry: the adapter's
        ``limits.max_batch_size``, asked once and kept. While the adapter cannot be asked
        it is taken to be the contract's 100, and asked again next time."""
        if self._batch_limit is not None:
            return self._batch_limit
        # Concurrent first callers share one Describe; each waits at most its own timeout.
        if self._describing is None or self._describing.done():
            self._describing = asyncio.get_running_loop().create_task(
                self._learn_batch_limit(timeout))
        try:
            async with asyncio.timeout(timeout):
                return await asyncio.shield(self._describing)
        except TimeoutError:
            return CONTRACT_MAX_BATCH

    async def _learn_batch_limit(self, timeout: float) -> int:
        try:
            described = await self.describe(timeout)
        except AgencyCallError as exc:
            if exc.code != "UNIMPLEMENTED":
                return CONTRACT_MAX_BATCH  # the call that follows will say what is wrong
            described = pb.DescribeResponse()  # an adapter without Describe: the default
        self._batch_limit = limit_from_describe(described.limits.max_batch_size)
        self.subject_calls.max_batch = self._batch_limit
        return self._batch_limit

    async def lookup(self, numbers: Sequence[str], timeout: float) -> list[LookupOutcome]:
        """Public status for at most :meth:`batch_limit` numbers, in request order."""
        request = pb.LookupCasesRequest(case_numbers=list(numbers))
        response = await self._limited(self._stub.LookupCases, request, timeout)
        return [lookup_from_proto(self.agency_id, r) for r in response.results]

    async def _limited(self, method: Callable[..., Awaitable[Resp]], request: Req,
                       timeout: float) -> Resp:
        try:
            return await _unary(self.agency_id, method, request, timeout)
        except AgencyCallError as exc:
            if exc.reason == "BATCH_TOO_LARGE":
                # The adapter takes fewer than it said (it was replaced, or reconfigured):
                # ask it again before the next call.
                self._batch_limit = None
            raise

    async def subject_cases(self, consent_token: str, timeout: float,
                            release: Release) -> SubjectCases:
        """Cases and events released under a consent token, their sealed fields opened as
        far as ``release`` allows."""
        if self._batch_limit is None:  # once: how many requests a batch call may carry
            started = time.monotonic()
            await self.batch_limit(timeout)
            timeout -= time.monotonic() - started  # the same deadline covers both calls
        response = await self.subject_calls.call(consent_token, timeout)
        cases: list[Case] = []
        events: list[Event] = []
        for proto in response.cases:
            report = self._opener.open(self.agency_id, proto, release)
            cases.append(case_from_proto(self.agency_id, proto,
                                         related=Scope.DETAILS in release.scopes))
            events.extend(events_from_proto(self.agency_id, proto,
                                            unopened_by_event(p for p, _ in report.failed)))
        return SubjectCases(tuple(cases), tuple(events), tuple(response.missing_case_numbers))

    async def _send_subject_requests(
            self, tokens: Sequence[str], timeout: float
            ) -> list[pb.ListSubjectCasesResponse | AgencyCallError]:
        if len(tokens) == 1 or not self._batching:
            return list(await asyncio.gather(*(self._subject_request(t, timeout)
                                               for t in tokens)))
        request = pb.BatchListSubjectCasesRequest(
            requests=[pb.ListSubjectCasesRequest(consent_token=t) for t in tokens])
        try:
            response = await self._limited(self._stub.BatchListSubjectCases, request, timeout)
        except AgencyCallError as exc:
            if exc.code != "UNIMPLEMENTED":
                raise
            self._batching = False  # an adapter without it: one call per request from now on
            return await self._send_subject_requests(tokens, timeout)
        return [result.response if result.WhichOneof("outcome") == "response"
                else AgencyCallError(_CODE_NAMES.get(result.error.code, "UNKNOWN"),
                                     result.error.message, result.error.reason)
                for result in response.results]

    async def _subject_request(self, token: str, timeout: float
                               ) -> pb.ListSubjectCasesResponse | AgencyCallError:
        try:
            return await _unary(self.agency_id, self._stub.ListSubjectCases,
                                pb.ListSubjectCasesRequest(consent_token=token), timeout)
        except AgencyCallError as exc:
            return exc

    async def verify_ownership(self, number: str, access_code: str,
                               timeout: float) -> Case | None:
        """The case (with its canonical number) when the access code matches, else None."""
        request = pb.VerifyOwnershipRequest(case_number=number, access_code=access_code)
        response = await _unary(self.agency_id, self._stub.VerifyOwnership, request, timeout)
        return case_from_proto(self.agency_id, response.case_info) if response.verified else None

    async def processing_statistics(self, case_type: str, office: str | None,
                                    first_month: date, last_month: date,
                                    timeout: float) -> AgencyStatistics:
        """The agency's figures for ``case_type`` over the months given (first days), one
        office's row or (``office`` None) every office's and the agency-wide row."""
        request = pb.GetProcessingStatisticsRequest(
            case_type=case_type, office=office or "",
            first_month=first_month.strftime("%Y-%m"), last_month=last_month.strftime("%Y-%m"))
        response = await _unary(self.agency_id, self._stub.GetProcessingStatistics, request,
                                timeout)
        return statistics_from_proto(self.agency_id, case_type, response,
                                     first_month=first_month, last_month=last_month)

    async def watch_changes(self, cursor: str) -> AsyncIterator[pb.WatchChangesResponse]:
        """The agency's changes after ``cursor`` ("": new ones only), then as they happen;
        no deadline (the stream stays open). The call is cancelled when the reader stops."""
        call = self._stub.WatchChanges(pb.WatchChangesRequest(cursor=cursor))
        try:
            async for response in call:
                yield response
        finally:
            call.cancel()

    async def close(self) -> None:
        """Close the channel (and stop asking for the batch limit)."""
        if self._describing is not None and not self._describing.done():
            self._describing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._describing
        await self._channel.close(grace=None)


async def _unary(agency_id: str, method: Callable[..., Awaitable[Resp]], request: Req,
                 timeout: float) -> Resp:
    try:
        return await traced_unary(agency_id, method, request, timeout)
    except grpc.aio.AioRpcError as exc:
        raise AgencyCallError(exc.code().name, exc.details() or "",
                              _error_reason(exc.trailing_metadata())) from exc


_STATUS_DETAILS = "grpc-status-details-bin"


def _error_reason(trailers: object) -> str:
    """The ErrorInfo reason from a failed call's rich status (``grpc-status-details-bin``),
    or "" when the agency sent none or something unreadable."""
    if not isinstance(trailers, Iterable):
        return ""
    for key, value in trailers:
        if key == _STATUS_DETAILS and isinstance(value, bytes):
            try:
                return _reason(status_pb2.Status.FromString(value))
            except DecodeError:
                return ""
    return ""


def _reason(status: status_pb2.Status) -> str:
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return str(info.reason)
    return ""
