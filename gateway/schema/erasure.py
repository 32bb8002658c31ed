"""The answer to any request about an account whose data was erased."""

from __future__ import annotations

from aggregator.accounts import SubjectErasedError
from gateway.messages import message
from gateway.schema.errors import UserFacingError

__all__ = ["erased_error"]


def erased_error(language: str, exc: SubjectErasedError) -> UserFacingError:
    """``SUBJECT_ERASED``, saying plainly when, with ``erasedAt`` in the extensions."""
    at = exc.erased_at.isoformat(timespec="seconds")
    return UserFacingError(
        message(language, "the data of account {account} was erased at {erased_at} (UTC); "
                          "nothing of it can be read or changed any more",
                account=exc.subject_id, erased_at=at),
        "SUBJECT_ERASED", erasedAt=at)
