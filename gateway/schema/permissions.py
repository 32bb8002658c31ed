"""Authorization as permission classes with stable error codes.

Who is asking decides the code: nobody signed in (no token, or one that did not verify) is
UNAUTHENTICATED, told to sign in; a signed-in person without the right is FORBIDDEN. Every
refusal is raised here, in the reader's language, rather than from strawberry's fixed
``message``.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.permission import BasePermission

from aggregator.accounts import SubjectErasedError
from aggregator.consent.vocabulary import Role
from gateway.auth import SignedIn
from gateway.context import Context
from gateway.messages import message
from gateway.schema.erasure import erased_error
from gateway.schema.errors import UserFacingError

__all__ = ["CanBeGrantee", "IsApplicant", "IsAuditor", "IsAuthenticated", "signed_in"]


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


def signed_in(info: strawberry.Info[Context, None]) -> SignedIn:
    """The signed-in principal (whose data was not erased); UNAUTHENTICATED without one,
    with a bad token's (generic) reason when a token was sent."""
    context = info.context
    if context.principal is None:
        raise UserFacingError(
            context.auth_error or message(
                context.language, "sign in first: send 'Authorization: Bearer <token>'"),
            "UNAUTHENTICATED")
    _refuse_erased(info)
    return context.principal


def _forbidden(info: strawberry.Info[Context, None], text: str) -> UserFacingError:
    return UserFacingError(message(info.context.language, text), "FORBIDDEN")


class IsAuthenticated(BasePermission):
    """A valid bearer token is required."""

    def has_permission(self, source: Any, info: strawberry.Info[Context, None],
                       **kwargs: Any) -> bool:
        """True when the request carried a valid token (else UNAUTHENTICATED)."""
        signed_in(info)
        return True


class IsApplicant(BasePermission):
    """Only applicants have a timeline of their own."""

    def has_permission(self, source: Any, info: strawberry.Info[Context, None],
                       **kwargs: Any) -> bool:
        """True for signed-in applicants whose data was not erased."""
        if signed_in(info).role != Role.APPLICANT:
            raise _forbidden(info, "only applicants have their own cases and timeline")
        return True


class CanBeGrantee(BasePermission):
    """Representatives (and applicants helping someone) read others' cases under consent."""

    def has_permission(self, source: Any, info: strawberry.Info[Context, None],
                       **kwargs: Any) -> bool:
        """True for signed-in representatives and applicants."""
        if signed_in(info).role not in (Role.REPRESENTATIVE, Role.APPLICANT):
            raise _forbidden(info, "auditors read the ledger, not case data")
        return True


class IsAuditor(BasePermission):
    """Only auditors query the ledger."""

    def has_permission(self, source: Any, info: strawberry.Info[Context, None],
                       **kwargs: Any) -> bool:
        """True for signed-in auditors."""
        if signed_in(info).role != Role.AUDITOR:
            raise _forbidden(info, "only auditors may query the ledger")
        return True
