"""A leaner execution of plain fields: most of what a timeline costs to serve.

A 20-event timeline selects some 300 fields, and graphql-core spends more on each (building a
resolve info, awaitable checks, value completion) than on reading the attribute. A field is
*plain* when strawberry marks it basic (no resolver, no permissions, no extensions: reading it
is ``getattr``) and its type is a scalar, an enum, or an object type (or list of one) whose
fields are all plain. This executor reads and completes plain fields directly.

Every other field goes through graphql-core's own path, and so does a plain leaf whose value
would be an error (null where non-null, a value its scalar refuses): reading a basic field
has no side effects, so graphql-core reads it again and reports the error exactly as always.
Errors below a plain object are located and propagated by graphql-core's own
``handle_field_error``, as its executor does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
)
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

__all__ = ["LeanExecutionContext"]


@dataclass(frozen=True, slots=True)
class _Plain:
    """How to read and complete one plain field."""

    read: Callable[[Any, None], Any]
    type: GraphQLOutputType  # as declared, for graphql-core's error handling
    non_null: bool
    coerce: Callable[[Any], Any] | None = None  # scalars and enums
    object_type: GraphQLObjectType | None = None  # objects, and the items of lists
    is_list: bool = False
    item_type: GraphQLOutputType | None = None
    item_non_null: bool = False


def _unwrap(type_: GraphQLOutputType) -> tuple[GraphQLOutputType, bool]:
    if isinstance(type_, GraphQLNonNull):
        return type_.of_type, True
    return type_, False


class _Plans:
    """The plain fields of each object type of one schema, worked out once."""

    def __init__(self, schema: GraphQLSchema) -> None:
        # With @defer or @stream in the schema, sub-selections may be split for incremental
        # delivery, which only graphql-core knows how to do: objects then take its path.
        self._objects = not (schema.get_directive("defer") or schema.get_directive("stream"))
        self._fields: dict[GraphQLObjectType, dict[str, _Plain]] = {}
        self._fully_plain: dict[GraphQLObjectType, bool] = {}

    def fields(self, object_type: GraphQLObjectType) -> dict[str, _Plain]:
        """``object_type``'s plain fields by name."""
        plan = self._fields.get(object_type)
        if plan is None:
            plan = {}
            for name in object_type.fields:
                field = self._field(object_type, name)
                if field is not None:
                    plan[name] = field
            self._fields[object_type] = plan
        return plan

    def _field(self, object_type: GraphQLObjectType, name: str) -> _Plain | None:
        field = object_type.fields[name]
        # strawberry tags the resolver of a basic field; it ignores its info argument.
        if field.args or not getattr(field.resolve, "_is_default", False):
            return None
        assert field.resolve is not None
        inner, non_null = _unwrap(field.type)
        if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
            return _Plain(field.resolve, field.type, non_null, coerce=inner.coerce_output_value)
        if isinstance(inner, GraphQLObjectType) and self._is_fully_plain(inner):
            return _Plain(field.resolve, field.type, non_null, object_type=inner)
        if isinstance(inner, GraphQLList):
            item, item_non_null = _unwrap(inner.of_type)
            if isinstance(item, GraphQLObjectType) and self._is_fully_plain(item):
                return _Plain(field.resolve, field.type, non_null, object_type=item,
                              is_list=True, item_type=inner.of_type,
                              item_non_null=item_non_null)
        return None

    def _is_fully_plain(self, object_type: GraphQLObjectType) -> bool:
        # Only then does executing its selection never wait on anything. is_type_of would
        # need a resolve info (strawberry sets it for types that implement interfaces).
        if not self._objects or object_type.is_type_of is not None:
            return False
        known = self._fully_plain.get(object_type)
        if known is None:
            self._fully_plain[object_type] = False  # a type that contains itself: not plain
            known = len(self.fields(object_type)) == len(object_type.fields)
            self._fully_plain[object_type] = known
        return known


_plans: dict[GraphQLSchema, _Plans] = {}


def _plans_of(schema: GraphQLSchema) -> _Plans:
    plans = _plans.get(schema)
    if plans is None:
        plans = _plans[schema] = _Plans(schema)
    return plans


class LeanExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context, completing plain fields without the machinery."""

    def execute_fields(self, parent_type: GraphQLObjectType, source_value: Any, path: Any,
                       grouped_field_set: Any, position_context: Any) -> Any:
        """Plain fields here; the rest (and plain leaves in error) through graphql-core."""
        plan = _plans_of(self.schema).fields(parent_type)
        middleware = self.middleware_manager
        if not plan or (middleware is not None and middleware.middlewares):
            # A middleware (an extension with a resolve hook) must see every field.
            return super().execute_fields(parent_type, source_value, path, grouped_field_set,
                                          position_context)
        done: dict[str, Any] = {}
        rest: dict[str, Any] = {}
        for response_name, details in grouped_field_set.items():
            field = plan.get(details[0].node.name.value)
            if field is None:
                rest[response_name] = details
                continue
            value = field.read(source_value, None)
            if value is None:
                if field.non_null:
                    rest[response_name] = details
                else:
                    done[response_name] = None
            elif field.coerce is not None:
                try:
                    coerced = field.coerce(value)
                except Exception:  # graphql-core reports it, below
                    coerced = None
                if coerced is None or coerced is Undefined:
                    rest[response_name] = details
                else:
                    done[response_name] = coerced
            else:
                field_path = Path(path, response_name, parent_type.name)
                try:
                    done[response_name] = self._complete_object(field, value, details,
                                                                field_path, position_context)
                except Exception as exc:
                    # Raises again when the field is non-null, for its parent to handle.
                    self.handle_field_error(exc, field.type, details, field_path)
                    done[response_name] = None
        if not rest:
            return done
        others = super().execute_fields(parent_type, source_value, path, rest,
                                        position_context)
        if isinstance(others, dict):
            return _merged(grouped_field_set, done, others)
        return _merged_later(grouped_field_set, done, others)

    def _complete_object(self, field: _Plain, value: Any, details: Any, path: Path,
                         position_context: Any) -> Any:
        object_type = field.object_type
        assert object_type is not None
        grouped, _defers, _forbidden = self.collect_subfields(object_type, details)
        if not field.is_list:
            return self._execute_plain(object_type, value, path, grouped, position_context)
        if not isinstance(value, Iterable) or isinstance(value, str | bytes | Mapping):
            raise TypeError(f"Expected Iterable, but did not find one for field "
                            f"'{path.typename}.{details[0].node.name.value}'.")
        items: list[dict[str, Any] | None] = []
        for index, item in enumerate(value):
            item_path = path.add_key(index, None)
            try:
                if item is None:
                    if field.item_non_null:
                        raise TypeError(f"Cannot return null for non-nullable field "
                                        f"{path.typename}.{details[0].node.name.value}.")
                    items.append(None)
                else:
                    items.append(self._execute_plain(object_type, item, item_path, grouped,
                                                     position_context))
            except Exception as exc:
                assert field.item_type is not None
                self.handle_field_error(exc, field.item_type, details, item_path)
                items.append(None)
        return items

    def _execute_plain(self, object_type: GraphQLObjectType, value: Any, path: Path,
                       grouped: Any, position_context: Any) -> dict[str, Any]:
        result = self.execute_fields(object_type, value, path, grouped, position_context)
        # A fully plain type has no resolver that could make it wait.
        assert isinstance(result, dict), f"{object_type.name} was expected to complete at once"
        return result


def _merged(order: Any, done: dict[str, Any], rest: dict[str, Any]) -> dict[str, Any]:
    # In the order the query asked for them, as graphql-core would have returned them.
    return {name: done[name] if name in done else rest[name]
            for name in order if name in done or name in rest}


async def _merged_later(order: Any, done: dict[str, Any],
                        rest: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    return _merged(order, done, await rest)
