"""How the API's failures reach the bridge's callers, each as a canonical gRPC status."""

from __future__ import annotations

import grpc

from adapters.sdk.errors import AdapterError, ResourceExhaustedError

__all__ = ["QuotaSpentError", "RateLimitedError", "UnavailableError"]


class UnavailableError(AdapterError):
    """The API cannot answer now (503, down, a body that is not the documented JSON); the
    message says why. Worth retrying later."""

    code = grpc.StatusCode.UNAVAILABLE

    def __init__(self, message: str, reason: str = "USCIS_API_UNAVAILABLE") -> None:
        super().__init__(message, reason)


class QuotaSpentError(ResourceExhaustedError):
    """The bridge's daily quota of API calls is spent: unavailable for everyone until the
    reset (reason QUOTA_EXCEEDED, which the aggregator reads as the agency's capacity)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "QUOTA_EXCEEDED")


class RateLimitedError(ResourceExhaustedError):
    """The API kept answering 429 after the bridge backed off as it asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "RATE_LIMIT_EXCEEDED")
