"""Agency case-number patterns, matched in linear time with RE2.

Agencies write these patterns in configuration, and they run on numbers the public sends: a
backtracking engine (Python's ``re``) can take time quadratic or exponential in the input for
some patterns, so they are compiled with RE2, whose matching is linear in the input whatever
the pattern. RE2 refuses what it cannot match in linear time (backreferences, lookaround);
such a pattern is a configuration error, not something to fall back on ``re`` for.

``google-re2`` ships no type stubs: this module is the one place that touches it, behind a
typed interface.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import re2  # type: ignore[import-untyped]  # google-re2 ships no stubs; typed here

__all__ = ["FirstMatch", "LinearPattern", "PatternError"]


class PatternError(ValueError):
    """RE2 cannot compile the pattern; the message says why."""


def _options() -> Any:
    options = re2.Options()
    # The error goes into the PatternError; RE2's own logging would also print it to stderr.
    options.log_errors = False
    return options


class LinearPattern:
    """A regular expression compiled by RE2: ``search`` is linear in the input."""

    __slots__ = ("_compiled", "pattern")

    def __init__(self, pattern: str) -> None:
        try:
            self._compiled: Any = re2.compile(pattern, options=_options())
        except re2.error as exc:
            reason = exc.args[0] if exc.args else exc
            if isinstance(reason, bytes):
                reason = reason.decode("utf-8", "replace")
            raise PatternError(f"{reason} (RE2 syntax: no backreferences or lookaround)"
                               ) from exc
        self.pattern = pattern

    def search(self, text: str) -> bool:
        """Whether the pattern matches anywhere in ``text``."""
        return self._compiled.search(text) is not None

    def __repr__(self) -> str:
        return f"LinearPattern({self.pattern!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LinearPattern) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)


class FirstMatch:
    """Which of several patterns matches a text first (by position in the list), in one RE2
    pass over the text for all of them (an RE2 set: several times faster than asking each
    pattern in turn through the Python binding)."""

    __slots__ = ("_set",)

    def __init__(self, patterns: Sequence[LinearPattern]) -> None:
        self._set: Any = None
        if patterns:
            self._set = re2.Set.SearchSet(_options())
            for pattern in patterns:
                self._set.Add(pattern.pattern)
            self._set.Compile()

    def first(self, text: str) -> int | None:
        """The index of the first pattern that matches ``text`` anywhere, or None (also for
        text that is not valid Unicode, such as a lone surrogate: no pattern can mean it)."""
        if self._set is None:
            return None
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            return None
        matches = self._set.Match(data)
        return min(matches) if matches else None
