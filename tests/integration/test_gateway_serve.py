"""`caseline gateway serve`: the production entry point, as a real process."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from aggregator.keys import load_or_create_ed25519
from deploy.launcher import free_port
from gateway.auth import DevIssuer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, DevIssuer]]:
    """The gateway with one agency whose adapter is not running, and a token issuer."""
    agency_port = free_port()
    config = tmp_path / "agencies.toml"
    config.write_text(f"""
[federation]
deadline_ms = 500
[[agencies]]
id = "immigration"
name = "USCIS"
address = "127.0.0.1:{agency_port}"
numbers = '^[A-Z]{{3}}'
number_format = "3 letters and 10 digits"
""")
    key = load_or_create_ed25519(tmp_path / "issuer.pem")
    public = tmp_path / "issuer.pub.pem"
    public.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    port = free_port()
    log = (tmp_path / "gateway.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "deploy.cli", "gateway", "serve", "--config", str(config),
         "--state-dir", str(tmp_path / "state"), "--jwt-public-key", str(public),
         "--jwt-issuer", "https://login.example", "--port", str(port)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            break
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                log.close()
                raise RuntimeError((tmp_path / "gateway.log").read_text()) from None
            time.sleep(0.1)
    try:
        yield base, DevIssuer(key)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_production_defaults_hold(served: tuple[str, DevIssuer]) -> None:
    """No GraphiQL page, no introspection, and a lookup at a down agency is AGENCY_UNAVAILABLE."""
    base, _ = served
    assert httpx.get(f"{base}/graphql", headers={"Accept": "text/html"}).status_code != 200
    intro = httpx.post(f"{base}/graphql", json={"query": "{ __schema { types { name } } }"})
    assert "introspection" in intro.json()["errors"][0]["message"].lower()
    lookup = httpx.post(f"{base}/graphql", json={"query": (
        '{ caseStatus(number: "IOE0912345678") { ... on CaseLookupError { code message } } }')})
    assert lookup.json()["data"]["caseStatus"]["code"] == "AGENCY_UNAVAILABLE", lookup.json()


def test_tokens_from_another_issuer_are_refused(served: tuple[str, DevIssuer]) -> None:
    """The demo issuer's tokens are not accepted by a gateway configured for a real issuer."""
    base, issuer = served
    token = issuer.issue("ana", "applicant", "Ana")  # iss is caseline-demo, not the configured one
    body = httpx.post(f"{base}/graphql", json={"query": "{ viewer { subject } }"},
                      headers={"Authorization": f"Bearer {token}"}).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["errors"][0]["message"] == "the bearer token is invalid or expired; sign in again"
