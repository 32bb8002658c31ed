"""`caseline notify deliver`, run against a demo's state directory with no channel
factory, builds the gateway's ways out: the e-mail it sends lands in the demo's sink."""

from __future__ import annotations

import asyncio
import email
import email.policy
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from aggregator.bootstrap import ServiceKeys, open_ledger, open_state
from aggregator.model import AgencyInfo
from aggregator.notify.email.setup import email_addresses, email_secret, seed_persona_email
from aggregator.notify.model import ChannelKind, Preferences, StatusChange, notification_id
from aggregator.notify.runtime import NotifySettings, build_notifications
from aggregator.state import StatePaths
from aggregator.vault.pseudonyms import pseudonym
from deploy.commands.notify import installation_channels
from deploy.demo.mail import start_mail_sink
from deploy.demo.state import DemoState
from deploy.processes.launcher import await_ready_line, spawn_logged, stop_processes
from support.world import seed_world

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 1)
RECEIPT = "IOE0990000001"


def _matched(root: Path) -> str:
    """A change of ana's USCIS case in the outbox, with an e-mail delivery (planned with the
    channels the deliverer builds); its notification id."""
    paths = StatePaths(root)
    store, vault = open_state(paths)
    keys = ServiceKeys.from_keyring(paths, vault.keyring)
    ledger = open_ledger(paths, vault.keyring)
    try:
        store.ensure_account("ana", "applicant")
        seed_persona_email(email_addresses(vault.subject_keys.engine, vault.subject_keys,
                                           email_secret(vault.keyring)),
                           "ana", "ana@example.org")
        parts = build_notifications(
            store, keys.ledger_references, ledger, lambda s: pseudonym(keys.pseudonym, s),
            {"immigration": AgencyInfo("immigration", "USCIS", "USCIS")}, {},
            lambda: datetime.now(UTC), channels=installation_channels(root, vault, {}),
            settings=NotifySettings(watch=False, deliver=False))
        parts.hub.preferences.set_preferences("ana", Preferences(
            frozenset({ChannelKind.IN_APP, ChannelKind.EMAIL})))
        change = StatusChange("immigration", "1", RECEIPT, "ev1", datetime.now(UTC),
                              "ACTIVE", "UNDER_REVIEW", False,
                              "Case Is Being Actively Reviewed By USCIS", {"en": "Review"})
        assert parts.matcher.record(change) == 1
        return notification_id("immigration", change.event_id, RECEIPT, "ana")
    finally:
        ledger.close()
        store.close()


async def test_notify_deliver_sends_email_to_the_demos_sink(tmp_path: Path) -> None:
    """One e-mail file in the sink, its Message-ID naming the notification."""
    seed_world(tmp_path, cases=5, seed=7, today=TODAY)
    state = DemoState(tmp_path)
    sink = await start_mail_sink(state, "127.0.0.1", "http://127.0.0.1:8000")
    log = tmp_path / "deliver.log"
    process = None
    try:
        expected = _matched(tmp_path)
        process = await spawn_logged((sys.executable, "-m", "deploy.cli", "notify", "deliver",
                                      "--state-dir", str(tmp_path)), log)
        await await_ready_line(process, log, "the deliverer", "event")
        deadline = time.monotonic() + 60
        while not list(state.mail.glob("*.eml")) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        [path] = state.mail.glob("*.eml")
        mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert mail["To"] == "ana@example.org"
        assert str(mail["Message-ID"]).startswith(f"<{expected}@")
    finally:
        if process is not None:
            await stop_processes([process])
        await sink.stop()
