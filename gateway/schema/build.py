"""Building the strawberry schema."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types.graphql import OperationType

from gateway.schema.errors import is_expected, without_suggestions
from gateway.schema.limits import extensions
from gateway.schema.mutation import Mutation
from gateway.schema.operation_metrics import OperationMetrics
from gateway.schema.query import Query
from gateway.schema.subscription import Subscription

__all__ = ["CaselineSchema", "build_schema", "execution_context_class"]

log = logging.getLogger(__name__)


class CaselineSchema(strawberry.Schema):
    """Logs only unexpected errors: refusals and bad input are normal traffic, not faults.
    Suggestions are removed from every error, not only those of unknown fields."""

    @staticmethod
    def remove_field_suggestion(error: GraphQLError) -> None:
        """strawberry's hook (with ``disable_field_suggestions``) for every error of every
        result, validation and variable coercion included: all suggestions go."""
        error.message = without_suggestions(error.message)

    async def stream(self, query: str | None, variable_values: dict[str, Any] | None = None,
                     context_value: Any | None = None, root_value: Any | None = None,
                     operation_name: str | None = None,
                     operation_extensions: dict[str, Any] | None = None,
                     allowed_operation_types: Iterable[OperationType] | None = None
                     ) -> Any:
        """Over a websocket only subscriptions: the connection's context (its cached reads)
        lasts as long as the connection; queries and mutations go over HTTP."""
        if getattr(context_value, "over_websocket", False):
            allowed_operation_types = (OperationType.SUBSCRIPTION,)
        return await super().stream(query, variable_values, context_value, root_value,
                                    operation_name, operation_extensions,
                                    allowed_operation_types)

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: Any = None) -> None:
        """Hand unexpected errors to strawberry's logger."""
        unexpected = [e for e in errors if not is_expected(e)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def execution_context_class() -> type[Any] | None:
    """The lean executor when graphql-core and strawberry are what it overrides; else None,
    strawberry's own execution (slower, never wrong), with a warning in the log."""
    try:
        from gateway.schema.execution import LeanExecutionContext, lean_execution_problem
    except ImportError as exc:  # an internal it imports has moved
        problem: str | None = str(exc)
    else:
        problem = lean_execution_problem()
        if problem is None:
            return LeanExecutionContext
    log.warning("lean GraphQL execution is off, strawberry's own serves every field: %s",
                problem)
    return None


def build_schema(*, production: bool = True) -> strawberry.Schema:
    """The schema with production guards (introspection off unless ``production`` is False)."""
    return CaselineSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[*extensions(production=production), OperationMetrics],
        config=StrawberryConfig(disable_field_suggestions=True),
        execution_context_class=execution_context_class(),
    )
