"""The Caseline adapter SDK: build an agency's caseline.v1 AgencyAdapter on your own system.

An agency supplies an :class:`AgencyProfile` (ids, names, case types, number formats, mapping
table file) and a :class:`CaseSource` over its system of record. The SDK provides the gRPC
server with validation, batch limits, deadlines, consent-token checks, mapping, health,
reflection, structured logs, mutual TLS (:class:`ServerTLS`), a place for the agency's own
grpc.aio interceptors and graceful shutdown.
"""

from adapters.sdk.consent import ConsentClaims, ConsentTokenVerifier
from adapters.sdk.errors import (
    AdapterError,
    InvalidArgumentError,
    PermissionDeniedError,
    ResourceExhaustedError,
    UnauthenticatedError,
)
from adapters.sdk.mapping import (
    LocalizedText,
    MappedStatus,
    MappingEntry,
    MappingTable,
    MappingTableError,
    lint_table,
    normalize_key,
)
from adapters.sdk.numbers import InvalidNumberError, NumberFormat, Problem
from adapters.sdk.profile import AgencyProfile
from adapters.sdk.records import (
    AgencyWording,
    CaseRecord,
    ChangeRecord,
    EventRecord,
    HearingRecord,
)
from adapters.sdk.server import AdapterServer, build_servicer, run_adapter
from adapters.sdk.servicer import MAX_BATCH_SIZE, AdapterServicer
from adapters.sdk.source import CaseSource, StatisticsSource
from adapters.sdk.statistics import ProcessingAggregates
from adapters.sdk.status_classes import StatusClassifier
from adapters.sdk.testing import InMemoryCaseSource
from adapters.sdk.texts import LocalizedTextError
from adapters.sdk.transport import PlaintextRefusedError, ServerTLS, TLSFileError

__all__ = [
    "MAX_BATCH_SIZE",
    "AdapterError",
    "AdapterServer",
    "AdapterServicer",
    "AgencyProfile",
    "AgencyWording",
    "CaseRecord",
    "CaseSource",
    "ChangeRecord",
    "ConsentClaims",
    "ConsentTokenVerifier",
    "EventRecord",
    "HearingRecord",
    "InMemoryCaseSource",
    "InvalidArgumentError",
    "InvalidNumberError",
    "LocalizedText",
    "LocalizedTextError",
    "MappedStatus",
    "MappingEntry",
    "MappingTable",
    "MappingTableError",
    "NumberFormat",
    "PermissionDeniedError",
    "PlaintextRefusedError",
    "Problem",
    "ProcessingAggregates",
    "ResourceExhaustedError",
    "ServerTLS",
    "StatisticsSource",
    "StatusClassifier",
    "TLSFileError",
    "UnauthenticatedError",
    "build_servicer",
    "lint_table",
    "normalize_key",
    "run_adapter",
]
