"""Issue 12 item 2: bad requests cannot open an agency's circuit breaker for everyone.

Against a real adapter server: requests over gRPC's message limit, malformed and unauthorised
requests leave the breaker CLOSED and the next normal lookup is answered; an agency that has
spent its own quota (RESOURCE_EXHAUSTED with a quota ErrorInfo) does count.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from functools import partial
from pathlib import Path

import pytest

from adapters.sdk import (
    AdapterServer,
    CaseRecord,
    InMemoryCaseSource,
    ResourceExhaustedError,
    build_servicer,
)
from aggregator.federation.breaker import BreakerPolicy, CircuitBreaker
from aggregator.federation.client import AdapterClient
from aggregator.federation.fanout import AgencyCallError, Federation, RetryPolicy
from aggregator.federation.faults import counts_against_agency
from aggregator.model import AgencyFailure, Case
from aggregator.vault.opening import CaseOpener
from support import fake_agency

pytestmark = pytest.mark.integration

THRESHOLD = 5
OVER_GRPC_LIMIT = "FAK" + "0" * (4 * 1024 * 1024 + 16)  # past the server's 4 MiB default


class NoCustodian:
    """Lookups open nothing: any unwrap is a test failure."""

    def unwrap(self, wrapped: bytes, data_key_id: str, custodian_kid: str,
               place: tuple[str, ...]) -> bytes:
        raise AssertionError("a lookup asked to open a sealed field")


class QuotaSpent(InMemoryCaseSource):
    """An agency whose own back end has no capacity left."""

    def find_cases(self, numbers: Sequence[str], *, with_history: bool
                   ) -> dict[str, CaseRecord]:
        raise ResourceExhaustedError("the agency's daily lookup quota is spent",
                                     "QUOTA_EXCEEDED")


async def _serve(source: InMemoryCaseSource, jwks_path: Path) -> AdapterServer:
    server = AdapterServer(build_servicer(fake_agency.profile(), source, jwks_path))
    await server.start()
    return server


@pytest.fixture
async def client(fake_server: AdapterServer) -> AsyncIterator[AdapterClient]:
    """The aggregator's client for the fake agency's real adapter server."""
    adapter = AdapterClient("fake", f"127.0.0.1:{fake_server.port}", CaseOpener(NoCustodian()))
    yield adapter
    await adapter.close()


def _federation() -> Federation:
    return Federation(["fake"], retry=RetryPolicy(attempts=1),
                      breaker=BreakerPolicy(failure_threshold=THRESHOLD, reset_after_s=60))


async def _lookup(federation: Federation, client: AdapterClient, numbers: list[str]
                  ) -> object:
    return await federation.call("fake", partial(client.lookup, numbers),
                                 federation._clock() + 5)


async def test_oversized_and_invalid_requests_leave_the_breaker_closed(
        client: AdapterClient, fake_source: InMemoryCaseSource) -> None:
    federation = _federation()
    bad_requests = [[OVER_GRPC_LIMIT], ["FAK000001"] * 101, []]
    codes = []
    for numbers in bad_requests:
        for _ in range(THRESHOLD * 2):
            result = await _lookup(federation, client, numbers)
            assert isinstance(result, AgencyFailure), result
            codes.append(result.code)
    assert set(codes) == {"RESOURCE_EXHAUSTED", "INVALID_ARGUMENT"}, codes
    assert federation.breakers["fake"].state == "CLOSED"
    answer = await _lookup(federation, client, ["FAK000001"])
    assert isinstance(answer, list) and isinstance(answer[0], Case), answer
    assert answer[0].number == "FAK000001"


async def test_an_unauthenticated_subject_request_does_not_count(
        client: AdapterClient) -> None:
    federation = _federation()
    for _ in range(THRESHOLD * 2):
        result = await federation.call(
            "fake", partial(client.subject_cases, "not-a-token", release=None),  # type: ignore[arg-type]
            federation._clock() + 5)
        assert isinstance(result, AgencyFailure) and result.code == "UNAUTHENTICATED", result
    assert federation.breakers["fake"].state == "CLOSED"


async def test_an_agency_out_of_its_own_quota_opens_its_breaker(jwks_path: Path) -> None:
    server = await _serve(QuotaSpent([fake_agency.case("FAK000001", ["Case Was Received"])]),
                          jwks_path)
    adapter = AdapterClient("fake", f"127.0.0.1:{server.port}", CaseOpener(NoCustodian()))
    try:
        federation = _federation()
        for _ in range(THRESHOLD):
            result = await _lookup(federation, adapter, ["FAK000001"])
            assert isinstance(result, AgencyFailure) and result.code == "RESOURCE_EXHAUSTED"
        assert federation.breakers["fake"].state == "OPEN"
        result = await _lookup(federation, adapter, ["FAK000001"])
        assert isinstance(result, AgencyFailure) and result.code == "CIRCUIT_OPEN"
    finally:
        await adapter.close()
        await server.stop(0)


async def test_the_quota_reason_reaches_the_aggregator(jwks_path: Path) -> None:
    """The ErrorInfo reason is read from the call's trailing metadata."""
    server = await _serve(QuotaSpent([]), jwks_path)
    adapter = AdapterClient("fake", f"127.0.0.1:{server.port}", CaseOpener(NoCustodian()))
    try:
        with pytest.raises(AgencyCallError) as raised:
            await adapter.lookup(["FAK000001"], 5)
        assert (raised.value.code, raised.value.reason) == ("RESOURCE_EXHAUSTED",
                                                            "QUOTA_EXCEEDED")
        assert raised.value.agency_at_fault
    finally:
        await adapter.close()
        await server.stop(0)


@pytest.mark.parametrize(("code", "reason", "message", "counts"), [
    ("UNAVAILABLE", "", "failed to connect to all addresses", True),
    ("DEADLINE_EXCEEDED", "", "Deadline Exceeded", True),
    ("INTERNAL", "", "", True),
    ("UNKNOWN", "", "Exception calling application", True),
    ("DATA_LOSS", "", "", True),
    ("FAILED_PRECONDITION", "NO_CUSTODIAN_KEY", "cannot seal sensitive fields", True),
    ("FAILED_PRECONDITION", "CASE_CLOSED", "the case is closed", False),
    ("RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "daily quota spent", True),
    ("RESOURCE_EXHAUSTED", "RATE_LIMIT_EXCEEDED", "", True),
    ("RESOURCE_EXHAUSTED", "", "Concurrent RPC limit exceeded!", True),
    ("RESOURCE_EXHAUSTED", "", "Received message larger than max (4194330 vs. 4194304)",
     False),
    ("RESOURCE_EXHAUSTED", "", "Sent message larger than max (5000000 vs. 4194304)", False),
    ("RESOURCE_EXHAUSTED", "ACCESS_CODE_ATTEMPTS", "too many attempts for this case", False),
    ("INVALID_ARGUMENT", "INVALID_NUMBER", "", False),
    ("INVALID_ARGUMENT", "BATCH_TOO_LARGE", "", False),
    ("OUT_OF_RANGE", "", "", False),
    ("NOT_FOUND", "", "", False),
    ("PERMISSION_DENIED", "CONSENT_SCOPE_MISSING", "", False),
    ("UNAUTHENTICATED", "CONSENT_TOKEN_EXPIRED", "", False),
    ("CANCELLED", "", "", False),
    ("UNIMPLEMENTED", "", "", False),
    ("UNKNOWN", "CONSENT_TOKEN_MALFORMED", "", False),
])
def test_classification(code: str, reason: str, message: str, counts: bool) -> None:
    assert counts_against_agency(code, reason, message) is counts


def test_a_request_error_hands_back_a_half_open_trial_without_closing() -> None:
    now = [0.0]
    breaker = CircuitBreaker(BreakerPolicy(failure_threshold=1, reset_after_s=5),
                             clock=lambda: now[0])
    breaker.record_failure()
    assert breaker.state == "OPEN"
    now[0] = 6.0
    assert breaker.allow()  # the trial
    assert not breaker.allow()  # one at a time
    breaker.release()  # the trial's request was bad: it says nothing either way
    assert breaker.state == "HALF_OPEN"
    assert breaker.allow()  # the next call may try
    breaker.record_failure()
    assert breaker.state == "OPEN"


async def test_federation_releases_the_trial_on_a_request_error() -> None:
    now = [0.0]
    federation = Federation(["a"], retry=RetryPolicy(attempts=1),
                            breaker=BreakerPolicy(failure_threshold=1, reset_after_s=5),
                            clock=lambda: now[0])

    async def refused(timeout: float) -> str:
        raise AgencyCallError("INVALID_ARGUMENT", "case_numbers: bad", "INVALID_ARGUMENT")

    async def down(timeout: float) -> str:
        raise AgencyCallError("UNAVAILABLE", "failed to connect")

    async def ok(timeout: float) -> str:
        return "ok"

    await federation.call("a", down, 10)
    assert federation.breakers["a"].state == "OPEN"
    now[0] = 6.0
    result = await federation.call("a", refused, 10)
    assert isinstance(result, AgencyFailure) and result.code == "INVALID_ARGUMENT"
    assert federation.breakers["a"].state == "HALF_OPEN"  # neither closed nor reopened
    assert await federation.call("a", ok, 10) == "ok"
    assert federation.breakers["a"].state == "CLOSED"
