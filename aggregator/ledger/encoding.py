"""Canonical entry encoding: one byte form per entry, so its hash is well defined.

JSON with sorted keys, no insignificant whitespace, UTF-8 (not \\u escapes), and only
strings, integers, booleans, null, lists and objects — floats have more than one spelling,
so they are refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NoReturn

from aggregator.ledger.errors import EncodingError

__all__ = ["canonical", "decode"]


# Built once: json.dumps/json.loads with non-default options build a new coder per call,
# which costs as much as the work itself at a million entries.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                            allow_nan=False)


def _no_float(text: str) -> NoReturn:
    raise EncodingError(f"floats are not canonical (found {text})")


# parse_float also receives "1e5"-style numbers; NaN and Infinity go through parse_constant.
_DECODER = json.JSONDecoder(parse_float=_no_float, parse_constant=_no_float)


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
    """The canonical bytes of an entry: sorted keys, no spaces, UTF-8.

    TypeError names the offending key for floats and other unsupported values; ValueError for
    strings that cannot be UTF-8 (lone surrogates).
    """
    _check(obj, "entry")
    text = _ENCODER.encode(obj)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"entry: a string is not valid Unicode ({exc.reason})") from exc


def decode(leaf: bytes) -> dict[str, Any]:
    """The entry encoded by ``leaf``; EncodingError unless ``leaf`` is exactly canonical."""
    try:
        text = leaf.decode("utf-8")
        # raw_decode: no whitespace skipping, which canonical bytes never need.
        value, end = _DECODER.raw_decode(text)
    except EncodingError:
        raise
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise EncodingError(f"not UTF-8 JSON: {exc}") from exc
    if end != len(text):
        raise EncodingError("not canonical: bytes after the JSON value")
    if not isinstance(value, dict):
        raise EncodingError("an entry must be a JSON object")
    # What the parser returns holds only encodable types (floats were refused above), so
    # re-encoding needs no type walk: comparing bytes is the whole check.
    try:
        again = _ENCODER.encode(value).encode("utf-8")
    except (ValueError, RecursionError) as exc:  # lone surrogates from \ud800 escapes
        raise EncodingError(f"not canonical: {exc}") from exc
    if again != leaf:
        raise EncodingError("not in canonical form (key order, spacing or escapes differ)")
    return value
