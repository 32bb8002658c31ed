"""Building the strawberry schema."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig

from gateway.schema.errors import is_expected
from gateway.schema.execution import LeanExecutionContext
from gateway.schema.limits import extensions
from gateway.schema.mutation import Mutation
from gateway.schema.query import Query

__all__ = ["CaselineSchema", "build_schema"]


class CaselineSchema(strawberry.Schema):
    """Logs only unexpected errors: refusals and bad input are normal traffic, not faults."""

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: Any = None) -> None:
        """Hand unexpected errors to strawberry's logger."""
        unexpected = [e for e in errors if not is_expected(e)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(*, production: bool = True) -> strawberry.Schema:
    """The schema with production guards (introspection off unless ``production`` is False)."""
    return CaselineSchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions(production=production),
        config=StrawberryConfig(disable_field_suggestions=True),
        execution_context_class=LeanExecutionContext,
    )
