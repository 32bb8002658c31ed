"""Sealing and opening a case's sensitive fields, part of the caseline.v1 contract.

Every field whose ``(caseline.v1.sensitivity)`` option is DETAILS or IDENTITY is sealed where
it sits — in the case, its status, its events and their statuses — and moved into
``Case.sealed_fields`` (see ``sealing.proto`` for the path syntax). The plaintext of one sealed
value is a message of the field's parent type with only that field set, so any field type
(string, message, repeated) seals the same way. Each value's associated data is ``(agency,
case number, path, subject pseudonym, key id)``: a value moved to another field, event, case
or subject does not open.

Opening checks everything an adapter could get wrong or forge: the path must name an existing
sensitive field, its declared scope must be the contract's, and the plaintext must set exactly
that field — so a sealed value can never overwrite a STATUS field.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from functools import cache

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import DecodeError, Message

from caseline.v1 import case_pb2, sealing_pb2, sensitivity_pb2
from caseline.v1.field_scopes import scope_of
from caseline.v1.sealed import DataKey, SealError

__all__ = ["OpenReport", "open_case", "seal_case", "sealed_scope", "strip_unsealed"]

_SENSITIVITY_OF_SCOPE = {"DETAILS": sensitivity_pb2.SENSITIVITY_DETAILS,
                         "IDENTITY": sensitivity_pb2.SENSITIVITY_IDENTITY}
_SCOPE_OF_SENSITIVITY = {v: k for k, v in _SENSITIVITY_OF_SCOPE.items()}
_STEP = re.compile(r"([a-z_][a-z0-9_]*)(?:\[(0|[1-9][0-9]{0,6})\])?")
_MAX_PATH = 256


@cache
def _sensitive(descriptor: Descriptor) -> dict[str, str]:
    """Field name -> scope for the fields of ``descriptor`` that are sealed."""
    return {f.name: scope for f in descriptor.fields
            if (scope := scope_of(f)) != "STATUS"}


@cache
def _reaches_sensitive(descriptor: Descriptor, seen: frozenset[str] = frozenset()) -> bool:
    """Whether a message of this type can hold a sensitive field, itself or nested."""
    if _sensitive(descriptor):
        return True
    inner = seen | {descriptor.full_name}
    return any(f.message_type is not None and f.message_type.full_name not in inner
               and _reaches_sensitive(f.message_type, inner) for f in descriptor.fields)


def _walk(message: Message, prefix: str) -> Iterator[tuple[str, Message, FieldDescriptor, str]]:
    """(path, parent, field, scope) of every set sensitive field, depth first."""
    sensitive = _sensitive(message.DESCRIPTOR)
    for fd, value in message.ListFields():
        path = prefix + fd.name
        scope = sensitive.get(fd.name)
        if scope is not None:
            yield path, message, fd, scope
        elif fd.message_type is not None and _reaches_sensitive(fd.message_type):
            if fd.is_repeated:
                for i, item in enumerate(value):
                    yield from _walk(item, f"{path}[{i}].")
            else:
                yield from _walk(value, path + ".")


def _only(parent: Message, fd: FieldDescriptor) -> bytes:
    """The plaintext of one field: a message of the parent's type with only it set."""
    container = type(parent)()
    value = getattr(parent, fd.name)
    if fd.is_repeated:
        getattr(container, fd.name).extend(value)
    elif fd.message_type is not None:
        getattr(container, fd.name).CopyFrom(value)
    else:
        setattr(container, fd.name, value)
    return container.SerializeToString()


def seal_case(case: case_pb2.Case, key: DataKey, *, agency: str, subject: str) -> int:
    """Seal, in place, every set sensitive field of ``case`` under ``key``; returns how many.

    The caller wraps ``key`` to the custodian and sets ``case.data_key``.
    """
    found = list(_walk(case, ""))
    for path, parent, fd, scope in found:
        value = key.seal(_only(parent, fd), (agency, case.case_number, path, subject))
        parent.ClearField(fd.name)  # type: ignore[arg-type]
        case.sealed_fields.append(sealing_pb2.SealedField(
            path=path, sensitivity=_SENSITIVITY_OF_SCOPE[scope], value=value))
    return len(found)


def strip_unsealed(case: case_pb2.Case) -> list[str]:
    """Clear, in place, sensitive fields that arrived in plaintext; returns their paths.

    For receivers that accept only sealed sensitive data: what an adapter sent unsealed is
    dropped rather than kept or shown.
    """
    found = list(_walk(case, ""))
    for _, parent, fd, _ in found:
        parent.ClearField(fd.name)  # type: ignore[arg-type]
    return [path for path, *_ in found]


def _resolve(case: case_pb2.Case, path: str) -> tuple[Message, FieldDescriptor]:
    """The parent message and field a path names; SealError if it names nothing sealable."""
    if not path or len(path) > _MAX_PATH:
        raise SealError(f"sealed field path {path[:40]!r} is empty or too long")
    steps = path.split(".")
    message: Message = case
    for n, step in enumerate(steps):
        match = _STEP.fullmatch(step)
        fd = message.DESCRIPTOR.fields_by_name.get(match.group(1)) if match else None
        if match is None or fd is None:
            raise SealError(f"sealed field path {path!r}: no field {step!r}")
        last = n == len(steps) - 1
        if last:
            if match.group(2) is not None or fd.name not in _sensitive(message.DESCRIPTOR):
                raise SealError(f"sealed field path {path!r} does not name a sensitive field")
            return message, fd
        if fd.message_type is None:
            raise SealError(f"sealed field path {path!r}: {step!r} is not a message")
        repeated = fd.is_repeated
        if repeated != (match.group(2) is not None):
            raise SealError(f"sealed field path {path!r}: {step!r} needs "
                            f"{'an index' if repeated else 'no index'}")
        if repeated:
            items = getattr(message, fd.name)
            index = int(match.group(2))
            if index >= len(items):
                raise SealError(f"sealed field path {path!r}: no element {index}")
            message = items[index]
        else:
            message = getattr(message, fd.name)
    raise SealError(f"sealed field path {path!r} is empty")  # pragma: no cover - split >= 1


def sealed_scope(sealed: sealing_pb2.SealedField) -> str:
    """The scope a sealed field declares (IDENTITY for a value this code does not know)."""
    return _SCOPE_OF_SENSITIVITY.get(sealed.sensitivity, "IDENTITY")


@dataclass(slots=True)
class OpenReport:
    """What opening a case did: values opened per scope, values left sealed because their
    scope was not released, and values that could not be opened (and why)."""

    opened: dict[str, int] = field(default_factory=dict)
    withheld: list[tuple[str, str]] = field(default_factory=list)  # (path, scope)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


def open_case(case: case_pb2.Case, key: DataKey | None, *, agency: str, subject: str,
              scopes: Collection[str]) -> OpenReport:
    """Open, in place, the sealed fields of ``case`` whose scope is in ``scopes``.

    Opened values move back into their fields and out of ``case.sealed_fields``; the rest stay
    there, sealed. ``key`` is None when the data key could not be unwrapped: nothing opens.
    """
    report = OpenReport()
    keep: list[sealing_pb2.SealedField] = []
    for sealed in case.sealed_fields:
        path = sealed.path
        try:
            parent, fd = _resolve(case, path)
        except SealError as exc:
            report.failed.append((path, str(exc)))
            continue
        scope = _sensitive(parent.DESCRIPTOR)[fd.name]
        if sealed_scope(sealed) != scope:
            report.failed.append((path, f"declared {sealed_scope(sealed)}, the contract says "
                                        f"{scope}"))
            continue
        if scope not in scopes:
            report.withheld.append((path, scope))
            keep.append(sealed)
            continue
        if key is None:
            report.failed.append((path, "the case's data key could not be unwrapped"))
            continue
        try:
            plaintext = key.open(sealed.value, (agency, case.case_number, path, subject))
            container = type(parent)()
            container.ParseFromString(plaintext)
        except (SealError, DecodeError) as exc:
            report.failed.append((path, str(exc)))
            continue
        set_fields = [f.name for f, _ in container.ListFields()]
        if set_fields != [fd.name]:
            report.failed.append((path, f"its plaintext sets {set_fields}, not [{fd.name!r}]"))
            continue
        parent.ClearField(fd.name)  # type: ignore[arg-type]
        parent.MergeFrom(container)
        report.opened[scope] = report.opened.get(scope, 0) + 1
    del case.sealed_fields[:]
    case.sealed_fields.extend(keep)
    return report
