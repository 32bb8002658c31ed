"""GraphQL over HTTP's media types: the Accept negotiation as a function, then the status
codes and bodies of a production gateway (fake agencies) for each kind of failure under each
media type, and 406."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence

import httpx
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.config import parse_config
from aggregator.model import LookupOutcome
from gateway.app import GatewaySettings, create_app
from gateway.auth import TokenVerifier
from gateway.graphql_http import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    content_type,
    is_request_error,
    negotiate,
    shaped,
    status_code,
)
from support.fakes import fake_service
from support.http_gateway import NoCases

NEW = GRAPHQL_RESPONSE_JSON
CONFIG = parse_config({"agencies": [{
    "id": "fake", "name": "Fake Agency", "name_es": "Agencia Falsa", "address": "unused:1",
    "numbers": "^FAK", "number_format": "FAK and 6 digits (e.g. FAK123456)"}]})


@pytest.mark.parametrize(("accept", "chosen"), [
    (None, JSON),  # legacy clients send none
    ("", JSON),
    ("application/json", JSON),
    (NEW, NEW),
    ("*/*", JSON),
    ("*", JSON),
    ("application/*", JSON),
    (f"{NEW}, application/json;q=0.9", NEW),  # what the specification tells clients to send
    (f"{NEW}, application/json", NEW),  # a tie: the type named exactly, the new one
    (f"application/json, {NEW}", NEW),
    (f"{NEW};q=0.5, application/json", JSON),
    (f"{NEW};q=0.5, */*", JSON),
    ("application/json, */*;q=0.8", JSON),
    (f"{NEW}, */*;q=0.8", NEW),
    ("text/html, application/xhtml+xml, */*;q=0.8", JSON),  # a browser
    ("APPLICATION/GRAPHQL-RESPONSE+JSON ; charset=utf-8", NEW),
    (f"{NEW};q=1.0;foo=bar, application/json;q=0.1", NEW),
    ("application/*;q=0.2, application/json;q=0", NEW),  # json refused by its exact range
])
def test_negotiation(accept: str | None, chosen: str) -> None:
    """Highest quality first; on a tie the type named exactly, the new one if both are; a
    wildcard alone gives application/json."""
    assert negotiate(accept) == chosen


@pytest.mark.parametrize("accept", [
    "text/html", "image/png, text/*", "application/xml", "application/json;q=0",
    f"{NEW};q=0, application/json;q=0", "*/*;q=0", "application/json;q=2",
    "application/json;q=high", ",,,", "application/json;q=0.5" + ", x/y" * 2000])
def test_nothing_acceptable(accept: str) -> None:
    """A header that accepts neither JSON type (or that is malformed or oversized) gets
    None: the view answers 406."""
    assert negotiate(accept) is None


def test_request_errors_are_those_without_data_nor_paths() -> None:
    """A field error (it has a path) means execution ran, even with data null; errors
    without paths and no data mean it never did."""
    parse = {"data": None, "errors": [{"message": "Syntax Error", "locations": []}]}
    field = {"data": None, "errors": [{"message": "boom", "path": ["agencies"]}]}
    partial = {"data": {"a": 1}, "errors": [{"message": "x"}]}
    assert is_request_error(parse)
    assert not is_request_error(field) and not is_request_error(partial)
    assert not is_request_error({"data": {"a": 1}})
    assert shaped(NEW, parse) == {"errors": parse["errors"]}
    assert shaped(JSON, parse) == parse and shaped(NEW, field) == field
    assert status_code(NEW, shaped(NEW, parse)) == 400
    assert status_code(NEW, field) == 200 and status_code(JSON, {"errors": []}) == 200
    assert content_type(NEW) == f"{NEW}; charset=utf-8" and content_type(JSON) == JSON


class Failing(NoCases):
    """An agency whose every lookup fails inside: an unexpected error, to be masked."""

    async def lookup(self, numbers: Sequence[str], timeout: float) -> list[LookupOutcome]:
        raise RuntimeError("secret database path")


async def _client(adapter: NoCases) -> AsyncIterator[httpx.AsyncClient]:
    service = fake_service(CONFIG, {"fake": adapter})
    app = create_app(service, TokenVerifier(Ed25519PrivateKey.generate().public_key()),
                     GatewaySettings())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://gw") as client:
        yield client
    await service.close()


@pytest.fixture
async def gw() -> AsyncIterator[httpx.AsyncClient]:
    """A production-configured gateway (introspection off, errors masked)."""
    async for client in _client(NoCases()):
        yield client


PARSE = {"query": "{"}
VALIDATION = {"query": "{ noSuchField }"}
COERCION = {"query": "query Q($n: String!) { caseStatus(number: $n) { __typename } }",
            "variables": {"n": None}}
SUCCESS = {"query": "{ agencies { id } }"}
INTROSPECTION = {"query": '{ __type(name: "Query") { name } }'}


async def _post(client: httpx.AsyncClient, payload: Mapping[str, object],
                accept: str | None) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if accept is not None:
        headers["accept"] = accept
    return await client.post("/graphql", content=orjson.dumps(payload), headers=headers)


@pytest.mark.parametrize("payload", [PARSE, VALIDATION, COERCION, INTROSPECTION],
                         ids=["parse", "validation", "coercion", "introspection-off"])
async def test_request_errors_are_400_without_data_under_the_new_type(
        gw: httpx.AsyncClient, payload: Mapping[str, object]) -> None:
    """A document that does not parse or validate (production's refusal of introspection
    included) or variables that cannot be coerced: 400, errors, no ``data`` entry."""
    response = await _post(gw, payload, NEW)
    assert response.status_code == 400
    assert response.headers["content-type"] == f"{NEW}; charset=utf-8"
    body = response.json()
    assert "data" not in body and body["errors"][0]["message"]


@pytest.mark.parametrize("accept", [None, "application/json", "*/*"])
@pytest.mark.parametrize("payload", [PARSE, VALIDATION, COERCION],
                         ids=["parse", "validation", "coercion"])
async def test_application_json_clients_keep_200_with_data_null(
        gw: httpx.AsyncClient, payload: Mapping[str, object], accept: str | None) -> None:
    """Today's behaviour for application/json (asked for, by a wildcard, or by no Accept):
    200 and ``"data": null`` beside the errors."""
    response = await _post(gw, payload, accept)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["data"] is None and body["errors"]


@pytest.mark.parametrize(("accept", "media_type"), [
    (NEW, f"{NEW}; charset=utf-8"), (f"{NEW}, application/json;q=0.9", f"{NEW}; charset=utf-8"),
    ("application/json", "application/json")])
async def test_success_is_200_in_the_chosen_type(
        gw: httpx.AsyncClient, accept: str, media_type: str) -> None:
    """An executed operation is 200 with its data, in the type the client asked for."""
    response = await _post(gw, SUCCESS, accept)
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.json() == {"data": {"agencies": [{"id": "fake"}]}}


async def test_field_errors_keep_data_and_200_under_the_new_type(
        gw: httpx.AsyncClient) -> None:
    """Execution ran: a refused field is an error beside data, and the status is 200."""
    response = await _post(gw, {"query": "{ viewer { subject } }"}, NEW)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"viewer": None}
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_masking_holds_under_the_new_type() -> None:
    """Production masks an internal failure whichever media type the client asked for."""
    async for client in _client(Failing()):
        response = await _post(
            client, {"query": '{ caseStatus(number: "FAK000001") { __typename } }'}, NEW)
        assert response.status_code == 200
        assert response.json()["errors"][0]["message"] == "Unexpected error."
        assert "secret" not in response.text


@pytest.mark.parametrize(("language", "fragment"), [
    ("en", "ask for one of them in the Accept header"),
    ("es", "pida uno de ellos en la cabecera Accept")])
async def test_406_when_neither_type_is_acceptable(
        gw: httpx.AsyncClient, language: str, fragment: str) -> None:
    """An Accept that allows neither JSON type: 406 saying what is offered, in the client's
    language, and nothing executed."""
    response = await gw.post("/graphql", content=orjson.dumps(SUCCESS),
                             headers={"content-type": "application/json",
                                      "accept": "text/html", "accept-language": language})
    assert response.status_code == 406
    assert fragment in response.text and NEW in response.text
    assert "agencies" not in response.text
