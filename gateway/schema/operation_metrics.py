"""Rate, errors and latency of GraphQL operations, for /metrics (gateway/metrics.py).

An operation is labelled by what it asks for, not by the name its client gave it: the
``operationName`` is whatever a client writes (unbounded, and a client could fill the
metrics with names), while the root field it selects is one the schema declares. So
``query viewer`` or ``mutation linkCase``; several root fields, a document that did not parse
or a field the schema lacks share the label ``other``. Subscriptions are counted, not timed
(they last as long as the client stays).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import lru_cache

from graphql import DocumentNode, FieldNode, GraphQLSchema, OperationDefinitionNode
from opentelemetry import trace
from prometheus_client import Counter, Histogram
from strawberry.extensions import SchemaExtension

__all__ = ["GRAPHQL_REQUESTS", "GRAPHQL_SECONDS", "OTHER", "OperationMetrics",
           "operation_label"]

OTHER = "other"

GRAPHQL_REQUESTS = Counter(
    "caseline_graphql_requests", "GraphQL operations, by operation (its type and root field) "
    "and outcome (ok, or error when the response holds any error).",
    ["operation", "outcome"])
GRAPHQL_SECONDS = Histogram(
    "caseline_graphql_request_duration_seconds", "Time to answer a GraphQL query or "
    "mutation (parse, validate, execute).", ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))


@lru_cache(maxsize=8)
def _root_fields(schema: GraphQLSchema) -> frozenset[str]:
    roots = (("query", schema.query_type), ("mutation", schema.mutation_type),
             ("subscription", schema.subscription_type))
    return frozenset(f"{kind} {name}" for kind, root in roots if root is not None
                     for name in root.fields)


def operation_label(schema: GraphQLSchema, document: DocumentNode | None,
                    operation_name: str | None) -> str:
    """``<type> <root field>`` of the operation run, or ``other`` (see the module)."""
    if document is None:
        return OTHER
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [d for d in operations if operation_name is None
              or (d.name is not None and d.name.value == operation_name)]
    if len(chosen) != 1:  # none by that name, or several and no name to choose by
        return OTHER
    selections = chosen[0].selection_set.selections
    if len(selections) != 1 or not isinstance(selections[0], FieldNode):
        return OTHER
    label = f"{chosen[0].operation.value} {selections[0].name.value}"
    return label if label in _root_fields(schema) else OTHER


class OperationMetrics(SchemaExtension):
    """Counts and times each operation; names the request's span after it."""

    def on_operation(self) -> Iterator[None]:
        """Around the whole operation: parsing, validation and execution."""
        started = time.perf_counter()
        yield
        context = self.execution_context
        try:
            label = operation_label(context.schema._schema, context.graphql_document,
                                    context.operation_name)
        except Exception:  # a document too broken to name: still counted
            label = OTHER
        result = context.result
        failed = bool(context.pre_execution_errors) or bool(
            result is not None and getattr(result, "errors", None))
        GRAPHQL_REQUESTS.labels(label, "error" if failed else "ok").inc()
        if not label.startswith("subscription"):
            GRAPHQL_SECONDS.labels(label).observe(time.perf_counter() - started)
        span = trace.get_current_span()
        if span.is_recording():
            span.set_attribute("graphql.operation", label)
