"""Through the gateway, over a real labor adapter: a malformed labor number is INVALID_NUMBER
with one short sentence naming the expected format, and the place it points to for the other
formats (the ``agencies`` query's ``numberFormats``) really lists them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from adapters.labor.numbers import FORMATS
from adapters.sdk import AdapterServicer
from support.gateway_over import gateway_over, graphql_data

pytestmark = pytest.mark.integration

LOOKUP = """query($number: String!) { caseStatus(number: $number) {
  ... on CaseLookupError { code message } } }"""


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway over the labor reference adapter, served on a loopback port."""
    async with gateway_over(tmp_path, {"labor": AdapterServicer}) as client:
        yield client


async def test_a_bad_labor_number_names_one_format_and_the_pointer_resolves(
        gateway: httpx.AsyncClient) -> None:
    result = (await graphql_data(gateway, LOOKUP, number="G-100-24123-12345"))["caseStatus"]
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
    agencies = (await graphql_data(gateway, asked))[query]
    (labor,) = [a for a in agencies if a["id"] == "labor"]
    listed = labor[field]
    assert [f["name"] for f in listed] == [f.name for f in FORMATS]
    assert {"name": "PERM", "example": example[1]}.items() <= listed[0].items()
    assert all(re.fullmatch(f["pattern"], f["example"]) and f["description"] for f in listed)
