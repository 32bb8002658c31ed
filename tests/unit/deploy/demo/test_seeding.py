"""The demo's personas start with e-mail on; what a person changed stays; everyone else has
the defaults (in-app only; webhooks and e-mail off until they turn them on)."""

from __future__ import annotations

import io
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


def test_a_state_seeded_before_mei_and_related_cases_gets_them_on_the_next_start(
        tmp_path: Path) -> None:
    """A state directory from an older Caseline (no mei, no related cases) is brought up to
    today's personas when the demo starts again: mei's cases, dated from the seeding day,
    linked to her and listed in the manifest; raj's related cases; nothing twice."""
    import sqlite3
    from datetime import date

    from adapters.reference.demo_store import DemoStore
    from deploy.demo.seeding import ensure_demo_data

    state = DemoState(tmp_path / "state")
    seeded = date(2026, 11, 20)
    ensure_demo_data(state, cases=5, seed=1, today=seeded, stream=io.StringIO())
    mei = {c["number"] for c in state.read_manifest()["personas"]["mei"]}  # type: ignore[index]
    assert len(mei) == 2
    # Make it look as an older Caseline left it.
    for agency in ("labor", "immigration"):
        with sqlite3.connect(state.store(agency)) as db:
            db.execute("DROP TABLE related_cases")
            for number in mei:
                db.execute("DELETE FROM events WHERE case_number = ?", (number,))
                db.execute("DELETE FROM cases WHERE number = ?", (number,))
    manifest = state.read_manifest()
    assert manifest is not None
    del manifest["personas"]["mei"]
    state.write_manifest(manifest)
    store, _ = open_state(state)
    for number in mei:
        store.remove_link("mei", "labor", number)
    store.close()

    for _ in range(2):  # the second start finds nothing to do
        again = ensure_demo_data(state, cases=5, seed=1, stream=io.StringIO())
        assert {c["number"] for c in again["personas"]["mei"]} == mei
        assert len(again["personas"]["mei"]) == 2
    labor = DemoStore(state.store("labor")).find_cases(sorted(mei), with_history=True)
    perm = next(r for r in labor.values() if r.case_type == "PERM")
    certified = perm.events[-1].occurred_at.date()
    assert 153 <= (seeded - certified).days <= 155  # dated from the seeding day
    assert [r.relation for r in perm.related] == ["BASED_ON"]
    i140 = DemoStore(state.store("immigration")).find_cases(["IOE0990000011"],
                                                            with_history=True)
    assert [r.agency_id for r in i140["IOE0990000011"].related] == ["labor", "immigration"]
    store, _ = open_state(state)
    assert {link.case_number for link in store.links_for("mei")} == mei
    store.close()
