"""One check per contract requirement, each named after it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass

import grpc
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from adapters.sdk.texts import well_formed_tag
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
from caseline.v1 import vocabulary_pb2
from caseline.v1.lib import consent_token as fmt
from caseline.v1.lib.scopes import Scope

__all__ = ["CheckFailed", "CheckResult", "ConsentSigner", "Target"]

SERVICE = "caseline.v1.AgencyAdapter"
TIMEOUT_S = 5.0
MOST_CASES = 20  # cases looked up or named in one token: enough to meet most fields, quick


class CheckFailed(AssertionError):
    """A requirement is not met; the message says what was seen."""


@dataclass
class Target:
    """The adapter under test and what Describe said about it."""

    channel: grpc.aio.Channel
    stub: pb_grpc.AgencyAdapterAsyncStub  # the .pyi type of a stub on an aio channel
    describe: pb.DescribeResponse
    # Signs consent tokens the adapter trusts; None: the checks that need one fail saying so.
    signer: ConsentSigner | None = None
    # The change stream's replay from "0", read once (see replayed).
    replay: list[pb.WatchChangesResponse] | None = None

    @property
    def not_offered(self) -> frozenset[str]:
        """The calls Describe lists as not offered."""
        return frozenset(self.describe.not_offered_methods)


@dataclass(frozen=True)
class ConsentSigner:
    """The aggregator's consent-signing key (Ed25519) as the adapter's JWKS names it."""

    key: Ed25519PrivateKey
    kid: str

    def token(self, audience: str, cases: Iterable[str], scopes: Iterable[str],
              subject: str = "psn_conformance") -> str:
        """A consent token for ``audience`` naming ``cases`` within ``scopes``, valid 60 s."""
        now = int(time.time())
        return jwt.encode(
            {"iss": fmt.ISSUER, "aud": audience, "sub": subject, "iat": now, "exp": now + 60,
             fmt.CLAIM_CASES: list(cases), fmt.CLAIM_SCOPES: list(scopes),
             fmt.CLAIM_PURPOSE: "conformance", fmt.CLAIM_CONSENT_ID: "conformance"},
            self.key, algorithm=fmt.ALGORITHM, headers={"kid": self.kid})


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one check."""

    name: str
    passed: bool
    detail: str = ""
    # False when the check needs a call the adapter's Describe lists as not offered: it was
    # not run, and ``passed`` is False (never passed for what was not checked).
    offered: bool = True


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


async def _expect_error(call: Awaitable[object], code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    try:
        await call
    except grpc.aio.AioRpcError as exc:
        _require(exc.code() == code, f"expected {code.name}, got {exc.code().name}: "
                                     f"{exc.details()}")
        return exc
    raise CheckFailed(f"expected {code.name}, but the call succeeded")


def _examples(target: Target) -> list[str]:
    return [f.example for f in target.describe.number_formats]


async def describe_identifies_the_agency(t: Target) -> None:
    """Describe names the agency, its number formats, its batch limit and English."""
    d = t.describe
    _require(bool(d.agency_id) and d.agency_id == d.agency_id.lower(),
             "agency_id must be non-empty and lower case")
    _require(bool(d.name), "name is empty")
    _require(len(d.number_formats) > 0, "no number_formats")
    _require(d.limits.max_batch_size >= 1, "limits.max_batch_size must be at least 1")
    _require("en" in d.languages, "languages must include 'en'")


async def number_format_examples_are_accepted(t: Target) -> None:
    """Every example number in Describe is well-formed for LookupCases."""
    response = await t.stub.LookupCases(pb.LookupCasesRequest(case_numbers=_examples(t)),
                                        timeout=TIMEOUT_S)
    for result in response.results:
        _require(result.error.code != pb.LOOKUP_ERROR_CODE_INVALID_NUMBER,
                 f"example {result.requested_number!r} refused: {result.error.message}")


async def lookup_answers_each_number_in_request_order(t: Target) -> None:
    """One result per requested number, echoing it, in order, malformed ones included."""
    numbers = [*_examples(t), "not a case number", *_examples(t)]
    response = await t.stub.LookupCases(pb.LookupCasesRequest(case_numbers=numbers),
                                        timeout=TIMEOUT_S)
    _require([r.requested_number for r in response.results] == numbers,
             "results do not match the requested numbers one to one")


async def malformed_numbers_are_reported_in_band_naming_the_format(t: Target) -> None:
    """A malformed number is INVALID_NUMBER in its result, and the message shows an example."""
    response = await t.stub.LookupCases(pb.LookupCasesRequest(case_numbers=["not a number"]),
                                        timeout=TIMEOUT_S)
    (result,) = response.results
    _require(result.error.code == pb.LOOKUP_ERROR_CODE_INVALID_NUMBER, "not INVALID_NUMBER")
    _require(any(ex in result.error.message for ex in _examples(t)),
             f"message does not show an example format: {result.error.message!r}")


async def oversized_batches_are_refused_naming_the_field(t: Target) -> None:
    """More numbers than the limit is INVALID_ARGUMENT with a violation on case_numbers."""
    numbers = _examples(t)[:1] * (t.describe.limits.max_batch_size + 1)
    exc = await _expect_error(t.stub.LookupCases(pb.LookupCasesRequest(case_numbers=numbers),
                                                 timeout=TIMEOUT_S),
                              grpc.StatusCode.INVALID_ARGUMENT)
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    fields = []
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            fields += [v.field for v in bad.field_violations]
    _require("case_numbers" in fields, f"no BadRequest violation on case_numbers ({fields})")


async def subject_batches_honour_the_batch_limit(t: Target) -> None:
    """BatchListSubjectCases takes 1 to max_batch_size requests: exactly that many are each
    answered, one more is INVALID_ARGUMENT."""
    size = t.describe.limits.max_batch_size
    batch = pb.BatchListSubjectCasesRequest(requests=[pb.ListSubjectCasesRequest()] * size)
    response = await t.stub.BatchListSubjectCases(batch, timeout=TIMEOUT_S * 4)
    _require(len(response.results) == size,
             f"{len(response.results)} results for a batch of {size} requests (the limit)")
    batch.requests.add()
    await _expect_error(t.stub.BatchListSubjectCases(batch, timeout=TIMEOUT_S * 4),
                        grpc.StatusCode.INVALID_ARGUMENT)


async def requests_that_do_not_parse_are_invalid_argument(t: Target) -> None:
    """Bytes that are not a LookupCasesRequest are INVALID_ARGUMENT, and the message shows
    nothing of the adapter's implementation."""
    garbage = b"\xff" * 11  # a field tag that never ends
    call = t.channel.unary_unary(f"/{SERVICE}/LookupCases", request_serializer=None,
                                 response_deserializer=None)
    exc = await _expect_error(call(garbage, timeout=TIMEOUT_S),
                              grpc.StatusCode.INVALID_ARGUMENT)
    details = exc.details() or ""
    for leak in ("Traceback", "class", "Error", "Exception", "Wire format"):
        _require(leak not in details, f"the message shows implementation detail: {details!r}")


async def public_lookups_carry_no_history(t: Target) -> None:
    """Public lookups return the current status only, never events."""
    response = await t.stub.LookupCases(pb.LookupCasesRequest(case_numbers=_examples(t)),
                                        timeout=TIMEOUT_S)
    for result in response.results:
        _require(len(result.case_info.events) == 0, f"{result.requested_number} has events")


async def mapped_statuses_explain_themselves_in_both_languages(t: Target) -> None:
    """Describe covers English and Spanish, and every mapped status the adapter sends (public
    lookups of its examples, the change stream's replay) carries the agency's own code and a
    title and description in each language Describe lists."""
    languages = list(t.describe.languages)
    _require({"en", "es"} <= set(languages),
             f"Describe's languages {languages} must include 'en' and 'es'")
    numbers = [*_examples(t), *await known_cases(t)][:t.describe.limits.max_batch_size]
    response = await t.stub.LookupCases(pb.LookupCasesRequest(case_numbers=numbers),
                                        timeout=TIMEOUT_S)
    seen = [(r.requested_number, r.case_info.status) for r in response.results
            if r.HasField("case_info")]
    seen += [(c.case_number, c.event.status) for c in await replayed(t)]
    for number, status in seen:
        _require(bool(status.agency_code), f"{number}: agency_code is empty")
        if status.category == vocabulary_pb2.STATUS_CATEGORY_UNSPECIFIED:
            continue
        texts = {x.language: x for x in status.texts}
        for language in languages:
            text = texts.get(language)
            _require(text is not None and bool(text.title) and bool(text.description),
                     f"{number}: status {status.agency_code!r} has no {language!r} title "
                     "and description")


async def batches_at_the_limit_are_served(t: Target) -> None:
    """Describe's max_batch_size is honoured both ways: a LookupCases batch of exactly that
    many numbers is answered, one result per number (one more is refused: see
    oversized_batches_are_refused_naming_the_field)."""
    size = t.describe.limits.max_batch_size
    examples = _examples(t)
    numbers = [examples[i % len(examples)] for i in range(size)]
    response = await t.stub.LookupCases(pb.LookupCasesRequest(case_numbers=numbers),
                                        timeout=TIMEOUT_S * 4)
    _require(len(response.results) == size,
             f"{len(response.results)} results for a batch of {size} (the limit)")


def _check_localized(where: str, texts: Iterable[vocabulary_pb2.LocalizedString],
                     english: str | None = None) -> None:
    """Each entry has a lower-case BCP 47 tag and a non-empty one-line text, one entry per
    language; an "en" entry, when ``english`` is given, says what the English field says."""
    seen: set[str] = set()
    for entry in texts:
        _require(well_formed_tag(entry.language),
                 f"{where}: language {entry.language!r} is not a lower-case BCP 47 tag")
        _require(entry.language not in seen, f"{where}: {entry.language!r} appears twice")
        seen.add(entry.language)
        _require(bool(entry.text.strip()) and "\n" not in entry.text,
                 f"{where}: the {entry.language!r} text is empty or not one line")
        if english is not None and entry.language == "en":
            _require(entry.text == english,
                     f"{where}: the 'en' text {entry.text!r} differs from {english!r}")


async def localized_texts_are_well_formed(t: Target) -> None:
    """The agency's texts per language (case-type names, number formats' names and
    descriptions, a case's type name, an invalid number's part names and notes) have
    well-formed language tags and non-empty texts; an invalid number's structure names a
    format Describe lists, with its example."""
    d = t.describe
    for case_type in d.case_types:
        _check_localized(f"case type {case_type.code}", case_type.names, case_type.name)
    examples = {f.name: f.example for f in d.number_formats}
    for f in d.number_formats:
        _check_localized(f"number format {f.name} names", f.names)
        _check_localized(f"number format {f.name} descriptions", f.descriptions, f.description)
    response = await t.stub.LookupCases(pb.LookupCasesRequest(
        case_numbers=[*_examples(t), "not a case number", "1"]), timeout=TIMEOUT_S)
    for result in response.results:
        number = result.requested_number
        if result.HasField("case_info"):
            _check_localized(f"{number}: case_type_names", result.case_info.case_type_names,
                             result.case_info.case_type_name)
        elif result.error.HasField("invalid_number"):
            detail = result.error.invalid_number
            _require(detail.expected_format in examples,
                     f"{number}: expected_format {detail.expected_format!r} is not a format "
                     f"Describe lists ({sorted(examples)})")
            _require(detail.example == examples[detail.expected_format],
                     f"{number}: example {detail.example!r} is not the format's example")
            for name, texts in (("expected_format_names", detail.expected_format_names),
                                ("part_names", detail.part_names), ("notes", detail.notes)):
                _check_localized(f"{number}: {name}", texts)


async def subject_cases_require_a_consent_token(t: Target) -> None:
    """Without a consent token nothing is released: UNAUTHENTICATED."""
    await _expect_error(t.stub.ListSubjectCases(pb.ListSubjectCasesRequest(), timeout=TIMEOUT_S),
                        grpc.StatusCode.UNAUTHENTICATED)


async def forged_consent_tokens_are_refused(t: Target) -> None:
    """A token signed by a key the adapter does not trust is UNAUTHENTICATED."""
    now = int(time.time())
    forged = jwt.encode(
        {"iss": fmt.ISSUER, "aud": t.describe.agency_id, "sub": "psn_conformance", "iat": now,
         "exp": now + 60, fmt.CLAIM_CASES: _examples(t), fmt.CLAIM_SCOPES: list(Scope)},
        Ed25519PrivateKey.generate(), algorithm=fmt.ALGORITHM, headers={"kid": "forged"})
    await _expect_error(t.stub.ListSubjectCases(
        pb.ListSubjectCasesRequest(consent_token=forged), timeout=TIMEOUT_S),
        grpc.StatusCode.UNAUTHENTICATED)


async def batched_subject_requests_are_answered_one_by_one(t: Target) -> None:
    """BatchListSubjectCases (optional: UNIMPLEMENTED passes) answers each request in order,
    refusing a missing and a forged token each as ListSubjectCases would."""
    requests = [pb.ListSubjectCasesRequest(),
                pb.ListSubjectCasesRequest(consent_token="not.a.token")]
    try:
        response = await t.stub.BatchListSubjectCases(
            pb.BatchListSubjectCasesRequest(requests=requests), timeout=TIMEOUT_S)
    except grpc.aio.AioRpcError as exc:
        _require(exc.code() == grpc.StatusCode.UNIMPLEMENTED,
                 f"expected per-request answers or UNIMPLEMENTED, got {exc.code().name}: "
                 f"{exc.details()}")
        return
    _require(len(response.results) == len(requests),
             f"{len(response.results)} results for {len(requests)} requests")
    for i, result in enumerate(response.results):
        _require(result.WhichOneof("outcome") == "error", f"request {i} released cases "
                                                          "without a valid consent token")
        code = grpc.StatusCode.UNAUTHENTICATED.value[0]
        _require(result.error.code == code,
                 f"request {i}: expected code {code} (UNAUTHENTICATED), got "
                 f"{result.error.code}: {result.error.message}")


async def ownership_check_refuses_a_wrong_access_code(t: Target) -> None:
    """A wrong access code never verifies."""
    response = await t.stub.VerifyOwnership(pb.VerifyOwnershipRequest(
        case_number=_examples(t)[0], access_code="WRONG-CODE-0000"), timeout=TIMEOUT_S)
    _require(not response.verified, "a wrong access code verified")


async def read_changes(t: Target, cursor: str, most: int, wait_s: float = 1.0
                       ) -> list[pb.WatchChangesResponse]:
    """Up to ``most`` changes after ``cursor``, stopping when none comes for ``wait_s``
    (the stream itself never ends: it waits for new changes)."""
    call = t.stub.WatchChanges(pb.WatchChangesRequest(cursor=cursor), timeout=TIMEOUT_S * 4)
    changes: list[pb.WatchChangesResponse] = []
    try:
        while len(changes) < most:
            try:
                change = await asyncio.wait_for(call.read(), wait_s)
            except TimeoutError:
                break
            if not isinstance(change, pb.WatchChangesResponse):
                break  # the stream ended (grpc.aio.EOF)
            changes.append(change)
    finally:
        call.cancel()
    return changes


async def replayed(t: Target) -> list[pb.WatchChangesResponse]:
    """The first changes of the stream's replay from "0" (at most 200), read once per run;
    none when the adapter does not offer WatchChanges."""
    if t.replay is None:
        offered = "WatchChanges" not in t.not_offered
        t.replay = await read_changes(t, "0", 200) if offered else []
    return t.replay


async def known_cases(t: Target) -> list[str]:
    """Case numbers the adapter holds, to look up and name in tokens: the first of those its
    change stream replays (within one batch), else its examples."""
    numbers = list(dict.fromkeys(c.case_number for c in await replayed(t)))
    return numbers[:min(MOST_CASES, t.describe.limits.max_batch_size)] or _examples(t)


async def change_stream_resumes_from_a_cursor_without_loss_or_repeats(t: Target) -> None:
    """Replaying from "0" gives changes with distinct cursors; resuming after the k-th cursor
    gives exactly the changes that followed it, none lost, none repeated."""
    first = (await replayed(t))[:12]
    _require(len(first) >= 3, f"the replay from '0' gave {len(first)} changes; the check "
                              "needs at least 3 (an adapter with that much history)")
    cursors = [c.cursor for c in first]
    _require(len(set(cursors)) == len(cursors), f"cursors repeat in the replay: {cursors}")
    for k in (0, len(first) // 2):
        expected = first[k + 1:]
        resumed = await read_changes(t, first[k].cursor, len(expected))
        got = [(c.cursor, c.case_number, c.event.event_id) for c in resumed]
        want = [(c.cursor, c.case_number, c.event.event_id) for c in expected]
        _require(got == want,
                 f"resumed after cursor {first[k].cursor!r}: got cursors "
                 f"{[c.cursor for c in resumed]}, expected {[c.cursor for c in expected]}")


async def change_stream_refuses_a_bad_cursor(t: Target) -> None:
    """WatchChanges with a cursor it never issued is INVALID_ARGUMENT."""
    call = t.stub.WatchChanges(pb.WatchChangesRequest(cursor="not-a-cursor"), timeout=TIMEOUT_S)
    await _expect_error(call.read(), grpc.StatusCode.INVALID_ARGUMENT)


async def calls_declared_not_offered_answer_unimplemented(t: Target) -> None:
    """Each call Describe lists in not_offered_methods is a method of the service other than
    Describe and LookupCases, and answers UNIMPLEMENTED (nothing is served behind it)."""
    methods = pb.DESCRIPTOR.services_by_name["AgencyAdapter"].methods_by_name
    for name in t.describe.not_offered_methods:
        _require(name in methods and name not in ("Describe", "LookupCases"),
                 f"not_offered_methods names {name!r}, which is not an optional "
                 "AgencyAdapter method")
        method = methods[name]
        request = b""  # the empty request message of any method
        if method.server_streaming:
            stream = t.channel.unary_stream(f"/{SERVICE}/{name}", request_serializer=None,
                                            response_deserializer=None)(request,
                                                                        timeout=TIMEOUT_S)
            await _expect_error(stream.read(), grpc.StatusCode.UNIMPLEMENTED)
        else:
            call = t.channel.unary_unary(f"/{SERVICE}/{name}", request_serializer=None,
                                         response_deserializer=None)
            await _expect_error(call(request, timeout=TIMEOUT_S), grpc.StatusCode.UNIMPLEMENTED)


async def health_reports_serving(t: Target) -> None:
    """The standard health service says SERVING for the AgencyAdapter service."""
    answer = await health_pb2_grpc.HealthStub(t.channel).Check(
        health_pb2.HealthCheckRequest(service=SERVICE), timeout=TIMEOUT_S)
    _require(answer.status == health_pb2.HealthCheckResponse.SERVING, "not SERVING")


async def reflection_lists_the_service(t: Target) -> None:
    """Server reflection lists caseline.v1.AgencyAdapter."""
    stub = reflection_pb2_grpc.ServerReflectionStub(t.channel)
    call = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(
        list_services="")]), timeout=TIMEOUT_S)
    async for response in call:
        names = {s.name for s in response.list_services_response.service}
        _require(SERVICE in names, f"reflection lists {sorted(names)}")
        return
    raise CheckFailed("reflection returned nothing")
