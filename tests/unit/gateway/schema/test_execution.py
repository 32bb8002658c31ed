"""The lean executor answers exactly as graphql-core's own: data, errors, paths, order."""

from __future__ import annotations

import asyncio
import enum
import sys
from datetime import UTC, date, datetime
from typing import Annotated, Any

import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.schema.execution import LeanExecutionContext


@strawberry.enum
class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Shade(enum.Enum):
    RED = "red"


@strawberry.type
class Place:
    name: str
    code: str | None


@strawberry.type
class Item:
    at: datetime
    day: date | None
    count: int
    color: Color | None
    place: Place
    maybe_place: Place | None
    places: list[Place]
    optional_places: list[Place | None] | None

    @strawberry.field
    async def slow(self) -> str:
        await asyncio.sleep(0)
        return f"slow {self.count}"

    @strawberry.field
    def shout(self, word: str = "hi") -> str:
        return word.upper()


def _item(n: int, **overrides: Any) -> Item:
    values: dict[str, Any] = {
        "at": datetime(2026, 1, n, tzinfo=UTC), "day": date(2026, 2, n), "count": n,
        "color": Color.RED if n % 2 else None, "place": Place(name=f"p{n}", code=None),
        "maybe_place": None if n % 2 else Place(name="m", code="c"),
        "places": [Place(name=f"a{n}", code="x"), Place(name=f"b{n}", code=None)],
        "optional_places": [None, Place(name="o", code="y")] if n % 2 else None}
    values.update(overrides)
    return Item(**values)


ITEMS: list[Item] = [_item(1), _item(2)]


@strawberry.type
class Hit:
    name: str
    score: int | None


@strawberry.type
class Miss:
    reason: str


Result = Annotated[Hit | Miss, strawberry.union("Result")]
RESULTS: list[Any] = [Hit(name="a", score=1), Miss(reason="gone"), Hit(name="b", score=None)]
MAYBE_RESULTS: list[Any] = [None, Miss(reason="late")]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return ITEMS

    @strawberry.field
    def item(self) -> Item | None:
        return ITEMS[0]

    @strawberry.field
    def results(self) -> list[Result]:
        return RESULTS

    @strawberry.field
    def maybe_results(self) -> list[Result | None] | None:
        return MAYBE_RESULTS

    @strawberry.field
    def all_places(self) -> list[Place]:
        return [Place(name="p", code=None), Place(name="q", code="Q")]


def _schema(context: type) -> strawberry.Schema:
    return strawberry.Schema(query=Query, execution_context_class=context)


LEAN = _schema(LeanExecutionContext)
STANDARD = _schema(StrawberryGraphQLCoreExecutionContext)

FIELDS = ("at day count color place { name code } maybePlace { name } "
          "places { name code } optionalPlaces { name }")
QUERIES = [
    f"{{ items {{ {FIELDS} }} }}",
    f"{{ items {{ __typename {FIELDS} slow shout(word: \"yo\") }} }}",
    "{ item { c: count n: count place { n: name name } places { __typename code } } }",
    "fragment F on Item { count place { code } } { items { ...F count place { name } } }",
    "query Q($s: Boolean!) { items { count @skip(if: $s) color @include(if: $s) "
    "places @include(if: $s) { name } } }",
    "{ items { ... on Item { slow at } } item { day } }",
    "{ results { __typename ... on Hit { name score } ... on Miss { reason } } "
    "allPlaces { name code } }",
    "fragment H on Hit { n: name } { results { ...H ... on Miss { r: reason reason } } "
    "maybeResults { ... on Miss { reason } __typename } }",
]
UNION_QUERY = QUERIES[-2]

BROKEN_RESULTS: dict[str, list[Any]] = {
    "null in a list of non-null": [Hit(name="a", score=1), None],
    "a type outside the union": [Place(name="x", code=None)],
    "not a strawberry type at all": [object()],
    "cast to the other member": [strawberry.cast(Miss, Hit(name="c", score=2))],
    "a member with a broken field": [Hit(name=None, score=1)],  # type: ignore[arg-type]
    "a member with a value its scalar refuses": [Hit(name="d", score="high")],  # type: ignore[arg-type]
}

BROKEN: dict[str, dict[str, Any]] = {
    "null in a non-null leaf": {"count": None},
    "a value the scalar refuses": {"count": "many"},
    "an enum value that is not one": {"color": "green"},
    "a member of another enum": {"color": Shade.RED},
    "null for a non-null object": {"place": None},
    "null inside a non-null object": {"place": Place(name=None, code=None)},  # type: ignore[arg-type]
    "null item in a list of non-null": {"places": [Place(name="a", code=None), None]},
    "a list that is not one": {"places": 7},
    "a broken item in a nullable list": {"optional_places": [Place(name=None, code=None)]},  # type: ignore[arg-type]
}


def _run(schema: strawberry.Schema, query: str) -> tuple[Any, list[dict[str, Any]]]:
    result = asyncio.run(schema.execute(query, variable_values={"s": False}))
    errors = sorted(({"message": e.message, "path": e.path, "locations": e.locations}
                     for e in result.errors or ()), key=repr)
    return result.data, errors


@pytest.mark.parametrize("query", QUERIES)
def test_answers_like_graphql_core(query: str) -> None:
    lean, standard = _run(LEAN, query), _run(STANDARD, query)
    assert lean == standard
    assert lean[1] == [], lean[1]
    # Same key order too: clients may rely on it, and the spec orders fields as asked.
    assert repr(lean[0]) == repr(standard[0])


@pytest.mark.parametrize("broken", list(BROKEN), ids=list(BROKEN))
@pytest.mark.parametrize("query", QUERIES[:3])
def test_errors_are_the_same_as_graphql_cores(broken: str, query: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ITEMS[1], "__dict__", {**vars(_item(2)), **BROKEN[broken]})
    lean, standard = _run(LEAN, query), _run(STANDARD, query)
    assert lean == standard
    if "items" in query:
        assert lean[1], "the broken item should have produced an error"


@pytest.mark.parametrize("broken", list(BROKEN_RESULTS), ids=list(BROKEN_RESULTS))
def test_union_list_errors_are_the_same_as_graphql_cores(broken: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "RESULTS", BROKEN_RESULTS[broken])
    lean, standard = _run(LEAN, UNION_QUERY), _run(STANDARD, UNION_QUERY)
    assert lean == standard
    assert lean[1], "the broken result should have produced an error"


def test_lists_of_a_plain_union_take_the_lean_path(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = StrawberryGraphQLCoreExecutionContext.complete_abstract_value

    def counting(self: Any, return_type: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(return_type.name)
        return original(self, return_type, *args, **kwargs)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "complete_abstract_value",
                        counting)
    data, errors = _run(LEAN, UNION_QUERY)
    assert errors == [] and data["results"][1] == {"__typename": "Miss", "reason": "gone"}
    assert calls == []
    _run(STANDARD, UNION_QUERY)
    assert calls == ["Result"] * 3  # what it spares: graphql-core resolves each item


def test_a_plain_timeline_shaped_query_takes_the_lean_path(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """Guards the point of it all: plain fields never reach graphql-core's execute_field."""
    calls: list[str] = []
    original = StrawberryGraphQLCoreExecutionContext.execute_field

    def counting(self: Any, parent_type: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(parent_type.name)
        return original(self, parent_type, *args, **kwargs)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_field", counting)
    data, errors = _run(LEAN, f"{{ items {{ {FIELDS} }} }}")
    assert errors == [] and data["items"][1]["places"][0]["name"] == "a2"
    assert calls == ["Query"], sorted(set(calls))


def test_an_extension_that_resolves_every_field_still_sees_every_field() -> None:
    seen: list[str] = []

    class Watch(strawberry.extensions.SchemaExtension):
        def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append(info.field_name)
            return _next(root, info, *args, **kwargs)

    schema = strawberry.Schema(query=Query, execution_context_class=LeanExecutionContext,
                               extensions=[Watch])
    data, errors = _run(schema, "{ item { count place { name } } }")
    assert errors == [] and data == {"item": {"count": 1, "place": {"name": "p1"}}}
    assert seen == ["item", "count", "place", "name"]


def test_every_enum_of_the_gateway_schema_reads_as_graphql_core_reads_it() -> None:
    from graphql import GraphQLEnumType

    from gateway.schema.build import build_schema
    from gateway.schema.execution import _coercion

    enums = [t for t in build_schema()._schema.type_map.values()
             if isinstance(t, GraphQLEnumType) and hasattr(t, "wrapped_cls")]
    assert {"StatusCategory", "Milestone"} <= {t.name for t in enums}
    for enum_type in enums:
        lean = _coercion(enum_type)
        for member in enum_type.wrapped_cls:
            assert lean(member) == enum_type.coerce_output_value(member)


@strawberry.type
class Row:
    name: str
    size: int | None


class Record:
    """A source whose attributes are not what a schema resolving from ``data`` shows."""

    def __init__(self, name: str, size: int | None) -> None:
        self.name, self.size = "attribute", -1
        self.data = {"name": name, "size": size}


@strawberry.type
class Rows:
    @strawberry.field
    def rows(self) -> list[Row]:
        return [Record("a", 1), Record("b", None)]  # type: ignore[list-item]


def test_a_schema_with_its_own_default_resolver_is_read_with_it() -> None:
    # Basic fields are read with getattr directly only where strawberry would use getattr.
    from strawberry.schema.config import StrawberryConfig

    def from_data(source: Any, name: str) -> Any:
        return source.data[name] if isinstance(source, Record) else getattr(source, name)

    query = "{ rows { name size } }"
    results = [_run(strawberry.Schema(query=Rows, execution_context_class=context,
                                      config=StrawberryConfig(default_resolver=from_data)),
                    query)
               for context in (LeanExecutionContext, StrawberryGraphQLCoreExecutionContext)]
    assert results[0] == results[1]
    assert results[0] == ({"rows": [{"name": "a", "size": 1}, {"name": "b", "size": None}]}, [])
