"""Gateway <-> adapter traffic is mutual TLS: adapters accept only client certificates from the
aggregator's CA, the gateway only adapters whose certificate chains to the agency's CA, and
plaintext is for loopback addresses alone."""

from __future__ import annotations

import dataclasses
import re
import stat
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from adapters.reference.catalog import REFERENCE_AGENCIES
from adapters.sdk import (
    AdapterServer,
    InMemoryCaseSource,
    PlaintextRefusedError,
    ServerTLS,
    build_servicer,
)
from adapters.sdk.transport import ClientTLS, check_listen_address
from aggregator.bootstrap import bootstrap
from aggregator.config import AgencyConfig, AggregatorConfig, load_config, parse_config
from aggregator.federation.client import AdapterClient
from aggregator.federation.fanout import AgencyCallError
from aggregator.federation.transport import ClientIdentity, TransportError, channel_credentials
from aggregator.model import Case
from aggregator.vault.key_files import load_or_create_ed25519
from aggregator.vault.opening import CaseOpener
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
from deploy.cli import main as cli
from deploy.demo.local_ca import LocalCA, LocalCAError, TLSFiles, ensure_demo_tls
from gateway.app import GatewaySettings, create_app
from gateway.auth import TokenVerifier
from support import fake_agency
from support.demo_process import start_demo

pytestmark = pytest.mark.integration

LOOKUP = ('{ caseStatus(number: "FAK000001") { __typename ... on CaseStatus { category } '
          "... on CaseLookupError { code message } } }")


class Recorder(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    """An agency's own interceptor: notes every call that reaches the server's handlers."""

    def __init__(self) -> None:
        self.methods: list[str] = []

    async def intercept_service(
            self, continuation: Callable[[grpc.HandlerCallDetails],
                                         Awaitable[grpc.RpcMethodHandler[Any, Any]]],
            handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler[Any, Any]:
        self.methods.append(handler_call_details.method)
        return await continuation(handler_call_details)


@dataclass
class Pki:
    """The aggregator's CA (which also issues the adapter's certificate here) and another."""

    adapter: TLSFiles
    gateway: TLSFiles
    stranger: TLSFiles  # a client certificate from another CA
    other_ca: Path


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    ours = LocalCA(tmp_path / "ours")
    other = LocalCA(tmp_path / "other")
    return Pki(adapter=ours.issue("adapter", "fake adapter", server=True),
               gateway=ours.issue("gateway", "gateway", server=False),
               stranger=other.issue("gateway", "someone else", server=False),
               other_ca=other.cert_path)


@dataclass
class Served:
    server: AdapterServer
    recorder: Recorder

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.port}"


@pytest.fixture
async def served(pki: Pki, fake_source: InMemoryCaseSource, jwks_path: Path
                 ) -> AsyncIterator[Served]:
    """The fake agency's adapter serving mutual TLS on a loopback port, with an interceptor."""
    recorder = Recorder()
    tls = ServerTLS.from_files(pki.adapter.cert, pki.adapter.key, pki.adapter.ca)
    server = AdapterServer(build_servicer(fake_agency.profile(), fake_source, jwks_path),
                           tls=tls, interceptors=[recorder])
    await server.start()
    yield Served(server, recorder)
    await server.stop(0)


class NoCustodian:
    """Public lookups carry no sealed fields, so nothing is ever unwrapped here."""

    def unwrap(self, wrapped: bytes, data_key_id: str, custodian_kid: str,
               place: tuple[str, ...]) -> bytes:
        raise AssertionError("a public lookup opened a sealed field")


def _agency(address: str, ca: Path | None) -> AgencyConfig:
    config = parse_config({"agencies": [{
        "id": "fake", "name": "Fake Agency", "address": address, "numbers": "^FAK",
        "number_format": "FAK and 6 digits (e.g. FAK123456)"}]})
    return dataclasses.replace(config.agencies[0], ca=ca)


def _gateway_client(address: str, ca: Path, identity: TLSFiles) -> AdapterClient:
    credentials = channel_credentials(_agency(address, ca),
                                      ClientIdentity.from_files(identity.cert, identity.key))
    return AdapterClient("fake", address, CaseOpener(NoCustodian()),
                         credentials)


async def _describe(address: str, credentials: grpc.ChannelCredentials | None
                    ) -> pb.DescribeResponse:
    channel = (grpc.aio.secure_channel(address, credentials) if credentials
               else grpc.aio.insecure_channel(address))
    async with channel:
        return await pb_grpc.AgencyAdapterStub(channel).Describe(pb.DescribeRequest(),
                                                                 timeout=5)


async def test_the_gateways_certificate_gets_answers(served: Served, pki: Pki) -> None:
    client = _gateway_client(served.address, pki.adapter.ca, pki.gateway)
    try:
        (outcome,) = await client.lookup(["FAK000001"], timeout=5)
    finally:
        await client.close()
    assert isinstance(outcome, Case) and outcome.number == "FAK000001"
    assert served.recorder.methods == ["/caseline.v1.AgencyAdapter/LookupCases"]


@pytest.mark.parametrize("who", ["no client certificate", "a certificate from another CA",
                                 "plaintext"])
async def test_other_clients_are_refused_at_the_handshake(served: Served, pki: Pki,
                                                          who: str) -> None:
    ca = pki.adapter.ca.read_bytes()
    credentials = {
        "no client certificate": grpc.ssl_channel_credentials(root_certificates=ca),
        "a certificate from another CA": grpc.ssl_channel_credentials(
            root_certificates=ca, private_key=pki.stranger.key.read_bytes(),
            certificate_chain=pki.stranger.cert.read_bytes()),
        "plaintext": None,
    }[who]
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await _describe(served.address, credentials)
    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
    # Refused before any request reached the adapter's handlers (or the agency's own
    # interceptor): the connection never got past the handshake.
    assert served.recorder.methods == []
    assert (await _describe(served.address, ClientTLS.from_files(
        pki.gateway.cert, pki.gateway.key, pki.adapter.ca).credentials())).agency_id == "fake"


async def test_an_adapter_certificate_from_the_wrong_ca_is_not_trusted(served: Served,
                                                                       pki: Pki) -> None:
    client = _gateway_client(served.address, pki.other_ca, pki.gateway)
    try:
        with pytest.raises(AgencyCallError) as raised:
            await client.lookup(["FAK000001"], timeout=5)
    finally:
        await client.close()
    assert raised.value.code == "UNAVAILABLE"
    assert served.recorder.methods == []


async def _lookup_through_gateway(tmp_path: Path, config: AggregatorConfig,
                                  identity: TLSFiles) -> dict[str, Any]:
    service = bootstrap(config, tmp_path / "state",
                        client_identity=ClientIdentity.from_files(identity.cert, identity.key))
    verifier = TokenVerifier(load_or_create_ed25519(tmp_path / "issuer.pem").public_key())
    app = create_app(service, verifier, GatewaySettings())
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://gw") as http:
            response = await http.post("/graphql", json={"query": LOOKUP})
    finally:
        await service.close()
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()["data"]["caseStatus"]
    return answer


async def test_a_wrong_ca_reaches_the_applicant_as_an_unavailable_agency(
        served: Served, pki: Pki, tmp_path: Path) -> None:
    config = AggregatorConfig((_agency(served.address, pki.other_ca),), deadline_s=2.0)
    answer = await _lookup_through_gateway(tmp_path, config, pki.gateway)
    assert answer["__typename"] == "CaseLookupError"
    assert answer["code"] == "AGENCY_UNAVAILABLE", answer
    # ... while the right CA, same gateway, same adapter, answers.
    config = AggregatorConfig((_agency(served.address, pki.adapter.ca),), deadline_s=2.0)
    answer = await _lookup_through_gateway(tmp_path, config, pki.gateway)
    assert answer["__typename"] == "CaseStatus", answer


def test_plaintext_is_refused_on_addresses_other_machines_reach(
        fake_source: InMemoryCaseSource, jwks_path: Path, pki: Pki) -> None:
    servicer = build_servicer(fake_agency.profile(), fake_source, jwks_path)
    for host in ("0.0.0.0", "10.1.2.3", "::", "adapter.agency.example", ""):
        with pytest.raises(PlaintextRefusedError, match="loopback"):
            AdapterServer(servicer, host=host)  # refused before anything binds
    for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"):
        check_listen_address(host, None)
    tls = ServerTLS.from_files(pki.adapter.cert, pki.adapter.key, pki.adapter.ca)
    check_listen_address("0.0.0.0", tls)  # with mutual TLS any address will do


def test_adapter_run_refuses_plaintext_on_a_public_address(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["adapter", "run", "immigration", "--host", "0.0.0.0",
                                      "--state-dir", str(tmp_path)])
    assert result.exit_code != 0
    assert "refusing to serve plaintext gRPC on 0.0.0.0" in result.output
    assert "--tls-cert, --tls-key and --tls-ca" in result.output
    partial = CliRunner().invoke(cli, ["adapter", "run", "immigration", "--tls-cert",
                                       str(Path(__file__)), "--state-dir", str(tmp_path)])
    assert partial.exit_code != 0
    assert "missing --tls-key, --tls-ca" in partial.output


def test_the_gateway_refuses_plaintext_to_another_machine_and_tls_without_a_certificate(
        pki: Pki) -> None:
    identity = ClientIdentity.from_files(pki.gateway.cert, pki.gateway.key)
    with pytest.raises(TransportError, match="has no 'ca'"):
        channel_credentials(_agency("adapter.agency.example:443", None), identity)
    with pytest.raises(TransportError, match="--tls-cert and --tls-key"):
        channel_credentials(_agency("adapter.agency.example:443", pki.adapter.ca), None)
    assert channel_credentials(_agency("127.0.0.1:50051", None), None) is None
    with pytest.raises(TransportError, match="does not belong"):
        ClientIdentity.from_files(pki.gateway.cert, pki.stranger.key)


def test_registry_ca_paths_are_relative_to_the_registry_file(tmp_path: Path) -> None:
    registry = tmp_path / "conf" / "agencies.toml"
    registry.parent.mkdir()
    registry.write_text("""
[[agencies]]
id = "fake"
name = "Fake"
address = "adapter.agency.example:443"
numbers = '^FAK'
number_format = "FAK and 6 digits"
ca = "tls/fake-ca.pem"
""")
    assert load_config(registry).agency("fake").ca == tmp_path / "conf" / "tls" / "fake-ca.pem"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_demo_ca_is_made_once_with_private_keys(tmp_path: Path) -> None:
    first = ensure_demo_tls(tmp_path, REFERENCE_AGENCIES)
    files = [first.gateway, *first.adapters.values()]
    assert sorted(first.adapters) == sorted(REFERENCE_AGENCIES)
    ca = x509.load_pem_x509_certificate(first.ca.read_bytes())
    assert _mode(tmp_path / "tls" / "ca.key") == 0o600
    for issued in files:
        assert _mode(issued.key) == 0o600
        cert = x509.load_pem_x509_certificate(issued.cert.read_bytes())
        cert.verify_directly_issued_by(ca)
    names = x509.load_pem_x509_certificate(first.adapters["courts"].cert.read_bytes()
                                           ).extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert "127.0.0.1" in {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}
    before = {p: p.read_bytes() for f in files for p in (f.cert, f.key, f.ca)}
    again = ensure_demo_tls(tmp_path, REFERENCE_AGENCIES)
    assert again == first
    assert {p: p.read_bytes() for p in before} == before, "a later run reuses them"


@pytest.fixture(scope="module")
def demo_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A real `caseline demo` (small data set): its state directory and banner."""
    running = start_demo(tmp_path_factory.mktemp("state"), "--cases", "50")
    try:
        yield running.state_dir, "".join(running.output)
    finally:
        assert running.stop() == 0


async def test_the_demo_runs_its_adapters_with_mutual_tls(demo_state: tuple[Path, str]) -> None:
    state, banner = demo_state
    tls = state / "tls"
    for key in tls.glob("*.key"):
        assert _mode(key) == 0o600, key
    assert {p.name for p in tls.glob("*.pem")} >= {
        "ca.pem", "gateway.pem", *(f"adapter-{a}.pem" for a in REFERENCE_AGENCIES)}
    ports = dict(re.findall(r"(immigration|labor|courts) 127\.0\.0\.1:(\d+)", banner))
    assert sorted(ports) == sorted(REFERENCE_AGENCIES), banner
    for agency, port in ports.items():
        address = f"127.0.0.1:{port}"
        with pytest.raises(grpc.aio.AioRpcError):
            await _describe(address, None)  # plaintext is not served
        with pytest.raises(grpc.aio.AioRpcError):
            await _describe(address, grpc.ssl_channel_credentials((tls / "ca.pem").read_bytes()))
        gateway = ClientTLS.from_files(tls / "gateway.pem", tls / "gateway.key", tls / "ca.pem")
        assert (await _describe(address, gateway.credentials())).agency_id == agency


def test_adapter_check_speaks_mutual_tls(demo_state: tuple[Path, str]) -> None:
    state, banner = demo_state
    tls = state / "tls"
    port = re.findall(r"labor 127\.0\.0\.1:(\d+)", banner)[0]
    checked = CliRunner().invoke(cli, [
        "adapter", "check", f"127.0.0.1:{port}", "--tls-cert", str(tls / "gateway.pem"),
        "--tls-key", str(tls / "gateway.key"), "--tls-ca", str(tls / "ca.pem"),
        "--state-dir", str(state)])
    assert checked.exit_code == 0, checked.output
    assert " 0 failed" in checked.output
    assert "ok   status_only_consent_releases_no_details" in checked.output
    plaintext = CliRunner().invoke(cli, ["adapter", "check", f"127.0.0.1:{port}"])
    assert plaintext.exit_code == 1
    assert "Describe failed: UNAVAILABLE" in plaintext.output


def test_gateway_serve_without_a_client_certificate_for_a_tls_agency_says_so(
        tmp_path: Path, pki: Pki) -> None:
    registry = tmp_path / "agencies.toml"
    registry.write_text(f"""
[[agencies]]
id = "fake"
name = "Fake"
address = "127.0.0.1:1"
numbers = '^FAK'
number_format = "FAK and 6 digits"
ca = "{pki.adapter.ca}"
""")
    public = tmp_path / "issuer.pub.pem"
    public.write_bytes(load_or_create_ed25519(tmp_path / "issuer.pem").public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    args = ["gateway", "serve", "--config", str(registry), "--state-dir", str(tmp_path / "s"),
            "--jwt-public-key", str(public), "--jwt-issuer", "https://login.example"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0
    assert "give --tls-cert and --tls-key" in result.output
    result = CliRunner().invoke(cli, [*args, "--tls-cert", str(pki.gateway.cert), "--tls-key",
                                      str(pki.stranger.key)])
    assert result.exit_code != 0
    assert "does not belong to the certificate" in result.output
    assert not (tmp_path / "s").exists(), "refused before anything was created"


def test_a_damaged_demo_key_is_a_clear_error(tmp_path: Path) -> None:
    ensure_demo_tls(tmp_path, ["labor"])
    (tmp_path / "tls" / "adapter-labor.key").write_text("not a key")
    with pytest.raises(LocalCAError, match=r"adapter-labor.key is not an unencrypted PEM"):
        ensure_demo_tls(tmp_path, ["labor"])


class RequireHeader(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    """An agency's own rule: calls without its x-agency-key header are refused."""

    async def intercept_service(
            self, continuation: Callable[[grpc.HandlerCallDetails],
                                         Awaitable[grpc.RpcMethodHandler[Any, Any]]],
            handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler[Any, Any]:
        if ("x-agency-key", "open-sesame") in (handler_call_details.invocation_metadata or ()):
            return await continuation(handler_call_details)

        async def refuse(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> None:
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, "no agency key")

        return grpc.unary_unary_rpc_method_handler(refuse)


async def test_an_agencys_own_interceptor_decides(fake_source: InMemoryCaseSource,
                                                  jwks_path: Path) -> None:
    server = AdapterServer(build_servicer(fake_agency.profile(), fake_source, jwks_path),
                           interceptors=[RequireHeader()])
    port = await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.AgencyAdapterStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await stub.Describe(pb.DescribeRequest(), timeout=5)
            assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
            answer = await stub.Describe(pb.DescribeRequest(), timeout=5,
                                         metadata=(("x-agency-key", "open-sesame"),))
            assert answer.agency_id == "fake"
    finally:
        await server.stop(0)
