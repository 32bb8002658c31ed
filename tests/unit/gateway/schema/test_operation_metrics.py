"""Operations are labelled by the schema's root field they select, so a client cannot make
up labels: several fields, unknown fields and unparsable documents share ``other``."""

from __future__ import annotations

import pytest
from graphql import parse

from gateway.schema.build import build_schema
from gateway.schema.operation_metrics import OTHER, operation_label

SCHEMA = build_schema()._schema


@pytest.mark.parametrize(("query", "name", "label"), [
    ("{ viewer { id } }", None, "query viewer"),
    ("query Anything { viewer { id } }", None, "query viewer"),
    ("query Whatever { viewer { id } }", "Whatever", "query viewer"),
    ("query A { viewer { id } } mutation B { unlinkCase(id: 1) { id } }", "A",
     "query viewer"),
    ("query A { viewer { id } } query B { viewer { id } }", None, OTHER),  # which one?
    ("query A { viewer { id } }", "NotThere", OTHER),
    ("{ a: viewer { id } b: viewer { id } }", None, OTHER),
    ("{ ...F } fragment F on Query { viewer { id } }", None, OTHER),
    ("{ madeUpField }", None, OTHER),
    ("mutation { viewer { id } }", None, OTHER),  # a query field under mutation
])
def test_operations_are_labelled_by_their_root_field(query: str, name: str | None,
                                                     label: str) -> None:
    assert operation_label(SCHEMA, parse(query), name) == label


def test_a_document_that_did_not_parse_is_other() -> None:
    assert operation_label(SCHEMA, None, "Mine") == OTHER
