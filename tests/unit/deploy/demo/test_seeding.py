"""The demo's personas start with e-mail on; what a person changed stays; everyone else has
the defaults (in-app only; webhooks and e-mail off until they turn them on)."""

from __future__ import annotations

from pathlib import Path

from aggregator.bootstrap import open_state
from aggregator.notify.model import ChannelKind, Preferences
from aggregator.notify.preferences import SqlPreferences
from deploy.demo.personas import PERSONAS
from deploy.demo.seeding import _ensure_persona_accounts
from deploy.demo.state import DemoState


def _preferences(state: DemoState) -> SqlPreferences:
    store, _ = open_state(state)
    return SqlPreferences(store.engine)


def test_personas_have_email_on_and_others_the_defaults(tmp_path: Path) -> None:
    """In-app and e-mail for every persona; in-app only for an account never seeded."""
    state = DemoState(tmp_path / "state")
    _ensure_persona_accounts(state)
    prefs = _preferences(state)
    for persona in PERSONAS.values():
        assert prefs.stored(persona.id)
        assert prefs.preferences(persona.id).channels == {ChannelKind.IN_APP,
                                                          ChannelKind.EMAIL}
    assert not prefs.stored("someone-else")
    assert prefs.preferences("someone-else") == Preferences()
    assert prefs.preferences("someone-else").channels == {ChannelKind.IN_APP}


def test_a_persona_who_turned_email_off_keeps_it_off(tmp_path: Path) -> None:
    """Seeding again (every demo start) never overwrites a person's own choice."""
    state = DemoState(tmp_path / "state")
    _ensure_persona_accounts(state)
    _preferences(state).set_preferences("ana", Preferences(frozenset({ChannelKind.IN_APP}),
                                                           only_action_required=True))
    _ensure_persona_accounts(state)
    again = _preferences(state).preferences("ana")
    assert again.channels == {ChannelKind.IN_APP}
    assert again.only_action_required
