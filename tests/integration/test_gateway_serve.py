"""`caseline gateway serve`: the production entry point, as a real process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from aggregator.consent.vocabulary import Role
from deploy.processes.launcher import free_port
from gateway.auth import DevIssuer, SignedIn
from support.databases import fresh_database_url
from support.http_gateway import gateway_process
from support.pages import SESSION_COOKIE, session_cookie
from support.redis_limits import unique_limits

pytestmark = pytest.mark.integration


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, DevIssuer]]:
    """The gateway with one agency whose adapter is not running, and a token issuer."""
    with gateway_process(tmp_path, jwt_issuer="https://login.example") as gateway:
        yield gateway.base_url, gateway.issuer


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


def test_the_pages_sign_in_options_reach_the_pages(tmp_path: Path) -> None:
    """--session-secret-file signs the page sessions (a cookie made with it is honoured) and
    --oidc-issuer is where /sign-in goes (here nobody answers: a 502 page in words)."""
    secret = tmp_path / "session-secret"
    secret.write_bytes(b"x" * 32)
    nobody = f"http://127.0.0.1:{free_port()}"
    with gateway_process(tmp_path, "--oidc-issuer", nobody, "--oidc-client-id", "pages",
                         "--session-secret-file", str(secret)) as gateway:
        page = httpx.get(f"{gateway.base_url}/sign-in", timeout=30)
        cookie = session_cookie(b"x" * 32, SignedIn("ana", Role.APPLICANT, "Ana Morales"))
        home = httpx.get(f"{gateway.base_url}/", cookies={SESSION_COOKIE: cookie})
    assert page.status_code == 502 and "The sign-in service could not be reached" in page.text
    assert "Sign out Ana Morales" in home.text


async def test_two_gateway_processes_with_redis_limit_lookups_as_one(tmp_path: Path) -> None:
    """Two `caseline gateway serve --redis-url` processes with their own state directories:
    300 lookups (the burst) spread over both, then the next on either is RATE_LIMITED."""
    query = ("query ($n: [String!]!) { caseStatuses(numbers: $n) { ... on CaseLookupError "
             "{ code } } }")
    numbers = [f"IOE09{n:08d}" for n in range(100)]
    for replica in ("a", "b"):
        (tmp_path / replica).mkdir()
    async with unique_limits() as limits:
        redis = ("--redis-url", limits.url, "--redis-prefix", limits.prefix)
        with gateway_process(tmp_path / "a", *redis, state_dir=tmp_path / "state-a") as a, \
                gateway_process(tmp_path / "b", *redis, state_dir=tmp_path / "state-b") as b:
            async with httpx.AsyncClient(timeout=30) as client:
                for base, count in ((a.base_url, 100), (b.base_url, 100), (a.base_url, 100)):
                    body = (await client.post(f"{base}/graphql", json={
                        "query": query, "variables": {"n": numbers[:count]}})).json()
                    assert {r["code"] for r in body["data"]["caseStatuses"]} == {
                        "AGENCY_UNAVAILABLE"}, body
                for base in (a.base_url, b.base_url):
                    body = (await client.post(f"{base}/graphql", json={
                        "query": query, "variables": {"n": numbers[:1]}})).json()
                    assert body["data"]["caseStatuses"] == [{"code": "RATE_LIMITED"}], body
def test_on_postgres_a_schema_behind_is_refused_until_migrated(tmp_path: Path) -> None:
    """Replicas share a PostgreSQL schema: a gateway never migrates it under the others. One
    behind (here from before migrations) stops the start naming `caseline migrate`; once
    that ran, the gateway serves on it."""
    with fresh_database_url("postgresql", tmp_path) as url:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE store_version (id INTEGER NOT NULL PRIMARY KEY, "
                                 "version INTEGER NOT NULL)"))
        with pytest.raises(RuntimeError, match="run `caseline migrate"), \
                gateway_process(tmp_path, "--database-url", url):
            pass
        migrated = subprocess.run([sys.executable, "-m", "deploy.cli", "migrate",
                                   "--database-url", url], capture_output=True, text=True,
                                  check=False, timeout=120)
        assert migrated.returncode == 0, migrated.stderr
        with gateway_process(tmp_path, "--database-url", url) as gateway:
            ready = httpx.get(f"{gateway.base_url}/readyz", timeout=10)
        with engine.connect() as conn:
            accounts = sa.inspect(conn).has_table("accounts")
        engine.dispose()
    assert ready.status_code == 200, ready.text
    assert accounts
