"""Change events' JetStream form: versioned JSON, subjects, message ids, settings checks,
the matcher's stored position; and the embedded default never loading nats."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine

from aggregator.notify.model import StatusChange
from aggregator.notify.positions import AlreadyMatched, advance, advance_to, create, position
from aggregator.notify.wire import (
    MAX_EVENT_BYTES,
    BadEvent,
    JetStreamSettings,
    decode_change,
    encode_change,
    message_id,
    subject_for,
)

T0 = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
CHANGE = StatusChange("immigration", "41", "IOE0990000001", "ev41", T0, "ACTIVE",
                      "EVIDENCE_REQUESTED", True, "Request for Evidence Was Sent",
                      {"en": "Evidence requested", "es": "Se pidieron pruebas"})


def test_change_round_trips_through_its_json_form() -> None:
    """Every field comes back as it was, the version first among them."""
    payload = encode_change(CHANGE)
    assert json.loads(payload)["v"] == 1
    assert decode_change(payload) == CHANGE


def test_message_id_is_agency_and_cursor() -> None:
    """The same change published again has the same Nats-Msg-Id."""
    assert message_id(CHANGE) == "immigration:41"
    assert message_id(replace(CHANGE, titles={})) == message_id(CHANGE)


def test_subject_is_per_agency_and_refuses_subject_syntax() -> None:
    """An agency id with a dot or wildcard cannot name a subject."""
    assert subject_for("caseline.changes", "courts") == "caseline.changes.courts"
    with pytest.raises(BadEvent) as raised:
        subject_for("caseline.changes", "a.>")
    assert str(raised.value) == ("agency id 'a.>' cannot name a subject: expected up to 32 "
                                 "letters, digits, '-' or '_'")


def test_unknown_version_is_refused_by_name() -> None:
    """A newer watcher's format is not half-read."""
    data = json.loads(encode_change(CHANGE))
    data["v"] = 2
    with pytest.raises(BadEvent) as raised:
        decode_change(json.dumps(data).encode())
    assert str(raised.value) == "change event version '2': this matcher reads version 1"


def test_oversized_event_is_refused_before_parsing() -> None:
    """The size is checked first."""
    with pytest.raises(BadEvent) as raised:
        decode_change(b" " * (MAX_EVENT_BYTES + 1))
    assert str(raised.value) == (f"change event of {MAX_EVENT_BYTES + 1} bytes: at most "
                                 f"{MAX_EVENT_BYTES}")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("cursor", "", "change event: cursor must be a non-empty string"),
    ("case_number", "x" * 65, "change event: case_number longer than 64 characters"),
    ("action_required", "yes", "change event: action_required must be true or false"),
    ("occurred_at", "2026-12-02T09:30:00", "change event: occurred_at must carry its UTC "
                                           "offset"),
])
def test_bad_fields_are_refused_by_name(field: str, value: object, message: str) -> None:
    """Each field a matcher needs is checked, and the error names it."""
    data = json.loads(encode_change(CHANGE))
    data[field] = value
    with pytest.raises(BadEvent) as raised:
        decode_change(json.dumps(data).encode())
    assert str(raised.value) == message


def test_duplicate_window_shorter_than_the_longest_backoff_is_refused() -> None:
    """A window that a restarted watcher could outlast would let a repeat through."""
    settings = JetStreamSettings("nats://127.0.0.1:4222", duplicate_window_s=10)
    settings.check(10)
    with pytest.raises(ValueError, match="duplicate window 10 s is shorter than the "
                                         "watchers' longest backoff 30 s"):
        settings.check(30)
    with pytest.raises(ValueError, match="expected nats://HOST:PORT"):
        replace(settings, url="http://127.0.0.1:4222").check(1)


def test_position_moves_forward_only() -> None:
    """Sequence 5 stored: 3 and 5 again are refused, 6 moves it."""
    engine = create_engine("sqlite://")
    create(engine)
    assert position(engine, "S", "c") == 0
    for sequence in (5, 6):
        with engine.begin() as conn:
            advance("S", "c", sequence, T0)(conn)
        if sequence == 5:
            for again in (3, 5):
                with pytest.raises(AlreadyMatched), engine.begin() as conn:
                    advance("S", "c", again, T0)(conn)
    assert position(engine, "S", "c") == 6
    assert position(engine, "S", "other") == 0


def test_a_batch_moves_the_position_on_and_never_back() -> None:
    """``advance_to``: 7 stored from nothing, 4 leaves it at 7 without refusing, 9 moves
    it; other consumers are untouched."""
    engine = create_engine("sqlite://")
    create(engine)
    for sequence, expected in ((7, 7), (4, 7), (9, 9)):
        with engine.begin() as conn:
            advance_to("S", "c", sequence, T0)(conn)
        assert position(engine, "S", "c") == expected
    assert position(engine, "S", "other") == 0


def test_match_batch_is_checked() -> None:
    """A batch of 0 or over 1,000 messages is refused with the range expected."""
    settings = JetStreamSettings("nats://127.0.0.1:4222")
    for bad in (0, 1001):
        with pytest.raises(ValueError, match="expected 1 to 1000"):
            replace(settings, match_batch=bad).check(1)


def test_embedded_default_never_imports_nats() -> None:
    """Composing notifications without a NATS URL (and loading the CLI, the gateway and
    the bootstrap) leaves nats unimported."""
    code = ("import sys, aggregator.bootstrap, aggregator.notify.runtime, gateway.app, "
            "deploy.cli, deploy.demo.run; print('nats' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.strip() == "False"
