"""A length limit on every string a request passes in, checked before any resolver runs.

Each string argument and input field has a limit: its natural size where it has one (a case
number, an access code, a consent's purpose), :data:`DEFAULT_MAX_CHARS` otherwise. Strings
written in the document and strings passed in variables are checked alike, by where they are
used; an over-long one refuses the whole request with ``INPUT_TOO_LONG`` naming the argument
and its limit.

The case numbers of public lookups are the exception: an over-long one is answered
``INVALID_NUMBER`` for that number by its resolver (a result like any other wrong number,
naming the expected formats), first thing and before any pattern runs on it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    Node,
    ObjectFieldNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableNode,
    Visitor,
    get_nullable_type,
    parse,
    visit,
)
from strawberry.extensions import SchemaExtension

from aggregator.consent.service import MAX_PURPOSE_TEXT, MAX_SHARED_NAME
from aggregator.federation.routing import MAX_NUMBER_LENGTH
from aggregator.notify.webhooks.urls import MAX_URL_LENGTH
from aggregator.processing.statistics import MAX_AGENCY_ID, MAX_CASE_TYPE, MAX_OFFICE
from gateway.messages import message

__all__ = ["ANSWERED_BY_RESOLVER", "DEFAULT_MAX_CHARS", "LIMITS", "InputLimits",
           "input_limit_errors", "limit_of"]

DEFAULT_MAX_CHARS = 256
_ID = 128  # account, consent and subject ids; agency ids are far shorter
_TIMESTAMP = 64  # ISO 8601 with offset and fractions fits many times over

# "Type.field.argument" or "InputType.field" -> the most characters accepted.
LIMITS: Mapping[str, int] = {
    "Mutation.linkCase.number": MAX_NUMBER_LENGTH,
    "Mutation.linkCase.accessCode": 64,
    "Mutation.unlinkCase.number": MAX_NUMBER_LENGTH,
    "Mutation.pauseConsent.id": _ID,
    "Mutation.resumeConsent.id": _ID,
    "Mutation.revokeConsent.id": _ID,
    "GrantConsentInput.grantee": _ID,
    "GrantConsentInput.agencies": 32,
    "GrantConsentInput.purpose": MAX_PURPOSE_TEXT,
    "GrantConsentInput.sharedName": MAX_SHARED_NAME,
    "GrantConsentInput.validFrom": _TIMESTAMP,
    "GrantConsentInput.validUntil": _TIMESTAMP,
    "Viewer.client.subject": _ID,
    "Viewer.notifications.after": _ID,
    "Mutation.markNotificationsRead.ids": _ID,
    "Mutation.registerWebhook.url": MAX_URL_LENGTH,
    "Mutation.verifyWebhook.id": _ID,
    "Mutation.rotateWebhookSecret.id": _ID,
    "Mutation.deleteWebhook.id": _ID,
    "AuditView.entries.subject": _ID,
    "AuditView.entries.grantee": _ID,
    "AuditView.entries.agency": 32,
    "AuditView.entries.kind": 32,
    "AuditView.entries.since": _TIMESTAMP,
    "AuditView.entries.until": _TIMESTAMP,
    "Query.processingTimes.agency": MAX_AGENCY_ID,
    "Query.processingTimes.caseType": MAX_CASE_TYPE,
    "Query.processingTimes.office": MAX_OFFICE,
    "Query.processingTimes.firstMonth": _TIMESTAMP,
    "Query.processingTimes.lastMonth": _TIMESTAMP,
}
# Public lookups' case numbers: their resolvers answer an over-long one INVALID_NUMBER.
ANSWERED_BY_RESOLVER = frozenset({"Query.caseStatus.number", "Query.caseStatuses.numbers"})


def limit_of(coordinate: str) -> int | None:
    """The most characters accepted at ``coordinate`` (None: its resolver checks)."""
    if coordinate in ANSWERED_BY_RESOLVER:
        return None
    return LIMITS.get(coordinate, DEFAULT_MAX_CHARS)


def _shown(coordinate: str) -> str:
    # As a GraphQL schema coordinate: Type.field(argument:) or InputType.field.
    parts = coordinate.split(".")
    return f"{parts[0]}.{parts[1]}({parts[2]}:)" if len(parts) == 3 else coordinate


@dataclass(frozen=True, slots=True)
class _TooLong:
    coordinate: str
    length: int
    limit: int
    node: Node
    variable: str | None = None

    def error(self, language: str) -> GraphQLError:
        where = _shown(self.coordinate)
        text = (message(language, "{where} is {length} characters long; at most {limit} are "
                                  "accepted", where=where, length=self.length,
                        limit=self.limit)
                if self.variable is None else
                message(language, "variable ${variable} (used as {where}) is {length} "
                                  "characters long; at most {limit} are accepted",
                        variable=self.variable, where=where, length=self.length,
                        limit=self.limit))
        return GraphQLError(text, self.node, extensions={
            "code": "INPUT_TOO_LONG", "argument": where, "limit": self.limit})


@dataclass(frozen=True, slots=True)
class _VariableUse:
    name: str
    type: GraphQLInputType
    coordinate: str
    node: VariableNode


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one document needs checked: its over-long literals, and where each variable
    is used."""

    literals: tuple[_TooLong, ...]
    variables: tuple[_VariableUse, ...]


class _Planner(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self._types = type_info
        self._where: list[str] = []
        self.literals: list[_TooLong] = []
        self.variables: list[_VariableUse] = []

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        directive = self._types.get_directive()
        parent = self._types.get_parent_type()
        field = self._types.get_field_def()
        if directive is not None:
            owner = f"@{directive.name}"
        elif parent is not None and field is not None:
            owner = f"{parent.name}.{_field_name(parent, field)}"
        else:
            owner = "?.?"
        self._where.append(f"{owner}.{node.name.value}")

    def leave_argument(self, *_args: Any) -> None:
        self._where.pop()

    def enter_object_field(self, node: ObjectFieldNode, *_args: Any) -> None:
        # The parent is wrapped (GrantConsentInput!) when the argument is non-null.
        parent = get_nullable_type(self._types.get_parent_input_type())
        owner = parent.name if isinstance(parent, GraphQLInputObjectType) else "?"
        self._where.append(f"{owner}.{node.name.value}")

    def leave_object_field(self, *_args: Any) -> None:
        self._where.pop()

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        coordinate = self._where[-1] if self._where else "?"
        limit = limit_of(coordinate)
        if limit is not None and len(node.value) > limit:
            self.literals.append(_TooLong(coordinate, len(node.value), limit, node))

    def enter_variable(self, node: VariableNode, *_args: Any) -> None:
        input_type = self._types.get_input_type()
        # A use (not the variable's definition) where some string has a limit: the case
        # numbers of a 100-number lookup are left to their resolver, not walked here.
        if self._where and input_type is not None and _limited(input_type, self._where[-1]):
            self.variables.append(_VariableUse(node.name.value, input_type, self._where[-1],
                                               node))


def _limited(input_type: GraphQLInputType, coordinate: str) -> bool:
    """Whether a value of ``input_type`` at ``coordinate`` can hold a string with a limit."""
    while isinstance(input_type, GraphQLNonNull | GraphQLList):
        input_type = input_type.of_type
    return isinstance(input_type, GraphQLInputObjectType) or limit_of(coordinate) is not None


def _field_name(parent: Any, field: Any) -> str:
    fields = getattr(parent, "fields", {})
    return next((name for name, candidate in fields.items() if candidate is field), "?")


def _plan(schema: GraphQLSchema, document: DocumentNode) -> _Plan:
    type_info = TypeInfo(schema)
    planner = _Planner(type_info)
    visit(document, TypeInfoVisitor(type_info, planner))
    return _Plan(tuple(planner.literals), tuple(planner.variables))


def _strings(value: Any, input_type: GraphQLInputType, coordinate: str
             ) -> Iterator[tuple[str, str]]:
    """(coordinate, string) for every string in a variable's value, by where it goes."""
    if isinstance(input_type, GraphQLNonNull):
        input_type = input_type.of_type
    if isinstance(input_type, GraphQLList):
        items = value if isinstance(value, list) else [value]  # a lone value is coerced so
        for item in items:
            yield from _strings(item, input_type.of_type, coordinate)
    elif isinstance(input_type, GraphQLInputObjectType) and isinstance(value, dict):
        for name, item in value.items():
            field = input_type.fields.get(name)
            if field is not None:
                yield from _strings(item, field.type, f"{input_type.name}.{name}")
    elif isinstance(value, str):
        yield coordinate, value


def _variable_errors(plan: _Plan, variables: Mapping[str, Any]) -> Iterator[_TooLong]:
    for use in plan.variables:
        if use.name not in variables:
            continue
        for coordinate, text in _strings(variables[use.name], use.type, use.coordinate):
            limit = limit_of(coordinate)
            if limit is not None and len(text) > limit:
                yield _TooLong(coordinate, len(text), limit, use.node, use.name)
                return


class _Plans:
    """Plans by query text: the same few documents come again and again."""

    def __init__(self, maxsize: int = 512) -> None:
        self._plans: OrderedDict[tuple[GraphQLSchema, str], _Plan] = OrderedDict()
        self._maxsize = maxsize

    def get(self, schema: GraphQLSchema, query: str, document: DocumentNode) -> _Plan:
        key = (schema, query)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _plan(schema, document)
            if len(self._plans) > self._maxsize:
                self._plans.popitem(last=False)
        else:
            self._plans.move_to_end(key)
        return plan


_plans = _Plans()


def input_limit_errors(schema: GraphQLSchema, document: DocumentNode | str,
                       variables: Mapping[str, Any] | None, language: str = "en",
                       *, query: str | None = None) -> list[GraphQLError]:
    """The over-long strings of a (valid) request, as errors; empty when all fit."""
    if isinstance(document, str):
        query, document = document, parse(document)
    plan = (_plans.get(schema, query, document) if query is not None
            else _plan(schema, document))
    found = [*plan.literals, *_variable_errors(plan, variables or {})]
    return [too_long.error(language) for too_long in found]


class InputLimits(SchemaExtension):
    """Refuses a request with an over-long string before it executes."""

    def on_execute(self) -> Iterator[None]:
        """Check the operation's strings; on an over-long one, answer with the errors instead
        of executing."""
        execution = self.execution_context
        document = execution.graphql_document
        if document is not None and not execution.result:
            language = getattr(execution.context, "language", "en")
            errors = input_limit_errors(execution.schema._schema, document,
                                        execution.variables, language,
                                        query=execution.query)
            if errors:
                # strawberry executes nothing when a result is already there.
                execution.result = ExecutionResult(data=None, errors=errors)
        yield
