"""The bridge's servicer: the SDK's, with the calls the API cannot back refused.

LookupCases is the SDK's, within a batch the rate limit can answer in about a second and
with the numbers USCIS itself refused (422) reported in-band as INVALID_NUMBER.
VerifyOwnership, ListSubjectCases and BatchListSubjectCases answer UNIMPLEMENTED, and
Describe lists them in ``not_offered_methods``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc

from adapters.sdk.consent import ConsentClaims, ConsentTokenVerifier
from adapters.sdk.errors import InvalidArgumentError, UnauthenticatedError
from adapters.sdk.mapping import MappingTable
from adapters.sdk.servicer import AdapterServicer
from adapters.uscis_api.profile import NOT_OFFERED, PROFILE
from adapters.uscis_api.source import FROM_MEMORY, REJECTED, UscisCaseSource
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import case_pb2
from caseline.v1.lib.scopes import Scope

__all__ = ["BridgeServicer"]

_WHY = ("the USCIS Case Status API bridge does not offer {method}: the official API has no "
        "access codes, subject lists, change feed or processing statistics")


class _NoConsentTokens(ConsentTokenVerifier):
    """The bridge accepts no consent token (it serves nothing under one)."""

    def __init__(self) -> None:  # no key file: there is nothing to verify against
        pass

    def verify(self, token: str, required_scope: Scope = Scope.STATUS) -> ConsentClaims:
        """Always refuses."""
        raise UnauthenticatedError("the bridge accepts no consent tokens", "CONSENT_NOT_OFFERED")


class _NothingToSeal:
    """Nothing leaves the bridge under a consent token, so nothing is ever sealed."""

    def seal(self, case: case_pb2.Case, subject: str) -> int:
        """Seals nothing."""
        return 0


class BridgeServicer(AdapterServicer):
    """Serves the immigration agency from the Case Status API."""

    def __init__(self, source: UscisCaseSource, *, max_batch_size: int,
                 table_path: Path | None = None) -> None:
        table = MappingTable.load(table_path or PROFILE.mapping_path)
        super().__init__(PROFILE, source, table, _NoConsentTokens(), _NothingToSeal(),
                         poll_interval_s=0.5)
        self.max_batch_size = max_batch_size

    async def Describe(self, request: pb.DescribeRequest,
                       context: grpc.aio.ServicerContext[object, object]
                       ) -> pb.DescribeResponse:
        """The immigration agency's description, with the bridge's batch limit and the calls
        it does not offer."""
        response = await super().Describe(request, context)
        response.limits.max_batch_size = self.max_batch_size
        # The SDK already names GetProcessingStatistics (the bridge's source keeps none).
        del response.not_offered_methods[:]
        response.not_offered_methods.extend(NOT_OFFERED)
        return response

    async def LookupCases(self, request: pb.LookupCasesRequest,
                          context: grpc.aio.ServicerContext[object, object]
                          ) -> pb.LookupCasesResponse:
        """The SDK's lookup, within the bridge's batch limit; numbers USCIS refused are
        INVALID_NUMBER with its reason."""
        count = len(request.case_numbers)
        if count > self.max_batch_size:
            async def refuse() -> pb.LookupCasesResponse:
                raise InvalidArgumentError(
                    "case_numbers", f"at most {self.max_batch_size} case numbers per call, "
                                    f"got {count}", "BATCH_TOO_LARGE")
            return await self._guard(context, refuse)
        rejected: dict[str, str] = {}
        token = REJECTED.set(rejected)
        try:
            response = await super().LookupCases(request, context)
        finally:
            REJECTED.reset(token)
        if rejected:
            for result in response.results:
                if result.error.code != pb.LOOKUP_ERROR_CODE_NOT_FOUND:
                    continue  # only well-formed numbers were asked of USCIS
                number = self.profile.normalize_number(result.requested_number)
                if number in rejected:
                    result.error.code = pb.LOOKUP_ERROR_CODE_INVALID_NUMBER
                    result.error.message = (f"USCIS does not accept {number} as a receipt "
                                            f"number: {rejected[number]}")
        return response

    async def WatchChanges(self, request: pb.WatchChangesRequest,
                           context: grpc.aio.ServicerContext[object, object]
                           ) -> AsyncIterator[pb.WatchChangesResponse]:
        """The SDK's stream over the source's polled changes; the cases it looks up for
        them come from what the source observed, not from new calls on the quota."""
        FROM_MEMORY.set(True)  # this call's own context: lookups elsewhere are unaffected
        async for change in super().WatchChanges(request, context):
            yield change

    async def _not_offered(self, method: str,
                           context: grpc.aio.ServicerContext[object, object]) -> None:
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, _WHY.format(method=method))

    async def VerifyOwnership(self, request: pb.VerifyOwnershipRequest,
                              context: grpc.aio.ServicerContext[object, object]
                              ) -> pb.VerifyOwnershipResponse:
        """Not offered: UNIMPLEMENTED."""
        await self._not_offered("VerifyOwnership", context)
        raise AssertionError("unreachable: abort raises")

    async def ListSubjectCases(self, request: pb.ListSubjectCasesRequest,
                               context: grpc.aio.ServicerContext[object, object]
                               ) -> pb.ListSubjectCasesResponse:
        """Not offered: UNIMPLEMENTED."""
        await self._not_offered("ListSubjectCases", context)
        raise AssertionError("unreachable: abort raises")

    async def BatchListSubjectCases(self, request: pb.BatchListSubjectCasesRequest,
                                    context: grpc.aio.ServicerContext[object, object]
                                    ) -> pb.BatchListSubjectCasesResponse:
        """Not offered: UNIMPLEMENTED."""
        await self._not_offered("BatchListSubjectCases", context)
        raise AssertionError("unreachable: abort raises")

    async def GetProcessingStatistics(self, request: pb.GetProcessingStatisticsRequest,
                                      context: grpc.aio.ServicerContext[object, object]
                                      ) -> pb.GetProcessingStatisticsResponse:
        """Not offered (the Case Status API has no aggregates): UNIMPLEMENTED."""
        await self._not_offered("GetProcessingStatistics", context)
        raise AssertionError("unreachable: abort raises")
