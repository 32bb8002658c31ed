"""Planning notifications and deliveries from a change: plain data, no store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from aggregator.notify.matching import is_repeat, plan
from aggregator.notify.model import ChannelKind, Preferences, StatusChange, notification_id

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
CHANGE = StatusChange("immigration", "41", "IOE0990000001", "e9", NOW, "ACTIVE",
                      "EVIDENCE_REQUESTED", True, "Request for Evidence Was Sent",
                      {"en": "Evidence requested", "es": "Se pidieron pruebas"})


def emails(recipient: str) -> Sequence[str]:
    return [f"{recipient}@example.org"]


def test_in_app_always_other_channels_by_preference() -> None:
    """Ana wants e-mail: in-app plus one e-mail; lee (defaults): in-app only."""
    prefs = {"ana": Preferences(frozenset({ChannelKind.IN_APP, ChannelKind.EMAIL})),
             "lee": Preferences()}
    planned = plan(CHANGE, [("ana", "ana"), ("lee", "ana")], NOW,
                   preferences_of=prefs.__getitem__, targets_of={ChannelKind.EMAIL: emails})
    kinds = {p.notification.recipient_id: [d.channel for d in p.deliveries] for p in planned}
    assert kinds == {"ana": [ChannelKind.IN_APP, ChannelKind.EMAIL],
                     "lee": [ChannelKind.IN_APP]}
    assert planned[0].deliveries[1].target == "ana@example.org"


def test_only_action_required_preference_skips_other_changes() -> None:
    """A change with no action required is not e-mailed to who asked only for those."""
    prefs = Preferences(frozenset({ChannelKind.EMAIL}), only_action_required=True)
    quiet = StatusChange(**{**{f: getattr(CHANGE, f) for f in CHANGE.__slots__},
                            "action_required": False})
    planned = plan(quiet, [("ana", "ana")], NOW, preferences_of=lambda _: prefs,
                   targets_of={ChannelKind.EMAIL: emails})
    assert [d.channel for d in planned[0].deliveries] == [ChannelKind.IN_APP]


def test_repeated_change_plans_the_same_ids() -> None:
    """Matching twice gives the same notification and delivery ids (the outbox ignores
    the second insert)."""
    args = dict(preferences_of=lambda _: Preferences(), targets_of={})
    first = plan(CHANGE, [("ana", "ana")], NOW, **args)  # type: ignore[arg-type]
    again = plan(CHANGE, [("ana", "ana")], NOW, **args)  # type: ignore[arg-type]
    assert first == again
    assert first[0].notification.id == notification_id("immigration", "e9", "IOE0990000001",
                                                       "ana")


def test_the_last_seen_event_is_a_repeat_a_new_case_is_not() -> None:
    """First sight of a case on the stream is a real change; its last event again is not."""
    assert not is_repeat(None, CHANGE)
    assert is_repeat("e9", CHANGE)
    assert not is_repeat("e8", CHANGE)
