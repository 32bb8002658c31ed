"""Change events on NATS JetStream, the plain parts: the settings, a change's subject and
message id, and its versioned JSON form (pure; nothing here imports nats, so the embedded
default never loads it)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from aggregator.notify.changes import MAX_CURSOR, MAX_EVENT_ID, MAX_NUMBER
from aggregator.notify.model import StatusChange

__all__ = ["FORMAT_VERSION", "MAX_EVENT_BYTES", "BadEvent", "JetStreamSettings",
           "decode_change", "encode_change", "message_id", "subject_for"]

# The JSON form's version ("v"); a matcher refuses a version it does not know, so a newer
# watcher's change is never half-read.
FORMAT_VERSION = 1
# A change is a few hundred bytes; anything much larger is not one of ours.
MAX_EVENT_BYTES = 16 * 1024
_MAX_AGENCY = 32
_MAX_SHORT = 48
_MAX_TITLE = 400
# Letters, digits, '-' and '_': a NATS subject token ('.', '*', '>' and spaces are syntax).
_TOKEN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


class BadEvent(ValueError):
    """A message on the change stream that is not a change this version understands."""


@dataclass(frozen=True, slots=True)
class JetStreamSettings:
    """Where change events travel. ``duplicate_window_s`` must be at least the watchers'
    longest backoff (a watcher that publishes, dies before storing its cursor and comes back
    republishes within it, and JetStream drops the repeat); ``max_age_s`` bounds how long an
    unmatched change waits. A matcher takes up to ``match_batch`` messages at once
    (``max_ack_pending``) and writes them in one transaction, in stream order; several
    matcher processes share the work a batch at a time (batches then interleave). Nothing
    rests on the order: matching is idempotent by notification id, so a message at or
    below the stored position is matched again (writing nothing new), never passed over."""

    url: str
    stream: str = "CASELINE_CHANGES"
    subject_prefix: str = "caseline.changes"
    consumer: str = "caseline-matcher"
    max_age_s: float = 7 * 24 * 3600.0
    duplicate_window_s: float = 120.0
    max_bytes: int = 1024 * 1024 * 1024
    ack_wait_s: float = 30.0
    connect_timeout_s: float = 2.0
    publish_timeout_s: float = 5.0
    match_batch: int = 100

    @property
    def subjects(self) -> str:
        """The stream's subjects: one per agency under the prefix."""
        return f"{self.subject_prefix}.*"

    def check(self, longest_backoff_s: float) -> None:
        """ValueError when these settings cannot work for watchers backing off up to
        ``longest_backoff_s``."""
        if not self.url.startswith(("nats://", "tls://")) or len(self.url) > 512:
            raise ValueError(f"NATS URL {self.url[:80]!r}: expected nats://HOST:PORT or "
                             "tls://HOST:PORT")
        for what, name in (("stream", self.stream), ("consumer", self.consumer)):
            if not name or len(name) > 64 or not set(name) <= _TOKEN:
                raise ValueError(f"{what} name {name[:80]!r}: expected 1 to 64 letters, "
                                 "digits, '-' or '_'")
        tokens = self.subject_prefix.split(".")
        if len(self.subject_prefix) > 128 or not all(t and set(t) <= _TOKEN for t in tokens):
            raise ValueError(f"subject prefix {self.subject_prefix[:80]!r}: expected words of "
                             "letters, digits, '-' or '_' joined by dots")
        if self.duplicate_window_s < longest_backoff_s:
            raise ValueError(f"duplicate window {self.duplicate_window_s:g} s is shorter than "
                             f"the watchers' longest backoff {longest_backoff_s:g} s: "
                             "a republished change could get through twice")
        if not 1 <= self.match_batch <= 1000:
            raise ValueError(f"match batch {self.match_batch}: expected 1 to 1000 messages")
        if self.max_age_s < self.duplicate_window_s:
            raise ValueError("max age must be at least the duplicate window")


def subject_for(prefix: str, agency_id: str) -> str:
    """The subject an agency's changes go to: ``caseline.changes.<agency>``."""
    if not agency_id or len(agency_id) > _MAX_AGENCY or not set(agency_id) <= _TOKEN:
        raise BadEvent(f"agency id {agency_id[:40]!r} cannot name a subject: expected up to "
                       f"{_MAX_AGENCY} letters, digits, '-' or '_'")
    return f"{prefix}.{agency_id}"


def message_id(change: StatusChange) -> str:
    """``Nats-Msg-Id``: agency and cursor, so a change published again (a watcher restarted
    before storing its cursor) is the same message to JetStream's duplicate window."""
    return f"{change.agency_id}:{change.cursor}"


def encode_change(change: StatusChange) -> bytes:
    """The change as versioned JSON (UTF-8)."""
    return json.dumps({
        "v": FORMAT_VERSION, "agency_id": change.agency_id, "cursor": change.cursor,
        "case_number": change.case_number, "event_id": change.event_id,
        "occurred_at": change.occurred_at.isoformat(), "category": change.category,
        "milestone": change.milestone, "action_required": change.action_required,
        "agency_code": change.agency_code, "titles": dict(change.titles),
    }, ensure_ascii=False, sort_keys=True).encode()


def _text(data: dict[str, object], name: str, limit: int, *, empty: bool = False) -> str:
    value = data.get(name)
    if not isinstance(value, str) or (not value and not empty):
        raise BadEvent(f"change event: {name} must be a non-empty string")
    if len(value) > limit:
        raise BadEvent(f"change event: {name} longer than {limit} characters")
    return value


def decode_change(payload: bytes) -> StatusChange:
    """The change in ``payload``; BadEvent naming what is wrong (size checked first)."""
    if len(payload) > MAX_EVENT_BYTES:
        raise BadEvent(f"change event of {len(payload)} bytes: at most {MAX_EVENT_BYTES}")
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadEvent(f"change event is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BadEvent("change event: expected a JSON object")
    if data.get("v") != FORMAT_VERSION:
        raise BadEvent(f"change event version {str(data.get('v'))[:20]!r}: this matcher "
                       f"reads version {FORMAT_VERSION}")
    titles = data.get("titles")
    if not isinstance(titles, dict) or len(titles) > 8 or not all(
            isinstance(k, str) and len(k) <= 8 and isinstance(v, str) and len(v) <= _MAX_TITLE
            for k, v in titles.items()):
        raise BadEvent("change event: titles must map up to 8 languages to texts of at most "
                       f"{_MAX_TITLE} characters")
    action = data.get("action_required")
    if not isinstance(action, bool):
        raise BadEvent("change event: action_required must be true or false")
    try:
        occurred = datetime.fromisoformat(_text(data, "occurred_at", 40))
    except ValueError as exc:
        raise BadEvent(f"change event: occurred_at is not an ISO time: {exc}") from exc
    if occurred.tzinfo is None:
        raise BadEvent("change event: occurred_at must carry its UTC offset")
    agency_id = _text(data, "agency_id", _MAX_AGENCY)
    subject_for("x", agency_id)  # the same characters a subject allows
    return StatusChange(
        agency_id=agency_id, cursor=_text(data, "cursor", MAX_CURSOR),
        case_number=_text(data, "case_number", MAX_NUMBER),
        event_id=_text(data, "event_id", MAX_EVENT_ID), occurred_at=occurred,
        category=_text(data, "category", _MAX_SHORT),
        milestone=_text(data, "milestone", _MAX_SHORT), action_required=action,
        agency_code=_text(data, "agency_code", _MAX_TITLE, empty=True), titles=dict(titles))
