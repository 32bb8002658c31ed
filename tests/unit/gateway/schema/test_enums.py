"""The GraphQL consent enums (gateway.schema.enums) keep their names and are the domain's
words: a value the aggregator stores is the GraphQL name a client sends and reads."""

from __future__ import annotations

import pytest
from graphql import GraphQLEnumType

from aggregator.consent.vocabulary import ConsentState, Purpose
from caseline.v1 import sensitivity_pb2
from caseline.v1.lib.scopes import Scope
from gateway.schema.build import build_schema

ENUMS = [("ConsentScope", Scope), ("ConsentState", ConsentState), ("ConsentPurpose", Purpose)]


def _graphql_names(name: str) -> list[str]:
    enum = build_schema()._schema.get_type(name)
    assert isinstance(enum, GraphQLEnumType)
    return list(enum.values)


@pytest.mark.parametrize(("name", "domain"), ENUMS)
def test_graphql_consent_enums_name_exactly_the_domain_values(
        name: str, domain: type[Scope | ConsentState | Purpose]) -> None:
    """Each GraphQL name is the string stored and ledgered for it, in the domain's order."""
    assert _graphql_names(name) == [member.value for member in domain]


def test_graphql_consent_scopes_are_the_ones_sensitivity_proto_declares() -> None:
    """ConsentScope is STATUS plus the contract's Sensitivity values without their prefix."""
    sensitivities = sensitivity_pb2.Sensitivity.keys()[1:]  # after UNSPECIFIED (= STATUS)
    assert _graphql_names("ConsentScope") == [
        "STATUS", *(n.removeprefix("SENSITIVITY_") for n in sensitivities)]
