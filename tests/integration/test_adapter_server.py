"""The SDK's gRPC server against the contract, with a real server on a loopback port."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from adapters.sdk import (
    AdapterServer,
    EventRecord,
    HearingRecord,
    InMemoryCaseSource,
    build_servicer,
)
from adapters.sdk.records import CaseRecord
from aggregator.consent.tokens import ConsentTokenIssuer
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
from caseline.v1 import vocabulary_pb2
from caseline.v1.lib import consent_token as fmt
from deploy.demo.slow_agency import SlowAgency
from support import fake_agency
from support.sealing import open_sealed

pytestmark = pytest.mark.integration

Stub = pb_grpc.AgencyAdapterStub


def _token(issuer: ConsentTokenIssuer, cases: list[str], agency: str = "fake",
           scopes: tuple[str, ...] = ("STATUS", "DETAILS")) -> str:
    return issuer.issue(agency_id=agency, subject="psn_test", case_numbers=cases,
                        scopes=scopes, purpose="SELF_ACCESS", consent_id="self")


def _violation(exc: grpc.aio.AioRpcError) -> error_details_pb2.BadRequest.FieldViolation:
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    assert status is not None
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            return bad.field_violations[0]
    raise AssertionError("no BadRequest detail")


async def test_lookup_answers_each_number_in_order_with_in_band_errors(fake_stub: Stub) -> None:
    """Known, unknown and malformed numbers each get their own result, in request order."""
    response = await fake_stub.LookupCases(pb.LookupCasesRequest(
        case_numbers=[" fak000002 ", "FAK999999", "nope"]))
    first, second, third = response.results
    assert first.case_info.case_number == "FAK000002"
    assert first.case_info.status.category == vocabulary_pb2.STATUS_CATEGORY_APPROVED
    assert list(first.case_info.events) == []
    assert second.error.code == pb.LOOKUP_ERROR_CODE_NOT_FOUND
    assert third.requested_number == "nope"
    assert third.error.code == pb.LOOKUP_ERROR_CODE_INVALID_NUMBER
    assert "e.g. FAK123456 (fake number)" in third.error.message


async def test_lookup_refuses_more_than_100_numbers_naming_the_field(fake_stub: Stub) -> None:
    """101 numbers is INVALID_ARGUMENT with a BadRequest violation on case_numbers."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await fake_stub.LookupCases(pb.LookupCasesRequest(case_numbers=["FAK000001"] * 101))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.details() == "case_numbers: at most 100 case numbers per call, got 101"
    assert _violation(caught.value).field == "case_numbers"


async def test_subject_cases_need_a_token(fake_stub: Stub) -> None:
    """No consent token: UNAUTHENTICATED, nothing released."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await fake_stub.ListSubjectCases(pb.ListSubjectCasesRequest())
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_subject_cases_release_the_tokens_cases_with_history(
        fake_stub: Stub, issuer: ConsentTokenIssuer, custodian: X25519PrivateKey) -> None:
    """A valid token releases exactly its cases, each with mapped events and agency words
    (sealed to the custodian)."""
    response = await fake_stub.ListSubjectCases(pb.ListSubjectCasesRequest(
        consent_token=_token(issuer, ["FAK000001", "FAK000404"])))
    assert [c.case_number for c in response.cases] == ["FAK000001"]
    assert list(response.missing_case_numbers) == ["FAK000404"]
    report = open_sealed(response.cases[0], custodian, agency="fake", subject="psn_test")
    assert report.failed == [] and report.opened["DETAILS"] > 0
    events = response.cases[0].events
    assert [e.status.agency_code for e in events] == ["Case Was Received",
                                                      "Request For Evidence Was Sent"]
    assert events[1].status.action_required is True
    assert events[1].due_date == "2026-03-01"
    assert {t.language: t.title for t in events[1].status.texts} == {
        "en": "Evidence requested", "es": "Se solicitaron pruebas"}


async def test_token_for_another_agency_is_refused(fake_stub: Stub,
                                                   issuer: ConsentTokenIssuer) -> None:
    """A token whose audience is another agency is UNAUTHENTICATED here."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await fake_stub.ListSubjectCases(pb.ListSubjectCasesRequest(
            consent_token=_token(issuer, ["FAK000001"], agency="labor")))
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "another agency" in (caught.value.details() or "")


async def test_token_without_status_scope_is_permission_denied(
        fake_stub: Stub, issuer: ConsentTokenIssuer) -> None:
    """A genuine token lacking the STATUS scope is PERMISSION_DENIED."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await fake_stub.ListSubjectCases(pb.ListSubjectCasesRequest(
            consent_token=_token(issuer, ["FAK000001"], scopes=("IDENTITY",))))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_a_batch_answers_each_request_as_a_single_call_would(
        fake_stub: Stub, issuer: ConsentTokenIssuer, custodian: X25519PrivateKey) -> None:
    """Good, foreign, scope-less and missing tokens in one batch: each its own answer, in
    order, the same as ListSubjectCases gives it alone."""
    good = _token(issuer, ["FAK000001", "FAK000404"])
    requests = [pb.ListSubjectCasesRequest(consent_token=t) for t in (
        good, _token(issuer, ["FAK000001"], agency="labor"),
        _token(issuer, ["FAK000001"], scopes=("IDENTITY",)), "", good)]
    response = await fake_stub.BatchListSubjectCases(
        pb.BatchListSubjectCasesRequest(requests=requests))
    outcomes = [r.WhichOneof("outcome") for r in response.results]
    assert outcomes == ["response", "error", "error", "error", "response"]
    alone = await fake_stub.ListSubjectCases(requests[0])
    first = response.results[0].response
    assert [c.case_number for c in first.cases] == [c.case_number for c in alone.cases]
    assert list(first.missing_case_numbers) == ["FAK000404"]
    assert open_sealed(first.cases[0], custodian, agency="fake",
                       subject="psn_test").opened["DETAILS"] > 0
    codes = [grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED,
             grpc.StatusCode.UNAUTHENTICATED]
    for request, result, code in zip(requests[1:4], response.results[1:4], codes,
                                     strict=True):
        assert result.error.code == code.value[0]
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await fake_stub.ListSubjectCases(request)
        assert caught.value.code() == code
        assert result.error.message == caught.value.details()
        assert result.error.reason and not result.response.cases
    assert "another agency" in response.results[1].error.message


class WaitingSource(InMemoryCaseSource):
    """A source over a slow database: lookups wait, and it counts how many overlap."""

    def __init__(self, inner: InMemoryCaseSource, gate: asyncio.Event) -> None:
        super().__init__()
        self._inner = inner
        self._gate = gate
        self.waiting = 0
        self.most_at_once = 0

    async def find_cases(self, numbers: Sequence[str], *,  # type: ignore[override]
                         with_history: bool) -> dict[str, CaseRecord]:
        self.waiting += 1
        self.most_at_once = max(self.most_at_once, self.waiting)
        if self.waiting == 3:
            self._gate.set()
        await asyncio.wait_for(self._gate.wait(), 5)
        self.waiting -= 1
        return self._inner.find_cases(numbers, with_history=with_history)


async def test_a_batch_over_a_waiting_source_overlaps_its_lookups(
        fake_source: InMemoryCaseSource, jwks_path: Path, issuer: ConsentTokenIssuer) -> None:
    """With an async source the requests of a batch wait on it together, not in turn."""
    source = WaitingSource(fake_source, asyncio.Event())
    server = AdapterServer(build_servicer(fake_agency.profile(), source, jwks_path))
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            response = await pb_grpc.AgencyAdapterStub(channel).BatchListSubjectCases(
                pb.BatchListSubjectCasesRequest(requests=[
                    pb.ListSubjectCasesRequest(consent_token=t) for t in (
                        _token(issuer, ["FAK000001"]), "forged", _token(issuer, ["FAK000002"]),
                        _token(issuer, ["FAK000001"]))]), timeout=10)
    finally:
        await server.stop(0)
    assert source.most_at_once == 3  # the forged token never reaches the source
    assert [r.WhichOneof("outcome") for r in response.results] == [
        "response", "error", "response", "response"]
    assert [c.case_number for c in response.results[2].response.cases] == ["FAK000002"]


@pytest.mark.parametrize(("count", "message"), [
    (0, "requests: 1 to 100 requests per call, got 0"),
    (101, "requests: 1 to 100 requests per call, got 101")])
async def test_a_batch_of_none_or_too_many_is_refused_naming_the_field(
        fake_stub: Stub, count: int, message: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await fake_stub.BatchListSubjectCases(pb.BatchListSubjectCasesRequest(
            requests=[pb.ListSubjectCasesRequest()] * count))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.details() == message
    assert _violation(caught.value).field == "requests"


async def test_ownership_check_accepts_only_the_right_access_code(fake_stub: Stub) -> None:
    """The right code verifies (case and dashes ignored); a wrong one does not."""
    right = await fake_stub.VerifyOwnership(pb.VerifyOwnershipRequest(
        case_number="FAK000001", access_code="abcdefghjklm"))
    wrong = await fake_stub.VerifyOwnership(pb.VerifyOwnershipRequest(
        case_number="FAK000001", access_code="ABCD-EFGH-XXXX"))
    assert right.verified and right.case_info.case_number == "FAK000001"
    assert not wrong.verified and not wrong.HasField("case_info")


async def test_ownership_check_names_a_malformed_number_field(fake_stub: Stub) -> None:
    """A malformed case number is INVALID_ARGUMENT on case_number."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await fake_stub.VerifyOwnership(pb.VerifyOwnershipRequest(case_number="bad",
                                                                  access_code="X"))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _violation(caught.value).field == "case_number"


async def test_unknown_code_maps_to_unspecified_keeping_the_agency_text(
        fake_stub: Stub, fake_source: InMemoryCaseSource, fake_server: AdapterServer) -> None:
    """A code the table lacks is UNSPECIFIED, keeps its words, is counted, and still answers."""
    last = fake_source.find_cases(["FAK000002"], with_history=True)["FAK000002"].events[-1]
    fake_source.add_event("FAK000002", EventRecord(
        occurred_at=last.occurred_at + timedelta(days=1), code="Brand New Status",
        text="Something new happened", event_id="e9"))
    response = await fake_stub.LookupCases(pb.LookupCasesRequest(case_numbers=["FAK000002"]))
    status = response.results[0].case_info.status
    assert status.category == vocabulary_pb2.STATUS_CATEGORY_UNSPECIFIED
    # The code is kept as the agency wrote it; its free wording is DETAILS, never public.
    assert (status.agency_code, status.agency_text) == ("Brand New Status", "")
    assert fake_server.servicer.table.unknown_codes["Brand New Status"] == 1


async def test_change_stream_replays_and_resumes_from_a_cursor(
        fake_stub: Stub, fake_source: InMemoryCaseSource) -> None:
    """Changes arrive in order with cursors; resuming after one skips what was seen."""
    base = fake_source.find_cases(["FAK000001"], with_history=True)["FAK000001"].events[-1]
    for i in range(3):
        fake_source.add_event("FAK000001", EventRecord(
            occurred_at=base.occurred_at + timedelta(days=i + 1), code="Case Was Approved",
            text=f"step {i}", event_id=f"n{i}"))
    call = fake_stub.WatchChanges(pb.WatchChangesRequest(cursor="0"))
    seen = [await call.read() for _ in range(3)]
    call.cancel()
    assert [c.event.event_id for c in seen] == ["n0", "n1", "n2"]
    # The stream carries no consent: status only, never the agency's own wording.
    assert all(c.event.status.agency_code == "Case Was Approved"
               and c.event.status.agency_text == "" for c in seen)
    resumed = fake_stub.WatchChanges(pb.WatchChangesRequest(cursor=seen[0].cursor))
    again = await resumed.read()
    resumed.cancel()
    assert again.event.event_id == "n1"


async def test_bad_cursor_is_invalid_argument(fake_stub: Stub) -> None:
    """A cursor that is not one we issued is refused, naming the field."""
    call = fake_stub.WatchChanges(pb.WatchChangesRequest(cursor="yesterday"))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call.read()
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (caught.value.details() or "").startswith("cursor:")


async def test_health_and_reflection_are_served(fake_server: AdapterServer) -> None:
    """Health says SERVING for the service; reflection lists it; shutdown flips health."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{fake_server.port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        answer = await health.Check(health_pb2.HealthCheckRequest(
            service="caseline.v1.AgencyAdapter"))
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
        reflect = reflection_pb2_grpc.ServerReflectionStub(channel)
        responses = reflect.ServerReflectionInfo(iter([
            reflection_pb2.ServerReflectionRequest(list_services="")]))
        async for response in responses:
            names = {s.name for s in response.list_services_response.service}
            assert "caseline.v1.AgencyAdapter" in names
            break
        await fake_server.health.enter_graceful_shutdown()
        answer = await health.Check(health_pb2.HealthCheckRequest(service=""))
        assert answer.status == health_pb2.HealthCheckResponse.NOT_SERVING


async def test_call_past_its_deadline_is_cut(fake_source: InMemoryCaseSource,
                                            jwks_path: Path) -> None:
    """A slow adapter does not hold a caller past the caller's deadline."""
    server = AdapterServer(build_servicer(fake_agency.profile(), fake_source, jwks_path),
                           interceptors=[SlowAgency(2.0)])
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = pb_grpc.AgencyAdapterStub(channel)
            started = asyncio.get_running_loop().time()
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await stub.LookupCases(pb.LookupCasesRequest(case_numbers=["FAK000001"]),
                                       timeout=0.2)
            elapsed = asyncio.get_running_loop().time() - started
        assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert elapsed < 1.5
    finally:
        await server.stop(0)


async def test_status_only_token_gets_no_details_from_the_agency(
        fake_stub: Stub, fake_source: InMemoryCaseSource, issuer: ConsentTokenIssuer,
        custodian: X25519PrivateKey) -> None:
    """Fields outside the token's scopes never leave the adapter, not even sealed: STATUS
    alone gets mapped categories, milestones, titles and codes but no agency wording,
    offices, due dates or hearings; STATUS + DETAILS gets them, sealed to the custodian."""
    _add_hearing(fake_source)
    response = await fake_stub.ListSubjectCases(pb.ListSubjectCasesRequest(
        consent_token=_token(issuer, ["FAK000001"], scopes=("STATUS",))))
    (case,) = response.cases
    assert case.case_number == "FAK000001" and case.office == ""
    assert case.status.agency_code == "Case Was Approved" and case.status.agency_text == ""
    assert [e.status.agency_code for e in case.events] == [
        "Case Was Received", "Request For Evidence Was Sent", "Case Was Approved"]
    assert [e.status.milestone for e in case.events] == [
        vocabulary_pb2.MILESTONE_RECEIVED, vocabulary_pb2.MILESTONE_EVIDENCE_REQUESTED,
        vocabulary_pb2.MILESTONE_DECISION_MADE]
    assert case.events[1].status.category == vocabulary_pb2.STATUS_CATEGORY_ACTIVE
    assert case.events[1].status.texts[0].title == "Evidence requested"
    assert all(e.status.texts and e.status.agency_text == "" for e in case.events)
    assert all(e.due_date == "" and e.office == "" and not e.HasField("hearing")
               for e in case.events)
    assert b"Judge Ruiz" not in response.SerializeToString()
    assert not case.sealed_fields and not case.HasField("data_key")
    detailed = await fake_stub.ListSubjectCases(pb.ListSubjectCasesRequest(
        consent_token=_token(issuer, ["FAK000001"], scopes=("STATUS", "DETAILS"))))
    wire = detailed.SerializeToString()
    for plaintext in (b"Judge Ruiz", b"Fake Office", b"Approved at the hearing", b"2026-03-01",
                      b"Court 7"):
        assert plaintext not in wire
    case = detailed.cases[0]
    assert case.office == "" and case.events[2].hearing.judge == ""
    (sealed,) = case.sealed_fields
    for place in ("{office,status.agency_text};", "events[1]{due_date,", "events[2]{hearing,"):
        assert place in sealed.path
    open_sealed(case, custodian, agency="fake", subject="psn_test")
    assert case.office == "Fake Office"
    assert case.status.agency_text == "Approved at the hearing"
    assert case.events[0].status.agency_text == "Case Was Received text"
    assert case.events[1].due_date == "2026-03-01"
    assert case.events[2].office == "Court 7"
    assert (case.events[2].hearing.judge, case.events[2].hearing.court) == (
        "Judge Ruiz", "Fake Court")


def _add_hearing(source: InMemoryCaseSource) -> None:
    last = source.find_cases(["FAK000001"], with_history=True)["FAK000001"].events[-1]
    when = last.occurred_at + timedelta(days=1)
    source.add_event("FAK000001", EventRecord(
        occurred_at=when, code="Case Was Approved", text="Approved at the hearing",
        office="Court 7", event_id="e3",
        hearing=HearingRecord(type="INDIVIDUAL", medium="IN_PERSON", scheduled_at=when,
                              time_zone="America/Chicago", court="Fake Court",
                              court_address="1 Court St", judge="Judge Ruiz")))


def _claims_token(claims: dict[str, object], key: object, kid: str) -> str:
    import jwt

    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})  # type: ignore[arg-type]


def _assert_refused(exc: grpc.aio.AioRpcError, code: grpc.StatusCode) -> None:
    """The call failed with ``code`` and nothing of a case is in the error or its metadata."""
    assert exc.code() == code, exc.details()
    leaked = [exc.details() or "", *(str(item) for item in exc.trailing_metadata() or ())]
    for words in ("FAK000001", "Fake Office", "Case Was Received", "Evidence"):
        assert not any(words in part for part in leaked), (words, leaked)


def _forge(forgery: str, genuine: str, key: Ed25519PrivateKey) -> str:
    """``genuine`` spoiled in one way; claims-level changes are signed with the real key."""
    header = jwt.get_unverified_header(genuine)
    claims = jwt.decode(genuine, options={"verify_signature": False})
    now = int(time.time())
    if forgery == "other_key_same_kid":
        return _claims_token(claims, Ed25519PrivateKey.generate(), header["kid"])
    if forgery == "altered_signature":
        head, body, signature = genuine.split(".")
        flipped = base64.urlsafe_b64decode(signature + "==")
        flipped = bytes([flipped[0] ^ 0x01]) + flipped[1:]
        return ".".join((head, body, base64.urlsafe_b64encode(flipped).rstrip(b"=").decode()))
    if forgery == "altered_claims":
        head, _, signature = genuine.split(".")
        widened = json.dumps({**claims, "cases": ["FAK000001", "FAK000002"]}).encode()
        return ".".join((head, base64.urlsafe_b64encode(widened).rstrip(b"=").decode(),
                         signature))
    if forgery == "alg_none":
        return jwt.encode(claims, None, algorithm="none")  # type: ignore[arg-type]
    if forgery == "unknown_kid":
        return _claims_token(claims, Ed25519PrivateKey.generate(), "no-such-key")
    spoils: dict[str, dict[str, object]] = {
        "expired": {"iat": now - 400, "exp": now - 100},
        "too_long": {"iat": now, "exp": now + fmt.MAX_TTL_S + 60},
        "not_yet_issued": {"iat": now + 600, "exp": now + 700},
        "wrong_issuer": {"iss": "someone-else"},
        "several_audiences": {"aud": ["fake", "labor"]},
        "scopes_not_a_list": {"scp": {"STATUS": True, "DETAILS": True}},
        "no_subject": {"sub": None},
    }
    spoiled = {k: v for k, v in {**claims, **spoils[forgery]}.items() if v is not None}
    return _claims_token(spoiled, key, header["kid"])


def _reason(exc: grpc.aio.AioRpcError) -> str:
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    assert status is not None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info.reason
    raise AssertionError("no ErrorInfo detail")


@pytest.mark.parametrize(("forgery", "reason"), [
    ("other_key_same_kid", "CONSENT_TOKEN_INVALID"),
    ("altered_signature", "CONSENT_TOKEN_INVALID"),
    ("altered_claims", "CONSENT_TOKEN_INVALID"),
    ("alg_none", "CONSENT_TOKEN_UNKNOWN_KEY"),
    ("unknown_kid", "CONSENT_TOKEN_UNKNOWN_KEY"),
    ("expired", "CONSENT_TOKEN_EXPIRED"),
    ("too_long", "CONSENT_TOKEN_TOO_LONG"),
    ("not_yet_issued", "CONSENT_TOKEN_INVALID"),
    ("wrong_issuer", "CONSENT_TOKEN_INVALID"),
    ("several_audiences", "CONSENT_TOKEN_INVALID"),
    ("scopes_not_a_list", "CONSENT_TOKEN_INVALID"),
    ("no_subject", "CONSENT_TOKEN_INVALID"),
])
async def test_forged_or_stale_tokens_release_nothing(fake_stub: Stub, issuer: ConsentTokenIssuer,
                                                      forgery: str, reason: str) -> None:
    """Tokens signed by another key under the real kid, altered, unsigned, expired, too
    long-lived, from another issuer, for several agencies or with malformed claims are
    UNAUTHENTICATED for the stated reason, and the refusal carries no case data."""
    token = _forge(forgery, _token(issuer, ["FAK000001"]), issuer._key)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await fake_stub.ListSubjectCases(pb.ListSubjectCasesRequest(consent_token=token))
    _assert_refused(caught.value, grpc.StatusCode.UNAUTHENTICATED)
    assert _reason(caught.value) == reason, caught.value.details()


async def test_refusals_for_scope_and_audience_carry_no_case_data(
        fake_stub: Stub, issuer: ConsentTokenIssuer) -> None:
    """The existing refusals (no STATUS, another agency's token) leak nothing either."""
    for token, code in ((_token(issuer, ["FAK000001"], scopes=("DETAILS", "IDENTITY")),
                         grpc.StatusCode.PERMISSION_DENIED),
                        (_token(issuer, ["FAK000001"], agency="labor"),
                         grpc.StatusCode.UNAUTHENTICATED)):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await fake_stub.ListSubjectCases(pb.ListSubjectCasesRequest(consent_token=token))
        _assert_refused(caught.value, code)


async def test_a_non_ed25519_key_in_the_jwks_refuses_instead_of_failing(
        fake_source: InMemoryCaseSource, issuer: ConsentTokenIssuer, tmp_path: Path) -> None:
    """A JWKS entry of another key type under the token's kid is an unknown key
    (UNAUTHENTICATED), not an internal error."""
    from cryptography.hazmat.primitives.asymmetric import ec

    genuine = _token(issuer, ["FAK000001"])
    kid = jwt.get_unverified_header(genuine)["kid"]
    other = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(
        ec.generate_private_key(ec.SECP256R1()).public_key()))
    jwks = tmp_path / "mixed.json"
    jwks.write_text(json.dumps({"keys": [{**other, "kid": kid}]}))
    server = AdapterServer(build_servicer(fake_agency.profile(), fake_source, jwks))
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await pb_grpc.AgencyAdapterStub(channel).ListSubjectCases(
                    pb.ListSubjectCasesRequest(consent_token=genuine))
        _assert_refused(caught.value, grpc.StatusCode.UNAUTHENTICATED)
        assert "unknown key" in (caught.value.details() or "")
    finally:
        await server.stop(0)


async def test_without_a_custodian_key_the_adapter_refuses_rather_than_send_plaintext(
        fake_source: InMemoryCaseSource, issuer: ConsentTokenIssuer, tmp_path: Path) -> None:
    """A JWKS with the token keys but no custodian key: subject reads fail with
    FAILED_PRECONDITION / NO_CUSTODIAN_KEY; public lookups (nothing sensitive) still work."""
    jwks = tmp_path / "no-custodian.json"
    jwks.write_text(json.dumps(issuer.jwks()))
    server = AdapterServer(build_servicer(fake_agency.profile(), fake_source, jwks))
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = pb_grpc.AgencyAdapterStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await stub.ListSubjectCases(pb.ListSubjectCasesRequest(
                    consent_token=_token(issuer, ["FAK000001"])))
            lookup = await stub.LookupCases(pb.LookupCasesRequest(case_numbers=["FAK000001"]))
        assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert _reason(caught.value) == "NO_CUSTODIAN_KEY"
        assert "publishes no X25519 key" in (caught.value.details() or "")
        info = lookup.results[0].case_info
        assert info.case_number == "FAK000001" and info.office == "" and not info.sealed_fields
    finally:
        await server.stop(0)
