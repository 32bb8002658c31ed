"""Through the gateway, over a real labor adapter: a malformed labor number is INVALID_NUMBER
with one short sentence naming the expected format, and the place it points to for the other
formats (the ``agencies`` query's ``numberFormats``) really lists them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.labor.numbers import FORMATS
from adapters.reference.catalog import profile
from adapters.sdk import AdapterServer, AdapterServicer, ConsentTokenVerifier, MappingTable
from adapters.sdk.sealing import CaseSealer, CustodianKeys
from aggregator.bootstrap import bootstrap, consent_issuer
from aggregator.state import StatePaths
from aggregator.vault.key_files import load_or_create_ed25519
from deploy.processes.launcher import registry_with
from gateway.app import GatewaySettings, create_app
from gateway.auth import TokenVerifier
from support.reference_adapter import seeded_store

pytestmark = pytest.mark.integration

LOOKUP = """query($number: String!) { caseStatus(number: $number) {
  ... on CaseLookupError { code message } } }"""


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway over the labor reference adapter, served on a loopback port."""
    paths = StatePaths(tmp_path)
    consent_issuer(paths)  # the adapter reads the consent keys the gateway will sign with
    agency = profile("labor")
    servicer = AdapterServicer(
        agency, seeded_store(tmp_path, "labor", cases=5), MappingTable.load(agency.mapping_path),
        ConsentTokenVerifier("labor", paths.jwks), CaseSealer("labor", CustodianKeys(paths.jwks)))
    server = AdapterServer(servicer)
    await server.start()
    service = bootstrap(registry_with({"labor": server.port}), tmp_path)
    key = load_or_create_ed25519(tmp_path / "issuer.pem")
    app = create_app(service, TokenVerifier(key.public_key()), GatewaySettings())
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://gw") as client:
            yield client
    finally:
        await service.close()
        await server.stop(0)


async def _data(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_a_bad_labor_number_names_one_format_and_the_pointer_resolves(
        gateway: httpx.AsyncClient) -> None:
    result = (await _data(gateway, LOOKUP, number="G-100-24123-12345"))["caseStatus"]
    assert result["code"] == "INVALID_NUMBER"
    text = result["message"]
    assert len(text) < 200 and ". " not in text.replace("e.g. ", ""), text
    example = re.search(r"e\.g\. (\S+) \(([^)]+)\)", text)
    assert example is not None, text
    assert (example[1], example[2]) == ("G-100-24123-123456", "PERM")
    # The pointer names a field of a query: ask exactly that.
    pointer = re.search(r"others: (\w+) in the (\w+) query$", text)
    assert pointer is not None, text
    field, query = pointer[1], pointer[2]
    asked = "{ " + query + " { id " + field + " { name pattern example description } } }"
    agencies = (await _data(gateway, asked))[query]
    (labor,) = [a for a in agencies if a["id"] == "labor"]
    listed = labor[field]
    assert [f["name"] for f in listed] == [f.name for f in FORMATS]
    assert {"name": "PERM", "example": example[1]}.items() <= listed[0].items()
    assert all(re.fullmatch(f["pattern"], f["example"]) and f["description"] for f in listed)
