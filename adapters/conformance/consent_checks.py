"""Checks of what an adapter releases under a consent token: they sign real tokens with the
aggregator's key the adapter trusts (``Target.signer``), since a forged one proves nothing
about what a valid one releases."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
from google.protobuf.message import Message

from adapters.conformance.checks import (
    TIMEOUT_S,
    CheckFailed,
    ConsentSigner,
    Target,
    _expect_error,
    _require,
    known_cases,
    replayed,
)
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import sensitivity_pb2
from caseline.v1.lib.scopes import Scope

__all__ = ["consent_tokens_for_another_agency_are_refused",
           "sensitive_fields_leave_only_sealed", "status_only_consent_releases_no_details"]

def clear_sensitive_fields(message: Message, where: str = "") -> Iterator[str]:
    """The path of every field set in the clear that the contract declares DETAILS or
    IDENTITY (its caseline.v1.sensitivity option), at any depth."""
    for field, value in message.ListFields():
        path = f"{where}.{field.name}" if where else field.name
        option = field.GetOptions().Extensions[sensitivity_pb2.sensitivity]
        if option != sensitivity_pb2.SENSITIVITY_UNSPECIFIED:
            yield path
        elif isinstance(value, Message):
            yield from clear_sensitive_fields(value, path)
        elif field.message_type is not None:  # a repeated message field
            for i, item in enumerate(value):
                if isinstance(item, Message):
                    yield from clear_sensitive_fields(item, f"{path}[{i}]")


def _signer(t: Target) -> ConsentSigner:
    if t.signer is None:
        raise CheckFailed("not run: needs the consent-signing key the adapter trusts "
                          "(caseline adapter check --consent-key or --state-dir)")
    return t.signer


async def _released(t: Target, scopes: list[str]) -> pb.ListSubjectCasesResponse:
    token = _signer(t).token(t.describe.agency_id, await known_cases(t), scopes)
    return await t.stub.ListSubjectCases(pb.ListSubjectCasesRequest(consent_token=token),
                                         timeout=TIMEOUT_S)


async def sensitive_fields_leave_only_sealed(t: Target) -> None:
    """No field the contract declares DETAILS or IDENTITY leaves in the clear: not in public
    lookups, not in the change stream, not to a consent token granting every scope; what such
    a token releases travels in sealed_fields, each naming its scope and carrying a value."""
    response = await t.stub.LookupCases(pb.LookupCasesRequest(
        case_numbers=await known_cases(t)), timeout=TIMEOUT_S)
    leaks = [f"lookup {r.requested_number}: {path}" for r in response.results
             for path in clear_sensitive_fields(r)]
    leaks += [f"change {c.cursor}: {path}" for c in await replayed(t)
              for path in clear_sensitive_fields(c)]
    if "ListSubjectCases" not in t.not_offered:
        released = await _released(t, list(Scope))
        _require(len(released.cases) > 0, "a token granting every scope released no case")
        for case in released.cases:
            leaks += [f"subject case {case.case_number}: {path}"
                      for path in clear_sensitive_fields(case)]
            for sealed in case.sealed_fields:
                _require(sealed.sensitivity != sensitivity_pb2.SENSITIVITY_UNSPECIFIED
                         and bool(sealed.value),
                         f"{case.case_number}: sealed field {sealed.path!r} names no scope "
                         "or carries no value")
    _require(not leaks, f"sensitive fields in the clear: {leaks[:5]}")


async def status_only_consent_releases_no_details(t: Target) -> None:
    """A token granting STATUS only releases no DETAILS or IDENTITY field, in the clear or
    sealed (a sealed value is still released: the aggregator could open it)."""
    released = await _released(t, [Scope.STATUS])
    _require(len(released.cases) > 0, "a STATUS token released no case to check")
    for case in released.cases:
        clear = list(clear_sensitive_fields(case))
        _require(not clear, f"{case.case_number}: {clear} in the clear under STATUS")
        sealed = [s.path for s in case.sealed_fields
                  if s.sensitivity != sensitivity_pb2.SENSITIVITY_UNSPECIFIED]
        _require(not sealed, f"{case.case_number}: sealed {sealed} under STATUS only")


async def consent_tokens_for_another_agency_are_refused(t: Target) -> None:
    """A token signed by the trusted key but issued for another agency is UNAUTHENTICATED
    (the same token for this agency is accepted, so the audience is what was refused), alone
    and inside a batch (when BatchListSubjectCases is offered)."""
    signer, cases = _signer(t), await known_cases(t)
    other = f"{t.describe.agency_id}-other"
    await _expect_error(t.stub.ListSubjectCases(pb.ListSubjectCasesRequest(
        consent_token=signer.token(other, cases, [Scope.STATUS])), timeout=TIMEOUT_S),
        grpc.StatusCode.UNAUTHENTICATED)
    own = signer.token(t.describe.agency_id, cases, [Scope.STATUS])
    await t.stub.ListSubjectCases(pb.ListSubjectCasesRequest(consent_token=own),
                                  timeout=TIMEOUT_S)
    if "BatchListSubjectCases" in t.not_offered:
        return
    # In a batch too: the other agency's request refused in its place, ours answered.
    response = await t.stub.BatchListSubjectCases(pb.BatchListSubjectCasesRequest(requests=[
        pb.ListSubjectCasesRequest(consent_token=signer.token(other, cases, [Scope.STATUS])),
        pb.ListSubjectCasesRequest(consent_token=own)]), timeout=TIMEOUT_S)
    outcomes = [r.WhichOneof("outcome") for r in response.results]
    _require(outcomes == ["error", "response"],
             f"a batch of [another agency's token, ours] was answered {outcomes}, expected "
             "['error', 'response']")
    code = response.results[0].error.code
    _require(code == grpc.StatusCode.UNAUTHENTICATED.value[0],
             f"the batch refused another agency's token with code {code}, not UNAUTHENTICATED")
