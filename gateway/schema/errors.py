"""Errors clients are meant to see; everything else is masked as "Unexpected error."."""

from __future__ import annotations

import re

from graphql import GraphQLError
from strawberry.schema.exceptions import InvalidOperationTypeError

__all__ = ["UserFacingError", "is_expected", "should_mask", "without_suggestions"]

# graphql-core's did_you_mean(): " Did you mean [sub-message ]'a', 'b', or 'c'?", with
# GraphQL names only, so the pattern cannot reach into the client's own text around it.
_SUGGESTION = re.compile(r" Did you mean [a-z ]*'\w+'(?:(?:, '\w+')*,? or '\w+')?\?")


class UserFacingError(Exception):
    """An expected failure with a stable ``code`` sent in the error's extensions."""

    def __init__(self, message: str, code: str, **extensions: object) -> None:
        super().__init__(message)
        self.code = code
        self.extensions = {"code": code, **extensions}


def is_expected(error: GraphQLError) -> bool:
    """Validation errors (no original exception), GraphQL errors raised on purpose (such as
    permission refusals), UserFacingErrors and an operation of a type the transport does not
    take (a query over the websocket) are the client's business; anything else is a fault
    of ours."""
    original = error.original_error
    return original is None or isinstance(original, UserFacingError | GraphQLError
                                          | InvalidOperationTypeError)


def should_mask(error: GraphQLError) -> bool:
    """Mask unexpected errors; give user-facing ones their stable extensions."""
    original = error.original_error
    if isinstance(original, UserFacingError):
        error.extensions = {**(error.extensions or {}), **original.extensions}
    return not is_expected(error)


def without_suggestions(text: str) -> str:
    """``text`` without graphql-core's "Did you mean …?" suggestions, which name parts of the
    schema (arguments, types, enum values, input fields) that introspection keeps hidden."""
    return _SUGGESTION.sub("", text) if " Did you mean " in text else text
