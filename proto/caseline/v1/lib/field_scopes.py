"""Reading the contract's sensitivity declarations (``caseline/v1/sensitivity.proto``).

Hand-written, part of the contract package: adapters and the gateway ask the descriptors which
consent scope a field needs instead of keeping their own lists.
"""

from __future__ import annotations

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from caseline.v1 import sensitivity_pb2
from caseline.v1.lib.scopes import Scope

__all__ = ["field_scopes", "scope_of"]

_SCOPE_OF_SENSITIVITY = {
    sensitivity_pb2.SENSITIVITY_UNSPECIFIED: Scope.STATUS,
    sensitivity_pb2.SENSITIVITY_DETAILS: Scope.DETAILS,
    sensitivity_pb2.SENSITIVITY_IDENTITY: Scope.IDENTITY,
}


def scope_of(field: FieldDescriptor) -> Scope:
    """The consent scope that releases ``field``: STATUS unless the contract says more.

    A sensitivity value this code does not know (added to the contract later) is treated as
    IDENTITY, the most guarded scope, so a newer contract never leaks through older code.
    """
    value = field.GetOptions().Extensions[sensitivity_pb2.sensitivity]
    return _SCOPE_OF_SENSITIVITY.get(value, Scope.IDENTITY)


def field_scopes(message: Descriptor) -> dict[str, Scope]:
    """Field name -> scope for every field of ``message``."""
    return {field.name: scope_of(field) for field in message.fields}
