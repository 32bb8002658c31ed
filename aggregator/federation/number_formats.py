"""Each agency's case number formats, as its adapter describes them (Describe).

Error texts name one format and point here for the rest; asked once per adapter and kept,
since an agency's formats change only with a new adapter release (a restart)."""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from aggregator.federation.fanout import AgencyCallError
from caseline.v1 import agency_adapter_pb2 as pb

__all__ = ["AgencyNumberFormat", "Describes", "number_formats"]


@dataclass(frozen=True, slots=True)
class AgencyNumberFormat:
    """One case number format an agency accepts."""

    name: str
    pattern: str
    example: str
    description: str


@runtime_checkable
class Describes(Protocol):
    """An adapter that can describe itself (the gRPC client does; test fakes may not)."""

    describe: Callable[[float], Awaitable[pb.DescribeResponse]]


_KNOWN: weakref.WeakKeyDictionary[object, tuple[AgencyNumberFormat, ...]] = (
    weakref.WeakKeyDictionary())


async def number_formats(adapter: object, timeout: float
                         ) -> tuple[AgencyNumberFormat, ...] | None:
    """The adapter's number formats; None when it cannot be asked (it describes nothing, or
    does not answer just now: asked again next time)."""
    if not isinstance(adapter, Describes):
        return None
    known = _KNOWN.get(adapter)
    if known is not None:
        return known
    try:
        described = await adapter.describe(timeout)
    except AgencyCallError:
        return None
    formats = tuple(AgencyNumberFormat(f.name, f.pattern, f.example, f.description)
                    for f in described.number_formats)
    _KNOWN[adapter] = formats
    return formats
