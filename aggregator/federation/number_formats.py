"""Each agency's case number formats, as its adapter describes them (Describe).

Error texts name one format and point here for the rest; asked once per adapter and kept,
since an agency's formats change only with a new adapter release (a restart)."""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from aggregator.federation.fanout import AgencyCallError
from aggregator.federation.from_contract import localized_from_proto
from aggregator.model import in_language
from caseline.v1 import agency_adapter_pb2 as pb

__all__ = ["AgencyNumberFormat", "Describes", "description", "number_formats"]


@dataclass(frozen=True, slots=True)
class AgencyNumberFormat:
    """One case number format an agency accepts; ``names`` and ``descriptions`` by language
    as the agency supplies them (empty from an adapter that sends only English)."""

    name: str
    pattern: str
    example: str
    description: str
    names: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    descriptions: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)

    def name_in(self, language: str) -> str:
        """The format's display name in ``language``, else English, else its key."""
        return in_language(self.names, language, self.name)

    def description_in(self, language: str) -> str:
        """The description in ``language``, else English."""
        return in_language(self.descriptions, language, self.description)


@runtime_checkable
class Describes(Protocol):
    """An adapter that can describe itself (the gRPC client does; test fakes may not)."""

    describe: Callable[[float], Awaitable[pb.DescribeResponse]]


_DESCRIBED: weakref.WeakKeyDictionary[object, pb.DescribeResponse] = (
    weakref.WeakKeyDictionary())


async def description(adapter: object, timeout: float) -> pb.DescribeResponse | None:
    """The adapter's Describe answer, asked once and kept (what it describes changes only
    with a new adapter release, a restart); None when it cannot be asked (it describes
    nothing, or does not answer just now: asked again next time)."""
    if not isinstance(adapter, Describes):
        return None
    known = _DESCRIBED.get(adapter)
    if known is None:
        try:
            known = _DESCRIBED[adapter] = await adapter.describe(timeout)
        except AgencyCallError:
            return None
    return known


async def number_formats(adapter: object, timeout: float
                         ) -> tuple[AgencyNumberFormat, ...] | None:
    """The adapter's number formats; None when it cannot be asked (it describes nothing, or
    does not answer just now: asked again next time)."""
    described = await description(adapter, timeout)
    if described is None:
        return None
    formats = tuple(AgencyNumberFormat(f.name, f.pattern, f.example, f.description,
                                       localized_from_proto(f.names),
                                       localized_from_proto(f.descriptions))
                    for f in described.number_formats)
    return formats
