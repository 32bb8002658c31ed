"""Issue 12, item 5: malformed request bodies get a 4xx with a one-line reason, and nothing
is logged as an unexpected error (each of these was a 500 with a traceback)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from support.http_gateway import gateway_app, serving, uvicorn_logs_to

pytestmark = pytest.mark.integration

LOOKUP = "query($n: String!) { caseStatus(number: $n) { __typename } }"
IN_LANGUAGE = ('query($l: Language) { caseStatus(number: \\"FAK000001\\", language: $l) '
               '{ __typename } }')

BODIES: dict[str, tuple[bytes, str]] = {
    # name: (body, what the one-line reason must say)
    "null": (b"null", "expected a JSON object"),
    "string": (b'"x"', "expected a JSON object"),
    "number": (b"123", "expected a JSON object"),
    "utf8_in_query": (b'{"query": "{ agencies { name \xff } }"}', "not valid JSON"),
    "utf8_in_variable": (b'{"query": "' + LOOKUP.encode() + b'", "variables": {"n": "\xff"}}',
                         "not valid JSON"),
    "nested_100000_deep": (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    "surrogate_operation_name": (b'{"query": "{ agencies { name } }", '
                                 b'"operationName": "\\ud800"}', "not valid JSON"),
    "surrogate_language": (b'{"query": "' + IN_LANGUAGE.encode() + b'", '
                           b'"variables": {"l": "\\ud800"}}', "not valid JSON"),
}


@pytest.fixture
async def client(tmp_path: Path, caplog: pytest.LogCaptureFixture
                 ) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a gateway on a real server, with every log record captured."""
    app, _ = gateway_app(tmp_path)
    caplog.set_level(logging.INFO)
    with uvicorn_logs_to(caplog.handler):
        async with serving(app) as url, httpx.AsyncClient(base_url=url) as http:
            yield http


@pytest.mark.parametrize("name", sorted(BODIES))
async def test_malformed_body_is_a_4xx_with_a_one_line_reason(
        name: str, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    body, reason = BODIES[name]
    response = await client.post("/graphql", content=body,
                                 headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert reason in response.text
    assert "\n" not in response.text.strip()
    assert "Traceback" not in response.text
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


async def test_the_same_gateway_still_serves_a_good_request(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": LOOKUP,
                                                   "variables": {"n": "FAK000001"}})
    assert response.status_code == 200
    assert response.json()["data"]["caseStatus"]["__typename"] == "CaseLookupError"
