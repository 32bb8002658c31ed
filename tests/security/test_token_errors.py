"""Issue 12, item 7 (tokens): clients get one generic "invalid or expired token", the detail
goes to the log (not as an error); tokens living longer than the maximum are refused."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from aggregator.vault.key_files import load_or_create_ed25519
from gateway.auth import AUDIENCE, DEMO_ISSUER, TokenVerifier
from support.http_gateway import gateway_app, gateway_process, serving, uvicorn_logs_to

pytestmark = pytest.mark.integration

VIEWER = "{ viewer { subject } }"
GENERIC = "the bearer token is invalid or expired; sign in again"
GENERIC_ES = "el token de acceso no es válido o ha caducado; inicie sesión de nuevo"


def _token(key_path: Path, **claims: Any) -> str:
    now = int(time.time())
    base: dict[str, Any] = {"iss": DEMO_ISSUER, "aud": AUDIENCE, "sub": "ana",
                            "role": "applicant", "name": "Ana", "iat": now, "exp": now + 3600}
    base.update(claims)
    payload = {k: v for k, v in base.items() if v is not None}
    return jwt.encode(payload, load_or_create_ed25519(key_path), algorithm="EdDSA")


@pytest.fixture
async def gw(tmp_path: Path, caplog: pytest.LogCaptureFixture
             ) -> AsyncIterator[tuple[httpx.AsyncClient, Path]]:
    """A client of a gateway on a real server, and the path of its issuer's key; every log
    record is captured and none may be an error."""
    app, _ = gateway_app(tmp_path)
    caplog.set_level(logging.INFO)
    with uvicorn_logs_to(caplog.handler):
        async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
            yield client, tmp_path / "issuer.pem"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def _viewer(client: httpx.AsyncClient, token: str,
                  language: str = "en") -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": VIEWER}, headers={
        "Authorization": f"Bearer {token}", "Accept-Language": language})
    body: dict[str, Any] = response.json()
    return body


def _refused_with(body: dict[str, Any], text: str) -> None:
    error = body["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["message"] == text


def _logged(caplog: pytest.LogCaptureFixture, detail: str) -> None:
    records = [r for r in caplog.records if detail.lower() in r.getMessage().lower()]
    assert records, [r.getMessage() for r in caplog.records]
    assert all(logging.INFO <= r.levelno <= logging.WARNING for r in records)


async def test_forged_signature_is_generic_to_the_client_and_detailed_in_the_log(
        gw: tuple[httpx.AsyncClient, Path], tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    client, _ = gw
    forged = _token(tmp_path / "someone-else.pem")
    body = await _viewer(client, forged)
    _refused_with(body, GENERIC)
    assert "Signature" not in str(body)
    _logged(caplog, "Signature verification failed")
    _refused_with(await _viewer(client, forged, "es"), GENERIC_ES)


@pytest.mark.parametrize(("claims", "detail"), [
    ({"exp": int(time.time()) - 60}, "expired"),
    ({"aud": "another-service"}, "audience"),
    ({"iss": "https://elsewhere.example"}, "issuer"),
    ({"role": "admin"}, "role"),
    ({"iat": None}, "iat"),
])
async def test_every_kind_of_bad_token_gets_the_same_answer(
        gw: tuple[httpx.AsyncClient, Path], caplog: pytest.LogCaptureFixture,
        claims: dict[str, Any], detail: str) -> None:
    client, key = gw
    _refused_with(await _viewer(client, _token(key, **claims)), GENERIC)
    _logged(caplog, detail)


async def test_not_a_token_at_all(gw: tuple[httpx.AsyncClient, Path]) -> None:
    client, _ = gw
    _refused_with(await _viewer(client, "not.a.jwt"), GENERIC)


async def test_a_lifetime_over_24_hours_is_refused(
        gw: tuple[httpx.AsyncClient, Path], caplog: pytest.LogCaptureFixture) -> None:
    client, key = gw
    now = int(time.time())
    _refused_with(await _viewer(client, _token(key, iat=now, exp=now + 25 * 3600)), GENERIC)
    _logged(caplog, "exceeds the maximum of 86400 s")
    ok = await _viewer(client, _token(key, iat=now, exp=now + 24 * 3600))
    assert ok["data"] == {"viewer": {"subject": "ana"}}


async def test_the_demos_12_hour_tokens_still_work(tmp_path: Path) -> None:
    app, issuer = gateway_app(tmp_path)
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        body = await _viewer(client, issuer.issue("ana", "applicant", "Ana"))
    assert body["data"] == {"viewer": {"subject": "ana"}}


async def test_the_ledger_export_answers_the_same(gw: tuple[httpx.AsyncClient, Path],
                                                  tmp_path: Path) -> None:
    """The second place that reads a bearer token says no more than the first."""
    client, _ = gw
    forged = _token(tmp_path / "someone-else.pem", role="auditor")
    response = await client.get("/ledger/export", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.json() == {"error": GENERIC}


def test_the_maximum_is_a_setting(tmp_path: Path) -> None:
    key = load_or_create_ed25519(tmp_path / "issuer.pem")
    verifier = TokenVerifier(key.public_key(), max_lifetime_s=3600)
    now = int(time.time())
    assert verifier.verify(_token(tmp_path / "issuer.pem", exp=now + 3600)).subject == "ana"
    with pytest.raises(Exception, match="exceeds the maximum of 3600 s"):
        verifier.verify(_token(tmp_path / "issuer.pem", exp=now + 3601))


def test_gateway_serve_takes_the_maximum_as_an_option(tmp_path: Path) -> None:
    with gateway_process(tmp_path, "--max-token-lifetime", "3600") as gateway:
        def viewer(token: str) -> dict[str, Any]:
            body: dict[str, Any] = httpx.post(
                f"{gateway.base_url}/graphql", json={"query": VIEWER},
                headers={"Authorization": f"Bearer {token}"}, timeout=15).json()
            return body

        _refused_with(viewer(gateway.issuer.issue("ana", "applicant", "Ana")), GENERIC)
        short = gateway.issuer.issue("ana", "applicant", "Ana", ttl_s=1800)
        assert viewer(short)["data"] == {"viewer": {"subject": "ana"}}
