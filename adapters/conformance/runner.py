"""The kit's checks in order, the calls each needs, and running them against an address."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import grpc

from adapters.conformance import checks as c
from adapters.conformance import consent_checks as consent
from adapters.conformance import statistics_checks as statistics
from adapters.conformance.checks import CheckFailed, CheckResult, ConsentSigner, Target
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc

__all__ = ["CHECKS", "NEEDS", "run_checks"]

CHECKS: tuple[Callable[[Target], Awaitable[None]], ...] = (
    c.describe_identifies_the_agency,
    c.number_format_examples_are_accepted,
    c.lookup_answers_each_number_in_request_order,
    c.malformed_numbers_are_reported_in_band_naming_the_format,
    c.oversized_batches_are_refused_naming_the_field,
    c.batches_at_the_limit_are_served,
    c.requests_that_do_not_parse_are_invalid_argument,
    c.public_lookups_carry_no_history,
    c.mapped_statuses_explain_themselves_in_both_languages,
    c.localized_texts_are_well_formed,
    consent.sensitive_fields_leave_only_sealed,
    c.subject_cases_require_a_consent_token,
    c.forged_consent_tokens_are_refused,
    consent.consent_tokens_for_another_agency_are_refused,
    consent.status_only_consent_releases_no_details,
    c.batched_subject_requests_are_answered_one_by_one,
    c.subject_batches_honour_the_batch_limit,
    c.ownership_check_refuses_a_wrong_access_code,
    c.change_stream_refuses_a_bad_cursor,
    c.change_stream_resumes_from_a_cursor_without_loss_or_repeats,
    statistics.processing_statistics_are_well_formed,
    statistics.processing_statistics_refuse_an_unknown_case_type,
    c.calls_declared_not_offered_answer_unimplemented,
    c.health_reports_serving,
    c.reflection_lists_the_service,
)


# The calls each check needs beyond Describe and LookupCases: a check whose call the adapter
# lists in Describe's not_offered_methods is reported "not offered" instead of run. Checks
# that also look at an optional call (the change stream, a subject's cases) but need it not
# look at it when it is not offered, and run.
NEEDS: dict[str, str] = {
    c.subject_cases_require_a_consent_token.__name__: "ListSubjectCases",
    c.forged_consent_tokens_are_refused.__name__: "ListSubjectCases",
    consent.consent_tokens_for_another_agency_are_refused.__name__: "ListSubjectCases",
    consent.status_only_consent_releases_no_details.__name__: "ListSubjectCases",
    c.batched_subject_requests_are_answered_one_by_one.__name__: "BatchListSubjectCases",
    c.subject_batches_honour_the_batch_limit.__name__: "BatchListSubjectCases",
    c.ownership_check_refuses_a_wrong_access_code.__name__: "VerifyOwnership",
    c.change_stream_refuses_a_bad_cursor.__name__: "WatchChanges",
    c.change_stream_resumes_from_a_cursor_without_loss_or_repeats.__name__: "WatchChanges",
    statistics.processing_statistics_are_well_formed.__name__: "GetProcessingStatistics",
    statistics.processing_statistics_refuse_an_unknown_case_type.__name__:
        "GetProcessingStatistics",
}


def _channel(address: str, credentials: grpc.ChannelCredentials | None) -> grpc.aio.Channel:
    if credentials is None:
        return grpc.aio.insecure_channel(address)
    return grpc.aio.secure_channel(address, credentials)


async def run_checks(address: str, credentials: grpc.ChannelCredentials | None = None,
                     signer: ConsentSigner | None = None) -> list[CheckResult]:
    """Every check against the adapter at ``address``; a check failing never stops the rest.

    ``credentials``: mutual TLS (see adapters.sdk.transport.ClientTLS); None: plaintext.
    ``signer``: the consent-signing key the adapter trusts; without it the checks of what a
    valid token releases fail, saying they were not run.
    """
    async with _channel(address, credentials) as channel:
        stub = pb_grpc.AgencyAdapterStub(channel)
        try:
            describe = await stub.Describe(pb.DescribeRequest(), timeout=c.TIMEOUT_S)
        except grpc.aio.AioRpcError as exc:
            return [CheckResult("describe_identifies_the_agency", False,
                                f"Describe failed: {exc.code().name} {exc.details()}")]
        target = Target(channel, stub, describe, signer)
        results = []
        for check in CHECKS:
            needed = NEEDS.get(check.__name__)
            if needed in target.not_offered:
                results.append(CheckResult(check.__name__, False, f"{needed} not offered",
                                           offered=False))
                continue
            try:
                await check(target)
            except CheckFailed as exc:
                results.append(CheckResult(check.__name__, False, str(exc)))
            except grpc.aio.AioRpcError as exc:
                results.append(CheckResult(check.__name__, False,
                                           f"{exc.code().name}: {exc.details()}"))
            else:
                results.append(CheckResult(check.__name__, True))
        return results
