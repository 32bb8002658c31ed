"""Authorization as permission classes with stable error codes."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.permission import BasePermission

from aggregator.accounts import SubjectErasedError
from gateway.context import Context
from gateway.schema.erasure import erased_error
from gateway.schema.errors import UserFacingError

__all__ = ["CanBeGrantee", "IsApplicant", "IsAuditor", "IsAuthenticated"]


def _refuse_erased(info: strawberry.Info[Context, None]) -> None:
    # A token issued before the erasure stays valid until it expires; the account behind it
    # is gone, and every request says so.
    principal = info.context.principal
    if principal is None or info.context.principal_active:
        return
    try:
        info.context.service.check_not_erased(principal.subject)
    except SubjectErasedError as exc:
        raise erased_error(info.context.language, exc) from exc
    info.context.principal_active = True


class IsAuthenticated(BasePermission):
    """A valid bearer token is required."""

    message = "sign in required: send 'Authorization: Bearer <token>'"
    error_extensions = {"code": "UNAUTHENTICATED"}  # noqa: RUF012 - strawberry reads it

    def has_permission(self, source: Any, info: strawberry.Info[Context, None],
                       **kwargs: Any) -> bool:
        """True when the request carried a valid token; a bad token's reason is reported."""
        if info.context.principal is None and info.context.auth_error:
            raise UserFacingError(info.context.auth_error, "UNAUTHENTICATED")
        _refuse_erased(info)
        return info.context.principal is not None


class IsApplicant(BasePermission):
    """Only applicants have a timeline of their own."""

    message = "only applicants have their own cases and timeline"
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 - strawberry reads it

    def has_permission(self, source: Any, info: strawberry.Info[Context, None],
                       **kwargs: Any) -> bool:
        """True for applicants whose data was not erased."""
        principal = info.context.principal
        if principal is None or principal.role != "applicant":
            return False
        _refuse_erased(info)
        return True


class CanBeGrantee(BasePermission):
    """Representatives (and applicants helping someone) read others' cases under consent."""

    message = "auditors read the ledger, not case data"
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 - strawberry reads it

    def has_permission(self, source: Any, info: strawberry.Info[Context, None],
                       **kwargs: Any) -> bool:
        """True for representatives and applicants."""
        principal = info.context.principal
        return principal is not None and principal.role in ("representative", "applicant")


class IsAuditor(BasePermission):
    """Only auditors query the ledger."""

    message = "only auditors may query the ledger"
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 - strawberry reads it

    def has_permission(self, source: Any, info: strawberry.Info[Context, None],
                       **kwargs: Any) -> bool:
        """True for auditors; a bad token's reason is reported."""
        if info.context.principal is None and info.context.auth_error:
            raise UserFacingError(info.context.auth_error, "UNAUTHENTICATED")
        principal = info.context.principal
        return principal is not None and principal.role == "auditor"
