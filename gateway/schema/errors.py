"""Errors clients are meant to see; everything else is masked as "Unexpected error."."""

from __future__ import annotations

from graphql import GraphQLError

__all__ = ["UserFacingError", "should_mask"]


class UserFacingError(Exception):
    """An expected failure with a stable ``code`` sent in the error's extensions."""

    def __init__(self, message: str, code: str, **extensions: object) -> None:
        super().__init__(message)
        self.code = code
        self.extensions = {"code": code, **extensions}


def should_mask(error: GraphQLError) -> bool:
    """Mask resolver exceptions unless they are user-facing; validation errors (no original
    exception) are the client's own mistakes and are shown as they are."""
    original = error.original_error
    if original is None:
        return False
    if isinstance(original, UserFacingError):
        error.extensions = {**(error.extensions or {}), **original.extensions}
        return False
    return True
