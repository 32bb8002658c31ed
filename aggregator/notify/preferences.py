"""Per-person notification settings in the aggregator's database (``PreferenceStore``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from aggregator.migrations import ensure_schema
from aggregator.notify.model import ChannelKind, Preferences
from aggregator.notify.rows import insert_for
from aggregator.notify.tables import preferences

__all__ = ["MAX_AGENCIES", "SqlPreferences"]

MAX_AGENCIES = 64


def _preferences_of(row: Any) -> Preferences:
    channels = {ChannelKind(c) for c in json.loads(row.channels)
                if c in ChannelKind._value2member_map_}
    agencies = None if row.agencies is None else frozenset(json.loads(row.agencies))
    return Preferences(frozenset(channels | {ChannelKind.IN_APP}), agencies,
                       bool(row.only_action_required), bool(row.email_details))


class SqlPreferences:
    """Stored preferences; the defaults (in-app only, every agency) for anyone without."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        ensure_schema(engine)

    def preferences(self, account_id: str) -> Preferences:
        """The stored preferences, or the defaults."""
        return self.preferences_many([account_id])[account_id]

    def preferences_many(self, account_ids: Sequence[str]) -> dict[str, Preferences]:
        """``preferences`` of several accounts, in one query per chunk."""
        unique = sorted(set(account_ids))
        found = dict.fromkeys(unique, Preferences())
        with self.engine.connect() as conn:
            for start in range(0, len(unique), 500):
                for row in conn.execute(select(preferences).where(
                        preferences.c.account_id.in_(unique[start:start + 500]))):
                    found[row.account_id] = _preferences_of(row)
        return found

    def stored(self, account_id: str) -> bool:
        """Whether the person has preferences of their own (else the defaults apply)."""
        with self.engine.connect() as conn:
            return conn.execute(select(preferences.c.account_id)
                                .where(preferences.c.account_id == account_id)).first() is not None

    def set_preferences(self, account_id: str, prefs: Preferences) -> None:
        """Replace the stored preferences (in-app stays on whatever is given)."""
        if prefs.agencies is not None and len(prefs.agencies) > MAX_AGENCIES:
            raise ValueError(f"at most {MAX_AGENCIES} agencies in notification preferences, "
                             f"got {len(prefs.agencies)}")
        values = {
            "channels": json.dumps(sorted({*prefs.channels, ChannelKind.IN_APP})),
            "agencies": None if prefs.agencies is None else json.dumps(sorted(prefs.agencies)),
            "only_action_required": prefs.only_action_required,
            "email_details": prefs.email_details, "updated_at": datetime.now(UTC)}
        statement = insert_for(self.engine, preferences).values(account_id=account_id,
                                                                **values)
        with self.engine.begin() as conn:
            conn.execute(statement.on_conflict_do_update(
                index_elements=[preferences.c.account_id], set_=values))
