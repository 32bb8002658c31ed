"""The GraphQL over HTTP specification's media types and status codes for /graphql.

Two response media types: ``application/json`` (what every client understood so far: always
200, ``"data": null`` beside the errors of a request that never ran) and
``application/graphql-response+json`` (the specification's own: a request that fails before
execution — a document that does not parse or validate, variables that cannot be coerced —
is 400 without a ``data`` entry; a response with ``data`` is 200). The client picks one with
``Accept``; no ``Accept`` header means application/json, as legacy clients expect.

The ``Accept`` parsing is written here rather than taken from a library (python-mimeparse,
werkzeug's MIMEAccept): they break ties between equally acceptable types by list order, and
the specification needs a wildcard (``*/*``) to pick application/json while a client that
names application/graphql-response+json gets it.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["GRAPHQL_RESPONSE_JSON", "JSON", "MAX_ACCEPT_CHARS", "content_type",
           "is_request_error", "negotiate", "shaped", "status_code"]

JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
# A header longer than this is not a browser's or a GraphQL client's; it is not parsed.
MAX_ACCEPT_CHARS = 4096


def _quality(params: list[str]) -> float | None:
    """The ``q`` parameter of a media range (1 without one); None when it is malformed."""
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return None
            return q if 0 <= q <= 1 else None
    return 1.0


def _acceptability(accept: str) -> dict[str, tuple[float, bool]]:
    """Our media type -> (its quality, whether the header names it exactly), each judged by
    the most specific range that matches it (RFC 9110 section 12.5.1)."""
    best: dict[str, tuple[int, float]] = {}
    for media_range in accept.split(","):
        kind, *params = media_range.split(";")
        kind = kind.strip().lower()
        if kind == "*":  # some old clients send a bare "*"
            kind = "*/*"
        q = _quality(params)
        if q is None or not kind:
            continue
        for ours in (JSON, GRAPHQL_RESPONSE_JSON):
            specificity = (2 if kind == ours else 1 if kind == "application/*"
                           else 0 if kind == "*/*" else -1)
            if specificity >= 0 and specificity > best.get(ours, (-1, 0.0))[0]:
                best[ours] = (specificity, q)
    return {ours: (q, specificity == 2) for ours, (specificity, q) in best.items()}


def negotiate(accept: str | None) -> str | None:
    """The response media type for an ``Accept`` header: :data:`JSON` without one (legacy
    clients), the acceptable type of highest quality, on a tie the one named exactly,
    application/graphql-response+json if both are; a wildcard alone picks :data:`JSON`.
    None when the header accepts neither, or is over :data:`MAX_ACCEPT_CHARS` (answered 406)."""
    if accept is None or not accept.strip():
        return JSON
    if len(accept) > MAX_ACCEPT_CHARS:
        return None
    ranked = [(q, exact, ours == GRAPHQL_RESPONSE_JSON if exact else ours == JSON, ours)
              for ours, (q, exact) in _acceptability(accept).items() if q > 0]
    return max(ranked)[3] if ranked else None


def content_type(media_type: str) -> str:
    """The Content-Type header of a response in ``media_type``: the new type says its
    encoding, as the specification recommends; application/json stays as it always was
    (JSON defines no charset parameter)."""
    return f"{media_type}; charset=utf-8" if media_type == GRAPHQL_RESPONSE_JSON else media_type


def is_request_error(body: Mapping[str, object]) -> bool:
    """Whether a GraphQL response body reports a request that never executed: no data and
    only errors without a ``path``. Parse, validation and variable-coercion errors have no
    path; a field error (execution ran, data may still be null) always has one."""
    errors = body.get("errors")
    return (body.get("data") is None and isinstance(errors, list) and bool(errors)
            and all(isinstance(e, Mapping) and "path" not in e for e in errors))


def shaped(media_type: str, body: Mapping[str, object]) -> dict[str, object]:
    """``body`` as sent in ``media_type``: without ``data`` for a request error under the new
    type, the same entries otherwise."""
    drop = "data" if media_type == GRAPHQL_RESPONSE_JSON and is_request_error(body) else None
    return {key: value for key, value in body.items() if key != drop}


def status_code(media_type: str, body: Mapping[str, object]) -> int:
    """200, except 400 for a body without ``data`` under the new type (the specification:
    a response without data is 4xx; with data, even null, 2xx). application/json is always
    200, as its legacy clients expect."""
    return 400 if media_type == GRAPHQL_RESPONSE_JSON and "data" not in body else 200
