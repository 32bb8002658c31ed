"""Issue 12, item 3: request bodies over a limit are refused with 413 before they are read
whole, whether their size is declared (Content-Length) or streamed (chunked)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from gateway.app import GatewaySettings
from gateway.bodylimit import DEFAULT_MAX_BODY_BYTES
from support.http_gateway import (
    gateway_app,
    gateway_process,
    raw_exchange,
    serving,
    uvicorn_logs_to,
)

pytestmark = pytest.mark.integration

QUERY = '{ caseStatus(number: "FAK000001") { __typename } }'


@pytest.fixture
async def base_url(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> AsyncIterator[str]:
    """A gateway with the default limit on a real server; nothing may be logged as an error."""
    app, _ = gateway_app(tmp_path)
    with uvicorn_logs_to(caplog.handler):
        async with serving(app) as url:
            yield url
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _response(raw: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body)


def _refusal(body: dict[str, object], limit: int) -> None:
    error = body["errors"][0]  # type: ignore[index]
    assert error["extensions"] == {"code": "BODY_TOO_LARGE", "maxBodyBytes": limit}
    assert f"limit of {limit} bytes" in error["message"]


def test_the_default_limit_is_256_kb() -> None:
    assert DEFAULT_MAX_BODY_BYTES == GatewaySettings().max_body_bytes == 256 * 1024


async def test_declared_size_over_the_limit_is_refused_before_the_body_is_sent(
        base_url: str) -> None:
    """16 MB declared and not one byte sent: the answer comes at once, so nothing waited for
    (or read) the body."""
    head = (b"POST /graphql HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
            b"Content-Length: 16777216\r\n\r\n")
    status, body = _response(await raw_exchange(base_url, head))
    assert status == 413
    _refusal(body, DEFAULT_MAX_BODY_BYTES)


async def test_streamed_body_is_refused_as_soon_as_it_passes_the_limit(base_url: str) -> None:
    """A chunked body, never finished: refused once its bytes pass the limit."""
    head = (b"POST /graphql HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b" " * 16384
    parts = [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * (DEFAULT_MAX_BODY_BYTES // len(chunk) + 1)
    status, body = _response(await raw_exchange(base_url, head, parts))
    assert status == 413
    _refusal(body, DEFAULT_MAX_BODY_BYTES)


async def test_every_route_is_covered(base_url: str) -> None:
    head = (b"POST /ledger/export HTTP/1.1\r\nHost: gw\r\n"
            b"Content-Length: 300000\r\n\r\n")
    status, _ = _response(await raw_exchange(base_url, head))
    assert status == 413


async def test_bodies_within_the_limit_are_served(base_url: str) -> None:
    """Just under the limit (whitespace is not a token), a query is answered as always."""
    padded = json.dumps({"query": QUERY + " " * (DEFAULT_MAX_BODY_BYTES - 200)})
    assert len(padded) <= DEFAULT_MAX_BODY_BYTES
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{base_url}/graphql", content=padded,
                                     headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.json()["data"]["caseStatus"]["__typename"] == "CaseLookupError"


async def test_the_refusal_is_in_the_readers_language(base_url: str) -> None:
    head = (b"POST /graphql HTTP/1.1\r\nHost: gw\r\nAccept-Language: es\r\n"
            b"Content-Length: 16777216\r\n\r\n")
    _, body = _response(await raw_exchange(base_url, head))
    assert body["errors"][0]["message"].startswith(  # type: ignore[index]
        "el cuerpo de la solicitud supera el límite de 262144 bytes")


async def test_the_limit_is_a_setting(tmp_path: Path) -> None:
    app, _ = gateway_app(tmp_path, GatewaySettings(max_body_bytes=4096))
    async with serving(app) as url, httpx.AsyncClient() as client:
        small = await client.post(f"{url}/graphql", json={"query": QUERY})
        large = await client.post(f"{url}/graphql", json={"query": QUERY + " " * 5000})
    assert small.status_code == 200
    assert large.status_code == 413
    _refusal(large.json(), 4096)


def test_gateway_serve_takes_the_limit_as_an_option(tmp_path: Path) -> None:
    with gateway_process(tmp_path, "--max-body-bytes", "2048") as gateway:
        response = httpx.post(f"{gateway.base_url}/graphql",
                              json={"query": QUERY + " " * 3000})
    assert response.status_code == 413
    _refusal(response.json(), 2048)
