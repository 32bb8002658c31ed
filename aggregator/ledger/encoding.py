"""Canonical entry encoding: one byte form per entry, so its hash is well defined.

JSON with sorted keys, no insignificant whitespace, UTF-8 (not \\u escapes), and only
strings, integers, booleans, null, lists and objects — floats have more than one spelling,
so they are refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["EncodingError", "canonical", "decode"]


class EncodingError(ValueError):
    """Bytes that are not the canonical encoding of an entry."""


def _check(value: Any, path: str) -> None:
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: keys must be strings, got {key!r}")
            _check(item, f"{path}.{key}")
        return
    raise TypeError(f"{path}: {type(value).__name__} values cannot be encoded canonically "
                    "(use strings, integers, booleans, null, lists or objects)")


def canonical(obj: Mapping[str, Any]) -> bytes:
    """The canonical bytes of an entry."""
    _check(obj, "entry")
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def decode(leaf: bytes) -> dict[str, Any]:
    """The entry encoded by ``leaf``; EncodingError unless ``leaf`` is exactly canonical."""
    try:
        value = json.loads(leaf.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise EncodingError(f"not UTF-8 JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise EncodingError("an entry must be a JSON object")
    try:
        again = canonical(value)
    except TypeError as exc:
        raise EncodingError(str(exc)) from exc
    if again != leaf:
        raise EncodingError("not in canonical form (key order, spacing or escapes differ)")
    return value
