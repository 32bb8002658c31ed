"""The ways out besides in-app, built once over an installation's vault: accounts' webhooks
and, when an SMTP server is configured, e-mail. The gateway (aggregator.bootstrap) and a
delivery process of its own (`caseline notify deliver`) build the same ones here, so a
notification planned by one is deliverable by the other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aggregator.notify.email.settings import EmailSettings
from aggregator.notify.email.setup import email_parts, email_secret
from aggregator.notify.ports import Channel
from aggregator.notify.preferences import SqlPreferences
from aggregator.notify.webhooks import Webhooks, WebhookSettings, WebhookStore
from aggregator.vault import Vault

__all__ = ["WaysOut", "ways_out"]


@dataclass(frozen=True, slots=True)
class WaysOut:
    """``webhooks``: the accounts' side (register, verify) whose channel is in
    ``channels``; ``channels``: every way out, in delivery order."""

    webhooks: Webhooks
    channels: tuple[Channel, ...]


def ways_out(vault: Vault, clock: Callable[[], datetime], *,
             webhooks: WebhookSettings | None = None,
             email: EmailSettings | None = None) -> WaysOut:
    """Webhooks (endpoints sealed under each account's data key) and, with ``email``, the
    e-mail channel (addresses sealed likewise, its links signed with the keyring's e-mail
    secret, each e-mail's detail read from the person's preferences)."""
    engine, sealer = vault.subject_keys.engine, vault.subject_keys
    settings = webhooks or WebhookSettings()
    account_webhooks = Webhooks(WebhookStore(engine, sealer, log_limit=settings.log_limit),
                                settings, clock=clock)
    channels: list[Channel] = [account_webhooks.channel]
    if email is not None:
        channels.append(email_parts(engine, sealer, email_secret(vault.keyring), email,
                                    SqlPreferences(engine), clock).channel)
    return WaysOut(account_webhooks, tuple(channels))
