"""The benchmark's adapter variants (bench/variant_adapters.py) are what they say: the
comparisons that measure sealing and mutual TLS lean on them now that production has no
switch for either. Real adapter processes over a small seeded demo state."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from types import ModuleType

import grpc
import pytest

from adapters.reference.catalog import REFERENCE_AGENCIES, synthetic
from adapters.reference.seed import seed_store
from aggregator.bootstrap import StatePaths, consent_issuer, consent_key
from aggregator.consent.tokens import ConsentTokenIssuer
from aggregator.vault import Keyring
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
from caseline.v1 import case_pb2
from deploy.demo.local_ca import ensure_demo_tls
from deploy.demo.state import DemoState

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
TODAY = date(2026, 11, 1)


def _bench_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


variant_adapters = _bench_module("variant_adapters")


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo state directory: seeded stores, the published JWKS and the demo's CA."""
    root = tmp_path_factory.mktemp("state")
    for agency in REFERENCE_AGENCIES:
        seed_store(DemoState(root).store(agency), agency, cases=20, seed=7, today=TODAY,
                   progress=False)
    consent_issuer(StatePaths(root))
    ensure_demo_tls(root, REFERENCE_AGENCIES)
    return root


@pytest.fixture(scope="module")
def courts_case() -> str:
    """A persona's courts case (with an office: a DETAILS field the adapter seals)."""
    return next(c.number for cs in synthetic("courts").persona_cases(TODAY).values() for c in cs)


def _request(state: Path, number: str) -> pb.ListSubjectCasesRequest:
    issuer = ConsentTokenIssuer(consent_key(StatePaths(state), Keyring.in_state_dir(state)))
    token = issuer.issue(agency_id="courts", subject="psn_bench", case_numbers=[number],
                         scopes=("STATUS", "DETAILS", "IDENTITY"), purpose="SELF_ACCESS",
                         consent_id="self")
    return pb.ListSubjectCasesRequest(consent_token=token)


def _mutual_tls(state: Path) -> grpc.ChannelCredentials:
    gateway = ensure_demo_tls(state, REFERENCE_AGENCIES).gateway
    return grpc.ssl_channel_credentials(
        root_certificates=gateway.ca.read_bytes(), private_key=gateway.key.read_bytes(),
        certificate_chain=gateway.cert.read_bytes())


async def _running(variant: str, state: Path) -> AsyncIterator[int]:
    running = await variant_adapters.start_variant_adapters(variant, state)
    try:
        assert set(running.ports) == set(REFERENCE_AGENCIES)
        yield running.ports["courts"]
    finally:
        await running.stop()


async def _case(channel: grpc.aio.Channel, request: pb.ListSubjectCasesRequest) -> case_pb2.Case:
    response = await pb_grpc.AgencyAdapterStub(channel).ListSubjectCases(request, timeout=10)
    return response.cases[0]


@pytest.mark.parametrize(("variant", "sealed"), [("baseline", True), ("unsealed", False)])
async def test_over_mutual_tls_an_adapter_seals_unless_it_is_the_unsealed_variant(
        state: Path, courts_case: str, variant: str, sealed: bool) -> None:
    """Baseline adapters seal the office (sealed field, wrapped data key); unsealed ones send
    it in plaintext. Both refuse a caller without a client certificate."""
    async for port in _running(variant, state):
        address = f"127.0.0.1:{port}"
        async with grpc.aio.secure_channel(address, _mutual_tls(state)) as channel:
            case = await _case(channel, _request(state, courts_case))
        assert case.HasField("data_key") is sealed
        assert bool(case.sealed_fields) is sealed
        assert (case.office == "") is sealed
        async with grpc.aio.insecure_channel(address) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await pb_grpc.AgencyAdapterStub(channel).Describe(pb.DescribeRequest(),
                                                                  timeout=5)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_the_plaintext_variant_serves_sealed_fields_without_tls(
        state: Path, courts_case: str) -> None:
    """Plaintext adapters answer a caller without TLS on loopback, and still seal."""
    async for port in _running("plaintext", state):
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            case = await _case(channel, _request(state, courts_case))
        assert case.HasField("data_key") and case.sealed_fields
        assert case.office == ""
