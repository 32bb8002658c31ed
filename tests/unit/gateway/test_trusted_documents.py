"""Trusted documents at request time: what a request names, what runs, what is refused and
how (code, language, status), through the gateway's HTTP view."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.app import GatewaySettings
from gateway.trusted_documents import CODES, Refusal, resolve
from gateway.trusted_manifest import TrustedDocuments
from support.http_gateway import gateway_app

LOOKUP = ('query Lookup($n: String!) { caseStatus(number: $n) { __typename '
          '... on CaseLookupError { code } } }')
UNTRUSTED = "{ caseStatus(number: \"FAK123456\") { __typename } }"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


TRUSTED = TrustedDocuments({_sha(LOOKUP): LOOKUP})


# --- resolve: plain data ------------------------------------------------------------------

def test_trusted_text_runs_as_sent() -> None:
    assert resolve(TRUSTED, LOOKUP, None, None) == LOOKUP


@pytest.mark.parametrize("document_id", [_sha(LOOKUP), f"sha256:{_sha(LOOKUP)}",
                                         _sha(LOOKUP).upper()])
def test_a_document_id_names_the_trusted_text(document_id: str) -> None:
    assert resolve(TRUSTED, None, None, document_id) == LOOKUP


def test_apollos_persisted_query_hash_names_the_trusted_text() -> None:
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": _sha(LOOKUP)}}
    assert resolve(TRUSTED, None, extensions, None) == LOOKUP
    # Apollo's retry sends the text with its hash: the same document.
    assert resolve(TRUSTED, LOOKUP, extensions, None) == LOOKUP


def test_nothing_named_is_left_to_strawberry() -> None:
    assert resolve(TRUSTED, None, {}, None) is None


def _refusal(result: object) -> Refusal:
    assert isinstance(result, Refusal), result
    return result


def test_text_outside_the_manifest_is_not_trusted() -> None:
    refusal = _refusal(resolve(TRUSTED, UNTRUSTED, None, None))
    assert refusal.code == "DOCUMENT_NOT_TRUSTED"
    assert refusal.params == {"hash": _sha(UNTRUSTED)}


def test_an_unknown_hash_is_not_found() -> None:
    refusal = _refusal(resolve(TRUSTED, None, None, f"sha256:{_sha(UNTRUSTED)}"))
    assert refusal.code == "PERSISTED_QUERY_NOT_FOUND"
    apq = {"persistedQuery": {"version": 1, "sha256Hash": _sha(UNTRUSTED)}}
    assert _refusal(resolve(TRUSTED, None, apq, None)).code == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(("extensions", "document_id", "reason"), [
    (None, "md5:abc", "invalid_id"),
    (None, 42, "invalid_id"),
    (None, "sha256:" + "g" * 64, "invalid_id"),
    ({"persistedQuery": {"version": 2, "sha256Hash": "a" * 64}}, None, "apq_version"),
    ({"persistedQuery": "x"}, None, "apq_version"),
    ({"persistedQuery": {"version": 1}}, None, "invalid_id"),
    ({"persistedQuery": {"version": 1, "sha256Hash": "a" * 64}}, "b" * 64, "ids_disagree"),
])
def test_a_malformed_or_contradictory_id_is_refused(extensions: object, document_id: object,
                                                    reason: str) -> None:
    assert _refusal(resolve(TRUSTED, None, extensions, document_id)).reason == reason


def test_a_hash_that_is_not_the_texts_is_a_mismatch_even_for_trusted_text() -> None:
    refusal = _refusal(resolve(TRUSTED, LOOKUP, None, _sha(UNTRUSTED)))
    assert refusal.code == "DOCUMENT_HASH_MISMATCH"
    assert refusal.params == {"actual": _sha(LOOKUP), "named": _sha(UNTRUSTED)}


@pytest.mark.parametrize("reason", sorted(CODES))
def test_every_refusal_reads_in_english_and_spanish(reason: str) -> None:
    refusal = Refusal(reason, {"hash": "h", "field": "documentId", "value": "v",
                               "actual": "a", "named": "n"})
    english, spanish = refusal.error("en"), refusal.error("es")
    assert english.message != spanish.message
    assert english.extensions == spanish.extensions == {"code": CODES[reason]}


# --- the HTTP view ---------------------------------------------------------------------------

@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A production gateway that trusts only LOOKUP."""
    app, _ = gateway_app(tmp_path, GatewaySettings(trusted_documents=TRUSTED))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://gw") as http:
        yield http


async def _post(client: httpx.AsyncClient, body: dict[str, Any],
                **headers: str) -> tuple[int, dict[str, Any]]:
    response = await client.post("/graphql", json=body, headers=headers)
    result: dict[str, Any] = response.json()
    return response.status_code, result


NOT_FOUND = {"caseStatus": {"__typename": "CaseLookupError", "code": "NOT_FOUND"}}


async def test_trusted_text_and_its_hashes_run(client: httpx.AsyncClient) -> None:
    variables = {"n": "FAK123456"}
    for body in ({"query": LOOKUP},
                 {"documentId": f"sha256:{_sha(LOOKUP)}"},
                 {"documentId": _sha(LOOKUP)},
                 {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": _sha(LOOKUP)}}}):
        assert await _post(client, {**body, "variables": variables}) == (
            200, {"data": NOT_FOUND}), body


async def test_untrusted_text_is_refused_400_before_it_runs(client: httpx.AsyncClient) -> None:
    status, body = await _post(client, {"query": UNTRUSTED})
    assert status == 400
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "DOCUMENT_NOT_TRUSTED"}
    assert error["message"].startswith("this server runs only trusted documents, and this one "
                                       f"(sha256 {_sha(UNTRUSTED)}) is not among them")


async def test_an_unknown_hash_is_refused_in_the_clients_language(
        client: httpx.AsyncClient) -> None:
    status, body = await _post(client, {"documentId": _sha(UNTRUSTED)},
                               **{"Accept-Language": "es"})
    assert status == 400
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "PERSISTED_QUERY_NOT_FOUND"}
    assert error["message"].startswith(f"ningún documento de confianza tiene el sha256 "
                                       f"{_sha(UNTRUSTED)}")


async def test_an_introspection_query_is_refused_like_any_other(
        client: httpx.AsyncClient) -> None:
    status, body = await _post(client, {"query": "{ __schema { types { name } } }"})
    assert (status, body["errors"][0]["extensions"]["code"]) == (400, "DOCUMENT_NOT_TRUSTED")


async def test_a_request_naming_nothing_is_strawberrys_missing_query(
        client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"variables": {}})
    assert response.status_code == 400
    assert "No GraphQL query found" in response.text


async def test_without_a_manifest_any_document_runs(tmp_path: Path) -> None:
    app, _ = gateway_app(tmp_path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://gw") as http:
        status, body = await _post(http, {"query": UNTRUSTED})
    assert (status, body) == (200, {"data": {"caseStatus": {"__typename": "CaseLookupError"}}})


async def test_a_refusal_under_the_graphql_response_type_is_400_without_data(
        client: httpx.AsyncClient) -> None:
    """Clients of the GraphQL-over-HTTP media type get a request error: 400, no `data`."""
    response = await client.post("/graphql", json={"query": UNTRUSTED},
                                 headers={"Accept": "application/graphql-response+json"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "DOCUMENT_NOT_TRUSTED"
