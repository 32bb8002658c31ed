"""Alerts end to end through the real notification runtime over a state directory's SQLite
database and vault: the scheduler, started with the watchers' and deliverer's tasks, raises
ana's 30-day PERM deadline and her USCIS case's inquiry date from a fake AlertFacts; they
reach her inbox with their titles and her address in the demo's SMTP sink (saying only that
something needs attention), once however many rounds run; lee, whose consent was revoked,
gets nothing."""

from __future__ import annotations

import asyncio
import email
import email.policy
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import TypeVar

import pytest

from aggregator.bootstrap import ServiceKeys, open_ledger, open_state
from aggregator.consent.records import ConsentRecord
from aggregator.consent.vocabulary import ConsentState, Purpose, Role
from aggregator.model import AgencyInfo
from aggregator.notify.alerts import SubjectFacts
from aggregator.notify.delivery import DeliveryPolicy
from aggregator.notify.email.setup import email_addresses, email_secret, seed_persona_email
from aggregator.notify.model import ChannelKind, NotificationKind, Preferences
from aggregator.notify.runtime import NotifySettings, build_notifications
from aggregator.notify.scheduler import AlertPolicy
from aggregator.notify.ways_out import ways_out
from aggregator.processing.model import (
    Deadline,
    DeadlineKind,
    DeadlineParty,
    DeadlineState,
    Estimate,
)
from aggregator.state import StatePaths
from aggregator.vault.pseudonyms import pseudonym
from caseline.v1.lib.scopes import Scope
from deploy.demo.mail import demo_email_settings
from deploy.demo.mail_sink import MailSink

pytestmark = pytest.mark.integration

PERM = "G-100-26001-000001"
RECEIPT = "IOE0990000001"
AGENCIES = {"labor": AgencyInfo("labor", "Department of Labor", "Departamento de Trabajo"),
            "immigration": AgencyInfo("immigration", "USCIS", "USCIS")}
T = TypeVar("T")


class Facts:
    """ana's facts as of whatever day is asked; rounds counted."""

    def __init__(self) -> None:
        self.rounds = 0

    async def facts(self, subject_id: str, today: date) -> SubjectFacts:
        self.rounds += 1
        if subject_id != "ana":
            return SubjectFacts()
        perm = Deadline(DeadlineKind.PERM_VALIDITY, today + timedelta(days=30),
                        DeadlineState.RUNNING, DeadlineParty.APPLICANT, "20 CFR 656.30(b)(1)",
                        {"en": "A PERM certification is valid 180 days"}, "labor", PERM)
        late = Estimate(None, None, today - timedelta(days=4), True, {"en": "figures"})
        return SubjectFacts((perm,), {("immigration", RECEIPT): late})


async def eventually(probe: Callable[[], T], done: Callable[[T], bool],
                     timeout_s: float = 30.0) -> T:
    deadline = time.monotonic() + timeout_s
    value = probe()
    while not done(value) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        value = probe()
    return value


def mails(folder: Path) -> list[EmailMessage]:
    found = []
    for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        found.append(parsed)
    return found


async def test_alerts_reach_the_inbox_and_the_mail_sink_once(tmp_path: Path) -> None:
    sink = MailSink(tmp_path / "mail")
    await sink.start()
    paths = StatePaths(tmp_path)
    store, vault = open_state(paths)
    keys = ServiceKeys.from_keyring(paths, vault.keyring)
    ledger = open_ledger(paths, vault.keyring)
    facts = Facts()
    try:
        for who, role in (("ana", Role.APPLICANT), ("lee", Role.REPRESENTATIVE)):
            store.ensure_account(who, role)
        store.set_language("ana", "es")
        assert store.add_link("ana", "labor", PERM)
        assert store.add_link("ana", "immigration", RECEIPT)
        now = datetime.now(UTC)
        for version, state in ((1, ConsentState.ACTIVE), (2, ConsentState.REVOKED)):
            store.add_consent_version(ConsentRecord(
                id="c1", version=version, subject_id="ana", grantee_id="lee",
                agencies=("labor", "immigration"), scopes=(Scope.STATUS, Scope.DETAILS),
                purpose_code=Purpose.LEGAL_REPRESENTATION, purpose_text="lawyer",
                valid_from=now - timedelta(days=1), valid_until=now + timedelta(days=90),
                state=state, created_at=now))
        seed_persona_email(email_addresses(vault.subject_keys.engine, vault.subject_keys,
                                           email_secret(vault.keyring)),
                           "ana", "ana@example.org")
        out = ways_out(vault, lambda: datetime.now(UTC), email=demo_email_settings(
            "127.0.0.1", sink.port, "http://127.0.0.1:8000"))
        parts = build_notifications(
            store, keys.ledger_references, ledger, lambda s: pseudonym(keys.pseudonym, s),
            AGENCIES, {}, lambda: datetime.now(UTC), channels=out.channels,
            settings=NotifySettings(alerts=AlertPolicy(every_s=0.1), delivery=DeliveryPolicy(
                poll_s=0.05, base_backoff_s=0.05, max_backoff_s=0.2)),
            facts=facts)
        parts.hub.preferences.set_preferences("ana", Preferences(
            frozenset({ChannelKind.IN_APP, ChannelKind.EMAIL})))
        await parts.notifier.start()
        try:
            inbox = await eventually(lambda: parts.hub.inbox.page("ana", 10).items,
                                     lambda items: len(items) >= 2)
            sent = await eventually(lambda: mails(sink.folder), lambda m: len(m) >= 2)
            rounds = facts.rounds
            await eventually(lambda: facts.rounds, lambda r: r >= rounds + 3)
        finally:
            await parts.notifier.stop()
        # Several rounds ran; each alert is still one notification, one e-mail.
        assert facts.rounds >= 4
        assert len(parts.hub.inbox.page("ana", 10).items) == 2
        assert len(mails(sink.folder)) == 2
        by_kind = {n.kind: n for n in inbox}
        assert set(by_kind) == {NotificationKind.DEADLINE_30, NotificationKind.INQUIRY_DATE}
        released = parts.releaser.release(by_kind[NotificationKind.DEADLINE_30])
        assert isinstance(released, tuple)
        assert released[0].title.startswith("Faltan 30 días: presentar el formulario I-140")
        assert "20 CFR 656.30(b)(1)" in released[0].title
        # The e-mails: Spanish, no case number, no date, a link to her page.
        assert {str(m["Message-ID"]).strip("<>").partition("@")[0] for m in sent} == {
            n.id for n in inbox}
        for mail in sent:
            assert mail["To"] == "ana@example.org" and mail["Content-Language"] == "es"
            plain = mail.get_body(("plain",))
            assert plain is not None
            texts = [str(mail["Subject"]), plain.get_content()]
            assert "necesita su atención" in texts[0]
            assert not any(PERM in t or RECEIPT in t or "I-140" in t for t in texts)
        # lee's consent was revoked: nothing for him.
        assert parts.hub.inbox.page("lee", 10).items == ()
    finally:
        ledger.close()
        store.close()
        await sink.stop()
