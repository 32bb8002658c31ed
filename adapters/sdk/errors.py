"""Errors an adapter reports to its callers, each with a canonical gRPC status.

::

    AdapterError                 (base; never raised itself)
    ├── InvalidArgumentError     INVALID_ARGUMENT, names the field (BadRequest)
    ├── UnauthenticatedError     UNAUTHENTICATED: consent token missing, forged or expired
    ├── PermissionDeniedError    PERMISSION_DENIED: token valid but does not cover the request
    ├── ResourceExhaustedError   RESOURCE_EXHAUSTED: throttled
    ├── FailedPreconditionError  FAILED_PRECONDITION: the adapter cannot serve safely yet
    └── UnimplementedError       UNIMPLEMENTED: the method is not offered by this adapter

Each carries a stable ``UPPER_SNAKE`` reason sent as ``google.rpc.ErrorInfo``. The aggregator
reads it to tell an agency in trouble from a bad request (only the first counts toward the
agency's circuit breaker, see ``aggregator/federation/faults.py``):

- RESOURCE_EXHAUSTED with reason ``QUOTA_EXCEEDED`` (or ``RATE_LIMIT_EXCEEDED``): the agency's
  own capacity is spent, it is unavailable for everyone. Any other reason (a throttle on one
  caller or one case) is about the request.
- A reason starting ``INVALID_``, ``CONSENT_``, ``CASE_``, ``REQUEST_`` or ``BATCH_`` names a
  fault of the request whatever the code (e.g. FAILED_PRECONDITION ``CASE_CLOSED``); other
  FAILED_PRECONDITION reasons (``NO_CUSTODIAN_KEY``) are the adapter's.
"""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

__all__ = [
    "AdapterError",
    "FailedPreconditionError",
    "InvalidArgumentError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "UnauthenticatedError",
    "UnimplementedError",
]

ERROR_DOMAIN = "caseline.dev"


class AdapterError(Exception):
    """Base class: a request the adapter refuses, with a status code and a stable reason."""

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, reason={self.reason!r})"

    def details(self) -> list[any_pb2.Any]:
        """Rich error details sent beside the status."""
        info = any_pb2.Any()
        info.Pack(error_details_pb2.ErrorInfo(reason=self.reason, domain=ERROR_DOMAIN))
        return [info]

    def to_status(self) -> grpc.Status:
        """The rich gRPC status for ``context.abort_with_status``."""
        status = status_pb2.Status(code=self.code.value[0], message=self.message,
                                   details=self.details())
        return rpc_status.to_status(status)


class InvalidArgumentError(AdapterError):
    """A request field is malformed; the message says what is expected."""

    code = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(self, field: str, description: str, reason: str = "INVALID_ARGUMENT") -> None:
        super().__init__(f"{field}: {description}", reason)
        self.field = field
        self.description = description

    def details(self) -> list[any_pb2.Any]:
        """ErrorInfo plus a BadRequest field violation naming the field."""
        violation = error_details_pb2.BadRequest.FieldViolation(
            field=self.field, description=self.description)
        bad_request = any_pb2.Any()
        bad_request.Pack(error_details_pb2.BadRequest(field_violations=[violation]))
        return [*super().details(), bad_request]


class UnauthenticatedError(AdapterError):
    """The consent token is missing, malformed, forged, expired or for another agency."""

    code = grpc.StatusCode.UNAUTHENTICATED


class PermissionDeniedError(AdapterError):
    """The consent token is genuine but does not cover what was asked."""

    code = grpc.StatusCode.PERMISSION_DENIED


class ResourceExhaustedError(AdapterError):
    """Too many attempts; the message says when to try again."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class FailedPreconditionError(AdapterError):
    """The adapter is not set up to answer safely (e.g. no key to seal sensitive fields to)."""

    code = grpc.StatusCode.FAILED_PRECONDITION


class UnimplementedError(AdapterError):
    """The adapter does not offer what was asked (an optional method its source lacks)."""

    code = grpc.StatusCode.UNIMPLEMENTED
