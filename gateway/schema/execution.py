"""A leaner execution of plain fields: most of what a timeline costs to serve.

A 20-event timeline selects some 300 fields, and graphql-core spends more on each (building a
resolve info, awaitable checks, value completion) than on reading the attribute. A field is
*plain* when strawberry marks it basic (no resolver, no permissions, no extensions: reading it
is ``getattr``) and its type is a scalar, an enum, or an object type (or list of one) whose
fields are all plain. This executor reads and completes plain fields directly, and so the
lists a resolver returns of such objects or of a union of them (a batch of lookups).

Every other field goes through graphql-core's own path, and so does a plain leaf whose value
would be an error (null where non-null, a value its scalar refuses, an attribute that is not
there): reading a basic field has no side effects, so graphql-core reads it again and reports
the error exactly as always. So does a list holding anything but plain values of its type.
Errors below a plain object are located and propagated by graphql-core's own
``handle_field_error``, as its executor does.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import partial
from operator import attrgetter
from typing import Any

import graphql
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
)
from graphql.pyutils import Path, gather_with_cancel
from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.cast import get_strawberry_type_cast
from strawberry.types.field import StrawberryField

__all__ = ["LeanExecutionContext", "lean_execution_problem"]

# What this module was written against: the graphql-core versions, the executor methods it
# overrides or calls (parameter names, in order) and the executor attributes it uses.
GRAPHQL_CORE_RANGE = ((3, 3), (3, 4))
_METHODS = {
    "execute_fields": ("self", "parent_type", "source_value", "path", "grouped_field_set",
                       "position_context"),
    "complete_iterable_value": ("self", "item_type", "field_details_list", "info", "path",
                                "items", "position_context"),
    "collect_subfields": ("self", "return_type", "field_details_list"),
    "handle_field_error": ("self", "raw_error", "return_type", "field_details_list", "path"),
    "track_async_work": ("self", "values"),
}
_ATTRIBUTES = ("schema", "async_helpers", "middleware_manager", "is_awaitable")
_HELPERS = ("gather", "track")


def lean_execution_problem() -> str | None:
    """None when the installed graphql-core and strawberry are what the lean executor
    overrides; else what differs (the schema then uses strawberry's own execution)."""
    low, high = GRAPHQL_CORE_RANGE
    version = graphql.version_info
    if not low <= (version.major, version.minor) < high:
        return (f"graphql-core {graphql.version} is outside "
                f"{low[0]}.{low[1]} to below {high[0]}.{high[1]}")
    base = StrawberryGraphQLCoreExecutionContext
    for name, expected in _METHODS.items():
        method = getattr(base, name, None)
        if method is None:
            return f"the executor has no method {name}"
        found = tuple(inspect.signature(method).parameters)
        if found != expected:
            return f"the executor's {name} takes {found}, expected {expected}"
    annotated = {key for cls in base.__mro__ for key in getattr(cls, "__annotations__", {})}
    missing = [name for name in _ATTRIBUTES if name not in annotated]
    if missing:
        return f"the executor has no attribute {', '.join(missing)}"
    if GraphQLResolveInfoHelpers._fields != _HELPERS:
        return (f"GraphQLResolveInfoHelpers holds {GraphQLResolveInfoHelpers._fields}, "
                f"expected {_HELPERS}")
    return None


@dataclass(frozen=True, slots=True)
class _Plain:
    """How to read and complete one plain field."""

    read: Callable[[Any], Any]  # the value from the source object
    type: GraphQLOutputType  # as declared, for graphql-core's error handling
    non_null: bool
    coerce: Callable[[Any], Any] | None = None  # scalars and enums
    object_type: GraphQLObjectType | None = None  # objects, and the items of lists
    is_list: bool = False
    item_type: GraphQLOutputType | None = None


def _coercion(type_: GraphQLScalarType | GraphQLEnumType) -> Callable[[Any], Any]:
    """How to turn a field's value into its output, as ``type_`` would."""
    wrapped = getattr(type_, "wrapped_cls", None)  # strawberry's enums: the Python enum
    if not isinstance(type_, GraphQLEnumType) or not isinstance(wrapped, type) \
            or not issubclass(wrapped, Enum):
        return type_.coerce_output_value
    # strawberry finds a member's name by comparing it with every value of the enum in
    # turn; a table does the same in one step. Anything else still goes the long way.
    names: dict[Enum, str] = {}
    for member in wrapped:
        for name, value in type_.values.items():
            if member.value == value.value:
                names[member] = name
                break
    slow = type_.coerce_output_value

    def coerce(value: Any) -> Any:
        name = names.get(value) if isinstance(value, wrapped) else None
        return name if name is not None else slow(value)

    return coerce


def _reader(field: GraphQLField) -> Callable[[Any], Any]:
    """How to read a basic field's value from its source object."""
    resolve = field.resolve
    assert resolve is not None
    definition = (field.extensions or {}).get("strawberry-definition")
    # A basic field's resolver is strawberry's default resolver by the field's Python name,
    # reached through two Python calls; for the default of defaults, getattr, one C call.
    if (isinstance(definition, StrawberryField) and definition.base_resolver is None
            and not definition.extensions and definition.default_resolver is getattr):
        return attrgetter(definition.python_name)
    return lambda source: resolve(source, None)


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
        self._unions: dict[GraphQLUnionType, dict[object, GraphQLObjectType] | None] = {}

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
        read = _reader(field)
        inner, non_null = _unwrap(field.type)
        if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
            return _Plain(read, field.type, non_null, coerce=_coercion(inner))
        if isinstance(inner, GraphQLObjectType) and self.fully_plain(inner):
            return _Plain(read, field.type, non_null, object_type=inner)
        if isinstance(inner, GraphQLList):
            item, _ = _unwrap(inner.of_type)
            if isinstance(item, GraphQLObjectType) and self.fully_plain(item):
                return _Plain(read, field.type, non_null, object_type=item,
                              is_list=True, item_type=inner.of_type)
        return None

    def union_members(self, union: GraphQLUnionType) -> dict[object, GraphQLObjectType] | None:
        """The union's object types by their strawberry definitions, if all are fully plain
        and none is generic (else None: graphql-core resolves its values)."""
        if union in self._unions:
            return self._unions[union]
        # strawberry resolves a union's value by its __strawberry_definition__ being the
        # member's own (for types that are not generic); a table does the same.
        members: dict[object, GraphQLObjectType] | None = {}
        for member in union.types:
            definition = (member.extensions or {}).get("strawberry-definition")
            if (definition is None or not self.fully_plain(member)
                    or getattr(definition, "concrete_of", None) is not None
                    or getattr(definition, "is_graphql_generic", True)):
                members = None
                break
            members[definition] = member  # type: ignore[index]
        self._unions[union] = members
        return members

    def fully_plain(self, object_type: GraphQLObjectType) -> bool:
        """Whether every field of ``object_type`` is plain (and nothing resolves its type)."""
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # graphql-core's helpers hold bound methods of the executor, which holds the helpers:
        # a cycle that leaves each request's whole result to the full garbage collection,
        # which under load then pauses every request for ~100 ms about once a second.
        self.async_helpers = GraphQLResolveInfoHelpers(
            gather=_gather, track=partial(_track, weakref.ref(self)))

    def _has_middleware(self) -> bool:
        # A middleware (an extension with a resolve hook) must see every field.
        middleware = self.middleware_manager
        return middleware is not None and bool(middleware.middlewares)

    def execute_fields(self, parent_type: GraphQLObjectType, source_value: Any, path: Any,
                       grouped_field_set: Any, position_context: Any) -> Any:
        """Plain fields here; the rest (and plain leaves in error) through graphql-core."""
        plan = _plans_of(self.schema).fields(parent_type)
        if not plan or self._has_middleware():
            return super().execute_fields(parent_type, source_value, path, grouped_field_set,
                                          position_context)
        done: dict[str, Any] = {}
        rest: dict[str, Any] = {}
        for response_name, details in grouped_field_set.items():
            name = details[0].node.name.value
            field = plan.get(name)
            if field is None:
                if name == "__typename":  # what graphql-core answers for it, without a resolver
                    done[response_name] = parent_type.name
                else:
                    rest[response_name] = details
                continue
            try:
                value = field.read(source_value)
            except Exception:  # e.g. a missing attribute: graphql-core reports it, below
                rest[response_name] = details
                continue
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
        assert field.item_type is not None
        return self._complete_items(field.item_type, details, path, value, position_context,
                                    lambda _: (object_type, grouped))

    def complete_iterable_value(self, item_type: GraphQLOutputType, field_details_list: Any,
                                info: Any, path: Path, items: Iterable[Any],
                                position_context: Any) -> Any:
        """A resolver's list of plain objects (or of a union of them) here; else as always."""
        typed = self._lean_items(item_type, field_details_list, items)
        if typed is None:
            return super().complete_iterable_value(item_type, field_details_list, info, path,
                                                   items, position_context)
        return self._complete_items(item_type, field_details_list, path, items,
                                    position_context, typed)

    def _lean_items(self, item_type: GraphQLOutputType, details: Any, items: Iterable[Any]
                    ) -> Callable[[int], tuple[GraphQLObjectType, Any]] | None:
        """How to type each item, when every item can take the lean path; else None."""
        plans = _plans_of(self.schema)
        if not isinstance(items, list | tuple) or self._has_middleware():
            return None
        inner, _ = _unwrap(item_type)
        is_awaitable = self.is_awaitable
        if isinstance(inner, GraphQLObjectType) and plans.fully_plain(inner):
            if any(is_awaitable(item) for item in items):
                return None
            grouped = self.collect_subfields(inner, details)[0]
            return lambda _: (inner, grouped)
        if not isinstance(inner, GraphQLUnionType):
            return None
        members = plans.union_members(inner)
        if members is None:
            return None
        types: list[GraphQLObjectType | None] = []
        for item in items:
            member = None if item is None else members.get(
                getattr(item, "__strawberry_definition__", None))
            if item is not None and (member is None
                                     or get_strawberry_type_cast(item) is not None):
                return None  # not plainly one of the union's types: graphql-core resolves it
            types.append(member)
        collected: dict[str, Any] = {}

        def typed(index: int) -> tuple[GraphQLObjectType, Any]:
            object_type = types[index]
            assert object_type is not None
            grouped = collected.get(object_type.name)
            if grouped is None:
                grouped = collected[object_type.name] = self.collect_subfields(
                    object_type, details)[0]
            return object_type, grouped

        return typed

    def _complete_items(self, item_type: GraphQLOutputType, details: Any, path: Path,
                        items: Iterable[Any], position_context: Any,
                        typed: Callable[[int], tuple[GraphQLObjectType, Any]]
                        ) -> list[dict[str, Any] | None]:
        item_non_null = isinstance(item_type, GraphQLNonNull)
        completed: list[dict[str, Any] | None] = []
        for index, item in enumerate(items):
            item_path = path.add_key(index, None)
            try:
                if item is None:
                    if item_non_null:
                        raise TypeError(f"Cannot return null for non-nullable field "
                                        f"{path.typename}.{details[0].node.name.value}.")
                    completed.append(None)
                else:
                    object_type, grouped = typed(index)
                    completed.append(self._execute_plain(object_type, item, item_path,
                                                         grouped, position_context))
            except Exception as exc:
                self.handle_field_error(exc, item_type, details, item_path)
                completed.append(None)
        return completed

    def _execute_plain(self, object_type: GraphQLObjectType, value: Any, path: Path,
                       grouped: Any, position_context: Any) -> dict[str, Any]:
        result = self.execute_fields(object_type, value, path, grouped, position_context)
        # A fully plain type has no resolver that could make it wait.
        assert isinstance(result, dict), f"{object_type.name} was expected to complete at once"
        return result


def _gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
    return gather_with_cancel(*values)


def _track(executor: weakref.ref[LeanExecutionContext], values: Sequence[Any]) -> None:
    live = executor()
    if live is not None:  # else the execution is over and there is nothing left to settle
        live.track_async_work(values)


def _merged(order: Any, done: dict[str, Any], rest: dict[str, Any]) -> dict[str, Any]:
    # In the order the query asked for them, as graphql-core would have returned them.
    return {name: done[name] if name in done else rest[name]
            for name in order if name in done or name in rest}


async def _merged_later(order: Any, done: dict[str, Any],
                        rest: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    return _merged(order, done, await rest)
