"""Each check of what an agency can get wrong that hurts people fails, by name, on an adapter
broken in exactly that way, and only that check fails."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import jwt
import pytest

from adapters.conformance import ConsentSigner
from adapters.sdk import AdapterServicer
from adapters.sdk.servicer import MAX_BATCH_SIZE
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import sensitivity_pb2
from support.conformance_kit import failed_checks

pytestmark = pytest.mark.integration

Context = grpc.aio.ServicerContext[object, object]


class OfficeInTheClearServicer(AdapterServicer):
    """Breaks one rule: public lookups carry the office (a DETAILS field) in the clear."""

    async def LookupCases(self, request: pb.LookupCasesRequest, context: Context
                          ) -> pb.LookupCasesResponse:
        response = await super().LookupCases(request, context)
        for result in response.results:
            if result.HasField("case_info"):
                result.case_info.office = "Room 5, 26 Federal Plaza"
        return response


class SpanishInTheClearServicer(AdapterServicer):
    """Breaks one rule: cases released with DETAILS carry the agency's wording per language
    in the clear (everything else sealed as it should be)."""

    async def _subject_cases(self, request: pb.ListSubjectCasesRequest
                             ) -> pb.ListSubjectCasesResponse:
        response = await super()._subject_cases(request)
        for case in response.cases:
            if not any(s.sensitivity == sensitivity_pb2.SENSITIVITY_DETAILS
                       for s in case.sealed_fields):
                continue  # a token without DETAILS: left as the SDK made it
            case.status.agency_texts.add(language="es", title="Caso Fue Recibido",
                                         description="Recibimos su formulario.")
        return response


class SealedDetailsForStatusServicer(AdapterServicer):
    """Breaks one rule: every released case carries a sealed DETAILS value, whatever the
    token's scopes (sealed, but released all the same)."""

    async def _subject_cases(self, request: pb.ListSubjectCasesRequest
                             ) -> pb.ListSubjectCasesResponse:
        response = await super()._subject_cases(request)
        for case in response.cases:
            if not any(s.sensitivity == sensitivity_pb2.SENSITIVITY_DETAILS
                       for s in case.sealed_fields):
                case.sealed_fields.add(path="{office}", value=b"sealed office",
                                       sensitivity=sensitivity_pb2.SENSITIVITY_DETAILS)
        return response


class AnyAudienceServicer(AdapterServicer):
    """Breaks one rule: a token issued for another agency is answered (with nothing)."""

    async def _subject_cases(self, request: pb.ListSubjectCasesRequest
                             ) -> pb.ListSubjectCasesResponse:
        try:
            claims = jwt.decode(request.consent_token, options={"verify_signature": False})
        except jwt.InvalidTokenError:
            claims = {}  # the SDK refuses what does not parse
        if claims and claims.get("aud") != self.profile.agency_id:
            return pb.ListSubjectCasesResponse()
        return await super()._subject_cases(request)


class EnglishStatusOnlyServicer(AdapterServicer):
    """Breaks one rule: public lookups drop the Spanish texts of mapped statuses."""

    async def LookupCases(self, request: pb.LookupCasesRequest, context: Context
                          ) -> pb.LookupCasesResponse:
        response = await super().LookupCases(request, context)
        for result in response.results:
            if result.HasField("case_info"):
                texts = [x for x in result.case_info.status.texts if x.language != "es"]
                del result.case_info.status.texts[:]
                result.case_info.status.texts.extend(texts)
        return response


class RepeatingStreamServicer(AdapterServicer):
    """Breaks one rule: resuming from a cursor repeats the change the cursor names."""

    async def WatchChanges(self, request: pb.WatchChangesRequest, context: Context
                           ) -> AsyncIterator[pb.WatchChangesResponse]:
        cursor = request.cursor
        if cursor.isdigit() and int(cursor) > 0:
            request = pb.WatchChangesRequest(cursor=str(int(cursor) - 1))
        async for change in super().WatchChanges(request, context):
            yield change


class LosingStreamServicer(AdapterServicer):
    """Breaks one rule: resuming from a cursor skips the change after it."""

    async def WatchChanges(self, request: pb.WatchChangesRequest, context: Context
                           ) -> AsyncIterator[pb.WatchChangesResponse]:
        skip = request.cursor not in ("", "0")
        async for change in super().WatchChanges(request, context):
            if skip:
                skip = False
                continue
            yield change


class OverstatedLimitServicer(AdapterServicer):
    """Breaks one rule: Describe promises one number more per batch than it serves."""

    async def Describe(self, request: pb.DescribeRequest, context: Context
                       ) -> pb.DescribeResponse:
        response = await super().Describe(request, context)
        response.limits.max_batch_size += 1
        return response


class UncappedSubjectBatchServicer(AdapterServicer):
    """Breaks one rule: a subject batch over the limit is answered in full."""

    async def BatchListSubjectCases(self, request: pb.BatchListSubjectCasesRequest,
                                    context: Context) -> pb.BatchListSubjectCasesResponse:
        if len(request.requests) <= MAX_BATCH_SIZE:
            return await super().BatchListSubjectCases(request, context)
        return pb.BatchListSubjectCasesResponse(results=[
            pb.SubjectCasesResult(error=pb.CallError(code=16, message="consent_token: required"))
            for _ in request.requests])


@pytest.mark.parametrize(("kind", "agency_id", "check", "detail"), [
    (OfficeInTheClearServicer, "immigration", "sensitive_fields_leave_only_sealed",
     "sensitive fields in the clear: ['lookup "),
    (SpanishInTheClearServicer, "immigration", "sensitive_fields_leave_only_sealed",
     ": status.agency_texts'"),
    (SealedDetailsForStatusServicer, "courts", "status_only_consent_releases_no_details",
     "sealed ['{office}'] under STATUS only"),
    (AnyAudienceServicer, "labor", "consent_tokens_for_another_agency_are_refused",
     "expected UNAUTHENTICATED, but the call succeeded"),
    (EnglishStatusOnlyServicer, "immigration",
     "mapped_statuses_explain_themselves_in_both_languages", "has no 'es' title"),
    (RepeatingStreamServicer, "courts",
     "change_stream_resumes_from_a_cursor_without_loss_or_repeats", "resumed after cursor"),
    (LosingStreamServicer, "labor",
     "change_stream_resumes_from_a_cursor_without_loss_or_repeats", "resumed after cursor"),
    (OverstatedLimitServicer, "courts", "batches_at_the_limit_are_served",
     "INVALID_ARGUMENT"),  # also fails subject_batches_honour_the_batch_limit: see below
    (UncappedSubjectBatchServicer, "labor", "subject_batches_honour_the_batch_limit",
     "expected INVALID_ARGUMENT, but the call succeeded"),
])
async def test_the_broken_adapter_fails_exactly_the_check_for_its_harm(
        kind: type[AdapterServicer], agency_id: str, check: str, detail: str,
        stores: dict[str, Path], signer: ConsentSigner) -> None:
    failed = await failed_checks(kind, agency_id, stores, signer)
    assert [r.name for r in failed if r.name != "subject_batches_honour_the_batch_limit"
            or kind is not OverstatedLimitServicer] == [check]
    assert detail in next(r.detail for r in failed if r.name == check)
