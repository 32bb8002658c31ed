"""Stored notification preferences, one account or many at once."""

from __future__ import annotations

from pathlib import Path

from aggregator.notify.model import ChannelKind, Preferences
from aggregator.notify.preferences import SqlPreferences
from aggregator.store import make_engine


def test_many_at_once_agree_with_one_at_a_time(tmp_path: Path) -> None:
    """Stored preferences come back as stored (in-app always on); anyone without gets the
    defaults; asking for several gives what asking for each gives."""
    prefs = SqlPreferences(make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}"))
    prefs.set_preferences("lee", Preferences(channels=frozenset({ChannelKind.WEBHOOK}),
                                             agencies=frozenset({"courts"})))
    prefs.set_preferences("ana", Preferences(channels=frozenset({ChannelKind.EMAIL}),
                                             only_action_required=True))
    many = prefs.preferences_many(["lee", "ana", "raj", "lee"])
    assert many == {a: prefs.preferences(a) for a in ("lee", "ana", "raj")}
    assert many["lee"].channels == {ChannelKind.WEBHOOK, ChannelKind.IN_APP}
    assert many["lee"].agencies == {"courts"}
    assert many["ana"].only_action_required
    assert many["raj"] == Preferences()
