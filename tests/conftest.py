"""Fixtures shared across the suite: consent keys and real adapter servers on loopback."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from adapters.sdk import AdapterServer, InMemoryCaseSource, build_servicer
from aggregator.consent.tokens import ConsentTokenIssuer
from aggregator.vault.key_files import load_or_create_ed25519
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
from caseline.v1.lib.key_wrap import public_jwk
from support import fake_agency
from support.ledger_engines import ledger_url
from support.traces import spans
from support.xdist_units import slow_first

# Fixtures defined in support modules: every ledger test's storage, once per engine; spans
# kept in memory for the tracing tests.
__all__ = ["ledger_url", "spans"]


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: unknown without it
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """pyproject's addopts run two workers with ``--dist loadfile``, refined here:
    tests/browser's modules go to one worker as one unit (they share one session's demo and
    Chromium, tests/browser/conftest.py). (xdist's loadgroup would do this by mark, but it
    sets a node attribute pytest 9.2 no longer reads.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from support.xdist_units import ModuleScheduling

    return ModuleScheduling(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that start servers first (support/xdist_units.py says why); a stable sort, so
    each module's tests stay together and in order."""
    items.sort(key=lambda item: slow_first(item.nodeid))


def _env_pointing_into(name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    before = os.environ.get(name)
    os.environ[name] = str(tmp_path_factory.mktemp(name.lower()))
    yield
    if before is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = before


@pytest.fixture(autouse=True, scope="session")
def _private_config_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """`caseline audit verify` pins ledger keys in the user's configuration directory; the
    suite (and the subprocesses it starts) pins into a temporary one, never the real one."""
    yield from _env_pointing_into("XDG_CONFIG_HOME", tmp_path_factory)


@pytest.fixture(autouse=True, scope="session")
def _private_runtime_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Demos write a run file (where their state lives) under $XDG_RUNTIME_DIR; the suite's
    demos write theirs into a temporary one, never beside a demo the user runs."""
    yield from _env_pointing_into("XDG_RUNTIME_DIR", tmp_path_factory)


@pytest.fixture
def custodian() -> X25519PrivateKey:
    """The key custodian's private key; adapters wrap data keys to its public half."""
    return X25519PrivateKey.generate()


@pytest.fixture
def issuer(tmp_path: Path, custodian: X25519PrivateKey) -> ConsentTokenIssuer:
    """The aggregator's consent-token issuer with its JWKS (and the custodian's public key)
    published in tmp_path."""
    token_issuer = ConsentTokenIssuer(load_or_create_ed25519(tmp_path / "consent.pem"))
    token_issuer.write_jwks(tmp_path / "jwks.json", [public_jwk(custodian.public_key())])
    return token_issuer


@pytest.fixture
def jwks_path(issuer: ConsentTokenIssuer, tmp_path: Path) -> Path:
    """Path of the JWKS adapters verify consent tokens with."""
    return tmp_path / "jwks.json"


@pytest.fixture
def fake_source() -> InMemoryCaseSource:
    """Two fake cases: one received then RFE, one approved."""
    return InMemoryCaseSource([
        fake_agency.case("FAK000001", ["Case Was Received", "Request For Evidence Was Sent"]),
        fake_agency.case("FAK000002", ["Case Was Received", "Case Was Approved"]),
    ])


@pytest.fixture
async def fake_server(fake_source: InMemoryCaseSource,
                      jwks_path: Path) -> AsyncIterator[AdapterServer]:
    """A real gRPC adapter for the fake agency on a port the OS picks."""
    servicer = build_servicer(fake_agency.profile(), fake_source, jwks_path)
    servicer.clock = lambda: fake_agency.NOW  # the fake world's today: its deadlines are ahead
    server = AdapterServer(servicer)
    await server.start()
    yield server
    await server.stop(0)


@pytest.fixture
async def fake_stub(fake_server: AdapterServer) -> AsyncIterator[pb_grpc.AgencyAdapterStub]:
    """A client stub connected to ``fake_server``."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{fake_server.port}") as channel:
        yield pb_grpc.AgencyAdapterStub(channel)
