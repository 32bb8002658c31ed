"""Withholding fields outside a consent token's scopes, at the source.

The split is the one the contract's ``caseline.v1.lib.scopes.Scope`` documents: STATUS
releases the case number and type, dates, category, milestone, mapped texts and the agency's
code; DETAILS releases the agency's own wording, offices, due dates and hearings; IDENTITY
releases personal identifiers (no field of the current messages carries
one beyond the case number, which the caller already holds).

:data:`FIELD_SCOPES` is built from the contract's ``(caseline.v1.sensitivity)`` field options,
so there is no list to keep in step. ``withhold`` still fails closed for a split that does not
name a field: such a field is released only to a token holding every scope.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import lru_cache
from types import MappingProxyType

from google.protobuf.descriptor import Descriptor

from caseline.v1 import case_pb2, vocabulary_pb2
from caseline.v1.lib.field_scopes import field_scopes
from caseline.v1.lib.scopes import Scope

__all__ = ["FIELD_SCOPES", "withhold", "withhold_event"]

# message name -> field -> the scope that releases it, read from the contract's sensitivity
# options (caseline/v1/sensitivity.proto). ``Case.status``, ``Case.events`` and
# ``CaseEvent.status`` are containers: released with STATUS, their own fields filtered by
# their own entries. Hearing is released or withheld whole (time, place and judge).
FIELD_SCOPES: Mapping[str, Mapping[str, Scope]] = MappingProxyType({
    descriptor.name: MappingProxyType(field_scopes(descriptor))
    for descriptor in (case_pb2.Case.DESCRIPTOR, case_pb2.CaseEvent.DESCRIPTOR,
                       vocabulary_pb2.Status.DESCRIPTOR)
})

_ALL = frozenset(Scope)
_CASE = case_pb2.Case.DESCRIPTOR
_EVENT = case_pb2.CaseEvent.DESCRIPTOR
_STATUS_MESSAGE = vocabulary_pb2.Status.DESCRIPTOR


def _outside(descriptor: Descriptor, scopes: Collection[str],
             split: Mapping[str, Mapping[str, str]]) -> tuple[str, ...]:
    if split is FIELD_SCOPES and isinstance(scopes, frozenset):
        return _outside_contract(descriptor, scopes)  # the common case, worked out once
    return _fields_outside(descriptor, scopes, split)


@lru_cache(maxsize=256)
def _outside_contract(descriptor: Descriptor, scopes: frozenset[str]) -> tuple[str, ...]:
    return _fields_outside(descriptor, scopes, FIELD_SCOPES)


def _fields_outside(descriptor: Descriptor, scopes: Collection[str],
                    split: Mapping[str, Mapping[str, str]]) -> tuple[str, ...]:
    # Unclassified fields map to None, which no token grants: withheld (fail closed).
    released = split.get(descriptor.name, {})
    return tuple(f.name for f in descriptor.fields if released.get(f.name) not in scopes)


def _clear_event(event: case_pb2.CaseEvent, event_fields: tuple[str, ...],
                 status_fields: tuple[str, ...]) -> None:
    for name in event_fields:
        event.ClearField(name)  # type: ignore[arg-type]
    if event.HasField("status"):  # touching an absent status must not create one
        for name in status_fields:
            event.status.ClearField(name)  # type: ignore[arg-type]


def withhold(case: case_pb2.Case, scopes: Collection[str],
             split: Mapping[str, Mapping[str, str]] = FIELD_SCOPES) -> None:
    """Clear, in place, every field of ``case`` and its events outside ``scopes``.

    ``split`` must only name values of ``caseline.v1.lib.scopes.Scope``.
    """
    if _ALL.issubset(scopes):
        return  # every scope granted (the subject's own reads): nothing to withhold
    for name in _outside(_CASE, scopes, split):
        case.ClearField(name)  # type: ignore[arg-type]
    status_fields = _outside(_STATUS_MESSAGE, scopes, split)
    if case.HasField("status"):
        for name in status_fields:
            case.status.ClearField(name)  # type: ignore[arg-type]
    event_fields = _outside(_EVENT, scopes, split)
    for event in case.events:
        _clear_event(event, event_fields, status_fields)


def withhold_event(event: case_pb2.CaseEvent, scopes: Collection[str],
                   split: Mapping[str, Mapping[str, str]] = FIELD_SCOPES) -> None:
    """Clear, in place, every field of ``event`` (and its status) outside ``scopes``."""
    if _ALL.issubset(scopes):
        return
    _clear_event(event, _outside(_EVENT, scopes, split),
                 _outside(_STATUS_MESSAGE, scopes, split))
