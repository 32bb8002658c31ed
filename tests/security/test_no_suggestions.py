"""Issue 12, item 6: with introspection off, no error suggests a name from the schema
("Did you mean …?"): not for fields, arguments, types, enum values or input fields."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import graphql
import httpx
import pytest
from graphql.pyutils import did_you_mean

from gateway.schema.build import build_schema
from gateway.schema.errors import without_suggestions
from support.http_gateway import gateway_app, serving

pytestmark = pytest.mark.integration

GRANT = ('{grante: "lee", agencies: ["fake"], scopes: [STATUS], purpose: "p", '
         'validUntil: "2030-01-01T00:00:00Z"}')
GRANT_VARIABLE = {"grante": "lee", "agencies": ["fake"], "scopes": ["STATUS"],
                  "purpose": "p", "validUntil": "2030-01-01T00:00:00Z"}

# kind: (query, variables, the suggestion graphql-core would make)
MISSPELLINGS: dict[str, tuple[str, dict[str, object] | None, str]] = {
    "field": ("{ agencie { name } }", None, "agencies"),
    "field_of_a_union": ('{ caseStatus(number: "FAK000001") { title } }', None, "CaseStatus"),
    "argument": ('{ caseStatus(numbr: "FAK000001") { __typename } }', None, "number"),
    "type": ("query($l: Langauge) { agencies(language: $l) { name } }", None, "Language"),
    "variable_type": ("query($n: Strin!) { caseStatus(number: $n) { __typename } }",
                      {"n": "FAK000001"}, "String"),
    "enum_value": ("{ agencies(language: ESS) { name } }", None, "ES"),
    "enum_value_in_variable": ("query($l: Language) { agencies(language: $l) { name } }",
                               {"l": "ESS"}, "ES"),
    "input_field": (f"mutation {{ grantConsent(input: {GRANT}) {{ id }} }}", None, "grantee"),
    "input_field_in_variable": ("mutation($i: GrantConsentInput!) { grantConsent(input: $i) "
                                "{ id } }", {"i": GRANT_VARIABLE}, "grantee"),
}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a production-configured gateway on a real server."""
    app, _ = gateway_app(tmp_path)
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as http:
        yield http


@pytest.mark.parametrize("kind", sorted(MISSPELLINGS))
async def test_misspelling_gets_no_suggestion(kind: str, client: httpx.AsyncClient) -> None:
    query, variables, _ = MISSPELLINGS[kind]
    for _ in range(2):  # the second answer comes from the validation cache
        response = await client.post("/graphql", json={"query": query,
                                                       "variables": variables})
        messages = [e["message"] for e in response.json()["errors"]]
        assert messages, response.text
        assert not [m for m in messages if "Did you mean" in m], messages


@pytest.mark.parametrize("kind", sorted(MISSPELLINGS))
def test_graphql_core_would_have_suggested_it(kind: str) -> None:
    """The cases are real: without the gateway's schema, graphql-core suggests each name."""
    query, variables, suggested = MISSPELLINGS[kind]
    plain = graphql.build_schema(build_schema().as_str())  # the same schema, no strawberry
    result = graphql.graphql_sync(plain, query, variable_values=variables)
    assert result.errors
    assert any("Did you mean" in e.message and f"'{suggested}'" in e.message
               for e in result.errors), [e.message for e in result.errors]


@pytest.mark.parametrize("names", [["a"], ["a", "b"], ["a_1", "B2", "c", "d", "e", "f"]])
@pytest.mark.parametrize("sub", [None, "the enum value", "to use an inline fragment on"])
def test_every_form_of_suggestion_is_removed_and_nothing_else(names: list[str],
                                                               sub: str | None) -> None:
    text = "Field 'x' is not defined by type 'T'." + did_you_mean(names, sub) + " Found: {x}."
    assert without_suggestions(text) == "Field 'x' is not defined by type 'T'. Found: {x}."
