"""Sealing and opening a case's sensitive fields, part of the caseline.v1 contract.

Every field whose ``(caseline.v1.sensitivity)`` option is DETAILS or IDENTITY is sealed where
it sits — in the case, its status, its events and their statuses — and moved into
``Case.sealed_fields``: one sealed value per scope, whose plaintext is a projection of the
case (a ``Case`` message holding just those fields, each in its place). The value's path lists
every field it holds, element by element, so the associated data binds each field's place:
``{office,status.agency_text};events[0]{due_date,office};events[2]{hearing}`` — the case
itself is the empty element, ``events[i]`` the i-th event; fields are sorted. The associated
data is ``(agency, case number, path, subject pseudonym, key id)``: a value moved to another
case, subject or scope, or relabelled with other fields, does not open.

Opening checks everything an adapter could get wrong or forge: the path must name sensitive
fields of one scope in existing elements, the declared scope must be the contract's, the
plaintext must hold every named field, and only the named fields are taken from it — so a
sealed value can never set a STATUS field.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cache, lru_cache

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import DecodeError, Message

from caseline.v1 import case_pb2, sealing_pb2, sensitivity_pb2
from caseline.v1.lib.field_scopes import scope_of
from caseline.v1.lib.scopes import Scope
from caseline.v1.lib.sealed import DataKey, SealError, associated_data

__all__ = ["OpenReport", "open_case", "seal_case", "sealed_scope", "strip_unsealed"]

_SENSITIVITY_OF_SCOPE = {Scope.DETAILS: sensitivity_pb2.SENSITIVITY_DETAILS,
                         Scope.IDENTITY: sensitivity_pb2.SENSITIVITY_IDENTITY}
_SCOPE_OF_SENSITIVITY = {v: k for k, v in _SENSITIVITY_OF_SCOPE.items()}
_STEP = re.compile(r"([a-z_][a-z0-9_]*)(?:\[(0|[1-9][0-9]{0,6})\])?")
# ELEMENT{FIELD,...}: the case ("") or an item of a repeated field, then its sealed fields.
_GROUP = re.compile(r"((?:[a-z_][a-z0-9_]*(?:\[(?:0|[1-9][0-9]{0,6})\])?\.?)*)"
                    r"\{([a-z_][a-z0-9_.]*(?:,[a-z_][a-z0-9_.]*)*)\}")
_MAX_PATH = 65536


@cache
def _sensitive(descriptor: Descriptor) -> dict[str, Scope]:
    """Field name -> scope for the fields of ``descriptor`` that are sealed."""
    return {f.name: scope for f in descriptor.fields
            if (scope := scope_of(f)) != Scope.STATUS}


@cache
def _reaches_sensitive(descriptor: Descriptor, seen: frozenset[str] = frozenset()) -> bool:
    """Whether a message of this type can hold a sensitive field, itself or nested."""
    if _sensitive(descriptor):
        return True
    inner = seen | {descriptor.full_name}
    return any(f.message_type is not None and f.message_type.full_name not in inner
               and _reaches_sensitive(f.message_type, inner) for f in descriptor.fields)


# (element path, element, path relative to it, parent message, field, scope)
_Found = tuple[str, Message, str, Message, FieldDescriptor, Scope]
_Member = tuple[str, Message, FieldDescriptor]  # relative path, parent, field


_REPEATED, _PRESENCE, _SCALAR = 0, 1, 2


@cache
def _relevant(descriptor: Descriptor) -> tuple[tuple[str, int, object, FieldDescriptor,
                                                     Scope | None], ...]:
    """The fields a walk must look at — sensitive ones (with their scope) and messages that
    can hold sensitive fields (scope None) — with how to tell whether each is set.
    Everything else is skipped without a look."""
    sensitive = _sensitive(descriptor)
    relevant = []
    for f in descriptor.fields:
        if f.name in sensitive or (f.message_type is not None
                                   and _reaches_sensitive(f.message_type)):
            kind = (_REPEATED if f.is_repeated else
                    _PRESENCE if f.message_type is not None or f.has_presence else _SCALAR)
            relevant.append((f.name, kind, f.default_value, f, sensitive.get(f.name)))
    return tuple(relevant)


def _walk(case: Message) -> list[_Found]:
    """Every set sensitive field, depth first, with the element it belongs to (the case, "",
    or an item of a repeated field, "events[3]") and its path relative to that element."""
    found: list[_Found] = []
    # (message, element path, element, prefix): an explicit stack, cheaper than recursion.
    stack: list[tuple[Message, str, Message, str]] = [(case, "", case, "")]
    while stack:
        message, element, root, prefix = stack.pop()
        nested: list[tuple[Message, str, Message, str]] = []
        for name, kind, default, fd, scope in _relevant(message.DESCRIPTOR):
            if kind == _PRESENCE:
                if not message.HasField(name):
                    continue
            else:
                value = getattr(message, name)
                if (not len(value)) if kind == _REPEATED else value == default:
                    continue
            if scope is not None:
                found.append((element, root, prefix + name, message, fd, scope))
            elif kind == _REPEATED:
                base = f"{element}.{prefix}{name}" if element else prefix + name
                nested.extend((item, f"{base}[{i}]", item, "") for i, item in enumerate(value))
            else:
                nested.append((getattr(message, name), element, root, f"{prefix}{name}."))
        stack.extend(reversed(nested))
    return found


def _group_path(element: str, fields: list[str]) -> str:
    return f"{element}{{{','.join(fields)}}}"


def _copy_field(source: Message, target: Message, fd: FieldDescriptor) -> None:
    value = getattr(source, fd.name)
    if fd.is_repeated:
        getattr(target, fd.name).extend(value)
    elif fd.message_type is not None:
        getattr(target, fd.name).CopyFrom(value)
    else:
        setattr(target, fd.name, value)


@lru_cache(maxsize=1024)
def _split(relative: str) -> tuple[tuple[str, ...], str]:
    """("status", "agency_text") steps and name of a relative field path."""
    *steps, name = relative.split(".")
    return tuple(steps), name


def _descend(message: Message, steps: tuple[str, ...]) -> Message:
    for step in steps:
        message = getattr(message, step)
    return message


def _projected(projection: Message, steps: tuple[tuple[str, int | None], ...]) -> Message:
    """The element at ``steps`` inside ``projection``, created (with empty items before it)
    if need be."""
    message = projection
    for name, index in steps:
        value = getattr(message, name)
        if index is None:
            message = value
        else:
            while len(value) <= index:
                value.add()
            message = value[index]
    return message


def seal_case(case: case_pb2.Case, key: DataKey, *, agency: str, subject: str) -> int:
    """Seal, in place, every set sensitive field of ``case`` under ``key``; returns how many.

    All the fields one scope releases are sealed together as one value (a projection of the
    case holding just them); the caller wraps ``key`` and sets ``case.data_key``.
    """
    by_scope: dict[Scope, dict[str, list[_Member]]] = {}
    for element, _, relative, parent, fd, scope in _walk(case):
        by_scope.setdefault(scope, {}).setdefault(element, []).append((relative, parent, fd))
    # The associated data is (agency, case number, path, subject): only the path varies.
    head, tail = associated_data(agency, case.case_number), associated_data(subject)
    count = 0
    for scope, elements in by_scope.items():
        projection = case_pb2.Case()
        groups = []
        for element, members in elements.items():
            members.sort(key=lambda m: m[0])
            target = _projected(projection, _element_steps(element)[1])
            for relative, parent, fd in members:
                _copy_field(parent, _descend(target, _split(relative)[0]), fd)
            groups.append(_group_path(element, [m[0] for m in members]))
            count += len(members)
        path = ";".join(groups)
        value = key.seal_bound(projection.SerializeToString(),
                               head + associated_data(path) + tail)
        for members in elements.values():
            for _, parent, fd in members:
                parent.ClearField(fd.name)
        case.sealed_fields.add(path=path, sensitivity=_SENSITIVITY_OF_SCOPE[scope],
                               value=value)
    return count


def _any_set(message: Message) -> bool:
    """Whether any sensitive field is set in ``message`` or below (no paths built: the
    common answer, for adapters that seal, is no)."""
    for name, kind, default, _, scope in _relevant(message.DESCRIPTOR):
        if kind == _PRESENCE:
            if not message.HasField(name):
                continue
            if scope is not None or _any_set(getattr(message, name)):
                return True
        else:
            value = getattr(message, name)
            if kind == _REPEATED:
                if scope is not None and len(value):
                    return True
                if scope is None and any(_any_set(item) for item in value):
                    return True
            elif value != default:
                return True
    return False


def strip_unsealed(case: case_pb2.Case) -> list[str]:
    """Clear, in place, sensitive fields that arrived in plaintext; returns their paths.

    For receivers that accept only sealed sensitive data: what an adapter sent unsealed is
    dropped rather than kept or shown.
    """
    if not _any_set(case):
        return []
    found = _walk(case)
    for _, _, _, parent, fd, _ in found:
        parent.ClearField(fd.name)
    return [_full(element, relative) for element, _, relative, *_ in found]


def _full(element: str, relative: str) -> str:
    return f"{element}.{relative}" if element else relative


@lru_cache(maxsize=4096)
def _element_steps(path: str) -> tuple[Descriptor, tuple[tuple[str, int | None], ...]]:
    """The element type an element path names and the steps to it ("" is the case;
    "events[3]" one event); SealError if it names no item of a repeated message field."""
    descriptor: Descriptor = case_pb2.Case.DESCRIPTOR
    if not path:
        return descriptor, ()
    steps: list[tuple[str, int | None]] = []
    for step in path.split("."):
        match = _STEP.fullmatch(step)
        fd = descriptor.fields_by_name.get(match.group(1)) if match else None
        if match is None or fd is None or fd.message_type is None:
            raise SealError(f"element {path!r}: no message field {step!r}")
        if fd.is_repeated != (match.group(2) is not None):
            raise SealError(f"element {path!r}: {step!r} needs "
                            f"{'an index' if fd.is_repeated else 'no index'}")
        steps.append((fd.name, int(match.group(2)) if fd.is_repeated else None))
        descriptor = fd.message_type
    if steps[-1][1] is None:
        raise SealError(f"element {path!r} is not the case or an item of a repeated field")
    return descriptor, tuple(steps)


def _element(case: case_pb2.Case, path: str,
             steps: tuple[tuple[str, int | None], ...]) -> Message:
    message: Message = case
    for name, index in steps:
        value = getattr(message, name)
        if index is None:
            message = value
        elif index < len(value):
            message = value[index]
        else:
            raise SealError(f"element {path!r}: no element {index}")
    return message


@cache
def _relative_scope(descriptor: Descriptor, relative: str) -> Scope:
    """The scope of a sensitive field named relative to an element of type ``descriptor``."""
    *steps, name = relative.split(".")
    for step in steps:
        fd = descriptor.fields_by_name.get(step)
        if fd is None or fd.message_type is None or fd.is_repeated or step in _sensitive(
                descriptor):
            raise SealError(f"{relative!r}: {step!r} is not a message field to descend into")
        descriptor = fd.message_type
    scope = _sensitive(descriptor).get(name)
    if scope is None:
        raise SealError(f"{relative!r} does not name a sensitive field")
    return scope


# One element of a sealed value's path: where it is, the steps to it, its fields.
_Group = tuple[str, tuple[tuple[str, int | None], ...], tuple[str, ...]]


@lru_cache(maxsize=4096)
def _parse_path(path: str) -> tuple[tuple[_Group, ...], Scope]:
    """The elements a sealed value's path names, each with its sealed fields, and their one
    scope (case-independent, so parsed once per distinct path)."""
    if not path or len(path) > _MAX_PATH:
        raise SealError(f"sealed value path {path[:60]!r} is empty or too long")
    groups: list[_Group] = []
    scopes: set[Scope] = set()
    for part in path.split(";"):
        match = _GROUP.fullmatch(part)
        if match is None:
            raise SealError(f"sealed value path {path[:60]!r}: {part[:60]!r} is not "
                            "ELEMENT{FIELD,...}")
        descriptor, steps = _element_steps(match.group(1))
        fields = match.group(2).split(",")
        if fields != sorted(set(fields)):
            raise SealError(f"sealed value path {part!r}: fields must be sorted and distinct")
        scopes.update(_relative_scope(descriptor, f) for f in fields)
        groups.append((match.group(1), steps, tuple(fields)))
    if len({g[0] for g in groups}) != len(groups):
        raise SealError(f"sealed value path {path[:60]!r} names an element twice")
    if len(scopes) != 1:
        raise SealError(f"sealed value path {path[:60]!r} mixes scopes {sorted(map(str, scopes))}")
    return tuple(groups), scopes.pop()


def _message_type(descriptor: Descriptor, name: str) -> Descriptor:
    """The message type of field ``name``: a step ``_parse_path`` has already checked, so the
    error is for a caller that skipped it."""
    inner = descriptor.fields_by_name[name].message_type
    if inner is None:
        raise SealError(f"{name!r} is not a message field to descend into")
    return inner


# How to take one listed field: (steps to its parent within the element, name, kind, default)
_Take = tuple[tuple[str, ...], str, int, object]


@lru_cache(maxsize=4096)
def _plan(path: str) -> tuple[tuple[_Take, ...], ...]:
    """Per element of a parsed path, how to take each of its fields (computed once)."""
    groups, _ = _parse_path(path)
    plan = []
    for _, steps, fields in groups:
        descriptor: Descriptor = case_pb2.Case.DESCRIPTOR
        for name, _ in steps:
            descriptor = _message_type(descriptor, name)
        takes = []
        for relative in fields:
            parents, name = _split(relative)
            inner = descriptor
            for step in parents:
                inner = _message_type(inner, step)
            fd = inner.fields_by_name[name]
            kind = (_REPEATED if fd.is_repeated else
                    _PRESENCE if fd.message_type is not None or fd.has_presence else _SCALAR)
            takes.append((parents, name, kind, fd.default_value))
        plan.append(tuple(takes))
    return tuple(plan)


def _moves(path: str, groups: tuple[_Group, ...], targets: list[Message],
           projection: Message) -> list[tuple[Message, Message, str, int]] | None:
    """(from, into, field name, kind) for each listed field, or None if the plaintext lacks
    one.

    Only the listed fields are taken from a plaintext, each into its own place, so a value
    can never set anything else — a STATUS field, another event.
    """
    moves = []
    for (_, steps, _), target, takes in zip(groups, targets, _plan(path), strict=True):
        source = _projected(projection, steps)
        for parents, name, kind, default in takes:
            origin = _descend(source, parents) if parents else source
            if kind == _PRESENCE:
                if not origin.HasField(name):
                    return None
            else:
                value = getattr(origin, name)
                if (not len(value)) if kind == _REPEATED else value == default:
                    return None
            moves.append((origin, _descend(target, parents) if parents else target, name,
                          kind))
    return moves


def _put(source: Message, target: Message, name: str, kind: int) -> None:
    """Replace field ``name`` in ``target`` with its value in ``source``."""
    value = getattr(source, name)
    if kind == _REPEATED:
        target.ClearField(name)
        getattr(target, name).extend(value)
    elif kind == _PRESENCE and isinstance(value, Message):
        getattr(target, name).CopyFrom(value)
    else:
        setattr(target, name, value)


def sealed_scope(sealed: sealing_pb2.SealedField) -> Scope:
    """The scope a sealed field declares (IDENTITY for a value this code does not know)."""
    return _SCOPE_OF_SENSITIVITY.get(sealed.sensitivity, Scope.IDENTITY)


@dataclass(slots=True)
class OpenReport:
    """What opening a case did: values opened per scope, values left sealed because their
    scope was not released, and values that could not be opened (and why)."""

    opened: dict[str, int] = field(default_factory=dict)
    withheld: list[tuple[str, str]] = field(default_factory=list)  # (path, scope)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)

    def fail(self, groups: tuple[_Group, ...], reason: str) -> None:
        """Record that the fields of one sealed value did not open."""
        self.failed.extend((_full(where, f), reason) for where, _, fields in groups
                           for f in fields)


def open_case(case: case_pb2.Case, key: DataKey | None, *, agency: str, subject: str,
              scopes: Collection[str]) -> OpenReport:
    """Open, in place, the sealed values of ``case`` whose scope is in ``scopes``.

    Opened fields move back into place and their values out of ``case.sealed_fields``; the
    rest stay there, sealed. ``key`` is None when the data key could not be unwrapped: nothing
    opens. The report names fields by their full path ("events[3].office").
    """
    report = OpenReport()
    keep: list[sealing_pb2.SealedField] = []
    head, tail = associated_data(agency, case.case_number), associated_data(subject)
    for sealed in case.sealed_fields:
        path = sealed.path
        try:
            groups, scope = _parse_path(path)
            targets = [_element(case, where, steps) for where, steps, _ in groups]
        except SealError as exc:
            report.failed.append((path, str(exc)))
            continue
        declared = sealed_scope(sealed)
        if declared != scope:
            report.fail(groups, f"declared {declared}, the contract says {scope}")
            continue
        if scope not in scopes:
            report.withheld.extend((_full(w, f), scope) for w, _, fs in groups for f in fs)
            keep.append(sealed)
            continue
        if key is None:
            report.fail(groups, "the case's data key could not be unwrapped")
            continue
        try:
            projection = case_pb2.Case.FromString(
                key.open_bound(sealed.value, head + associated_data(path) + tail))
        except (SealError, DecodeError) as exc:
            report.fail(groups, str(exc))
            continue
        moves = _moves(path, groups, targets, projection)
        if moves is None:
            report.fail(groups, "its plaintext lacks fields its path names")
            continue
        for origin, into, name, kind in moves:
            _put(origin, into, name, kind)
        report.opened[scope] = report.opened.get(scope, 0) + len(moves)
    del case.sealed_fields[:]
    case.sealed_fields.extend(keep)
    return report
