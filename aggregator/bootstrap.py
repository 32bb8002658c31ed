"""Composition root: build the aggregator service from configuration and a state directory.

``bootstrap`` builds every collaborator once and wires the same instances everywhere; each
keyword replaces one collaborator (tests pass the fakes of tests/support/fakes.py, the
benchmarks their variants from bench/variants.py). The helpers below open single parts of a
state directory for the CLI commands that need only those.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache, partial
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import make_url

from aggregator.config import AggregatorConfig
from aggregator.consent.invitations import DAY, SHORT, Invitations
from aggregator.consent.linking import LinkService
from aggregator.consent.service import ConsentService
from aggregator.consent.throttle import LinkThrottle, LocalLinkThrottle
from aggregator.consent.tokens import ConsentTokenIssuer
from aggregator.federation.breaker import BreakerPolicy
from aggregator.federation.client import AdapterClient
from aggregator.federation.fanout import Federation, RetryPolicy
from aggregator.federation.transport import ClientIdentity, check_transport
from aggregator.files import private_dir, private_file
from aggregator.installation import ledger_origin
from aggregator.ledger.ledger import Ledger
from aggregator.ledger.note import NoteSigner
from aggregator.migrations import SchemaStatus, upgrade
from aggregator.notify.alert_facts import ProcessingFacts, own_timeline
from aggregator.notify.alerts import AlertFacts
from aggregator.notify.email.settings import EmailSettings
from aggregator.notify.ports import Channel
from aggregator.notify.runtime import NotifySettings, build_notifications
from aggregator.notify.watcher import ChangeSource
from aggregator.notify.ways_out import ways_out
from aggregator.notify.webhooks import WebhookSettings
from aggregator.ports import AdapterPort, Clock, LedgerPort
from aggregator.service import CaselineService
from aggregator.shared_limits import RedisLimits, SharedLimits
from aggregator.state import StatePaths
from aggregator.store import Store, make_engine
from aggregator.vault import Keyring, Vault, open_vault
from aggregator.vault.admin import BackgroundRewrap
from aggregator.vault.opening import CaseOpener
from aggregator.vault.pseudonyms import pseudonym
from aggregator.vault.secrets import keyring_ed25519, keyring_secret

__all__ = [
    "ServiceKeys",
    "bootstrap",
    "consent_issuer",
    "consent_key",
    "invitation_throttles",
    "ledger_reference_key",
    "link_throttle",
    "migrate_state",
    "open_ledger",
    "open_state",
    "open_state_vault",
    "processing_alert_facts",
    "pseudonym_key",
]


def processing_alert_facts(service: CaselineService) -> AlertFacts:
    """People's deadlines and estimates for alerts, their cases read as they themselves
    read them (own reads stay out of their access log; the ledger has them)."""
    return ProcessingFacts(own_timeline(service), service.estimates_for)


def pseudonym_key(paths: StatePaths, keyring: Keyring) -> bytes:
    """The HMAC key that derives subjects' pseudonyms in the ledger."""
    return keyring_secret(keyring, "pseudonym", paths.legacy_pseudonym_key)


def ledger_reference_key(paths: StatePaths, keyring: Keyring) -> bytes:
    """The HMAC key behind the case references the ledger records."""
    return keyring_secret(keyring, "ledger-references", paths.legacy_ledger_hmac)


def consent_key(paths: StatePaths, keyring: Keyring) -> Ed25519PrivateKey:
    """The key that signs consent tokens."""
    return keyring_ed25519(keyring, "consent-signing", paths.legacy_consent_key)


@dataclass(frozen=True, slots=True)
class ServiceKeys:
    """The service's secrets, each read from the keyring once and shared by every part."""

    consent: Ed25519PrivateKey
    pseudonym: bytes
    ledger_references: bytes

    @classmethod
    def from_keyring(cls, paths: StatePaths, keyring: Keyring) -> ServiceKeys:
        """The keys the keyring holds (created, or imported from older files, on first use)."""
        return cls(consent_key(paths, keyring), pseudonym_key(paths, keyring),
                   ledger_reference_key(paths, keyring))


def migrate_state(paths: StatePaths, database_url: str | None = None
                  ) -> tuple[SchemaStatus, SchemaStatus]:
    """Run the migrations the aggregator's database lacks (``database_url``, else SQLite in
    the state directory); where it stood before and after (aggregator.migrations)."""
    if database_url is None:
        private_dir(paths.root)
        private_file(paths.database)  # before SQLite creates it (and its WAL) under the umask
    engine = make_engine(database_url or f"sqlite:///{paths.database}")
    try:
        return upgrade(engine)
    finally:
        engine.dispose()


def open_state_vault(paths: StatePaths, database_url: str | None = None) -> Vault:
    """The state directory's key vault, its subject keys in the aggregator's database."""
    private_dir(paths.root)
    if database_url is None:
        private_file(paths.database)  # before SQLite creates it (and its WAL) under the umask
    return open_vault(paths.root, make_engine(database_url or f"sqlite:///{paths.database}"))


def open_state(paths: StatePaths, database_url: str | None = None) -> tuple[Store, Vault]:
    """The aggregator's store and key vault (keyring, custodian, subject keys), sharing one
    database; personal data in the store is sealed under the vault's subject keys."""
    vault = open_state_vault(paths, database_url)
    return Store(vault.subject_keys.engine, vault.subject_keys,
                 ledger_reference_key(paths, vault.keyring)), vault


def consent_issuer(paths: StatePaths, vault: Vault | None = None, *,
                   key: Ed25519PrivateKey | None = None,
                   database_url: str | None = None) -> ConsentTokenIssuer:
    """The consent-token issuer (signing with ``key``, else the keyring's); also
    (re)publishes the JWKS file adapters use: its own key and the key custodian's public
    keys. Without ``vault``, the state's is opened (on ``database_url``, else SQLite)."""
    if vault is None:
        vault = open_state_vault(paths, database_url)
    issuer = ConsentTokenIssuer(key or consent_key(paths, vault.keyring))
    issuer.write_jwks(paths.jwks, vault.custodian.public_jwks())
    return issuer


def open_ledger(paths: StatePaths, keyring: Keyring | None = None, *,
                database_url: str | None = None) -> Ledger:
    """The ledger, signing checkpoints under this installation's origin with the key the
    keyring holds (open the state first: see ``open_vault``): its tables in the database at
    a PostgreSQL ``database_url`` (the store's), else its own SQLite file in the state
    directory."""
    keyring = keyring or Keyring.in_state_dir(paths.root)
    key = keyring_ed25519(keyring, "ledger-signing", paths.legacy_ledger_key)
    signer = NoteSigner(ledger_origin(paths.install_id, paths.ledger), key)
    if database_url is not None and make_url(database_url).get_backend_name() != "sqlite":
        return Ledger(database_url, signer)
    return Ledger(paths.ledger, signer)


def link_throttle(redis: RedisLimits | None = None) -> LinkThrottle:
    """The access-code throttle: in ``redis`` when given, else in memory."""
    if redis is None:
        return LocalLinkThrottle()
    from aggregator.consent.shared_throttle import RedisAccessCodeThrottle

    return RedisAccessCodeThrottle(redis)


def invitation_throttles(redis: RedisLimits) -> tuple[LinkThrottle, LinkThrottle]:
    """The invitation codes' two throttles (a quarter hour, a day) in ``redis``."""
    from aggregator.consent.shared_throttle import RedisAccessCodeThrottle

    (short, short_s), (day, day_s) = SHORT, DAY
    return (RedisAccessCodeThrottle(redis, short, short, short_s, namespace="invitation"),
            RedisAccessCodeThrottle(redis, day, day, day_s, namespace="invitation-day"))


def bootstrap(config: AggregatorConfig, state_dir: Path, *, database_url: str | None = None,
              adapters: dict[str, AdapterPort] | None = None,
              wrap_client: Callable[[AdapterClient], AdapterPort] | None = None,
              client_identity: ClientIdentity | None = None,
              store: Store | None = None, vault: Vault | None = None,
              ledger: LedgerPort | None = None, opener: CaseOpener | None = None,
              clock: Clock | None = None, keys: ServiceKeys | None = None,
              notify: NotifySettings | None = None,
              channels: Sequence[Channel] = (),
              webhooks: WebhookSettings | None = None,
              email: EmailSettings | None = None,
              alert_facts: Callable[[CaselineService], AlertFacts] | None = None,
              shared_limits: SharedLimits | None = None) -> CaselineService:
    """The aggregator service with one long-lived channel per configured agency.

    Every collaborator is built here once, from ``state_dir`` unless given:
    ``adapters`` replaces the gRPC clients and ``wrap_client`` wraps each (counting calls);
    ``store``, ``vault``, ``ledger``, ``opener`` (what opens sealed fields), ``clock`` and
    ``keys`` replace those parts; the state directory's vault is opened only when a part
    left out needs it. ``client_identity``: the gateway's client certificate for agencies
    reached with mutual TLS (aggregator.federation.transport). Notifications
    (``service.notify``) run over the store's database: ``notify`` says which background
    work this process may run (the gateway's main process starts it), ``channels`` the
    ways out besides in-app (accounts' webhooks, and e-mail with ``email``, join by
    themselves).
    ``webhooks``: how accounts' webhooks run (the demo allows loopback targets; the
    default never does). ``email``: the SMTP server and links of the e-mail channel (None:
    no e-mail); like webhooks it needs the vault (addresses are sealed).
    ``alert_facts``: people's deadlines and estimates over the built service, for the alert
    scheduler (None: no alerts are raised in this process).
    ``shared_limits``: Redis for the access-code and invitation-code throttles, shared by
    every replica (None: this process's memory).
    """
    # Before anything opens: an agency that cannot be reached safely stops the start.
    credentials = check_transport(config, client_identity) if adapters is None else {}
    paths = StatePaths(state_dir)

    def opened() -> Vault:
        # Opened only when a part left out needs it: fakes for all of them need no files.
        nonlocal vault
        if vault is None:
            vault = open_state_vault(paths, database_url)
        return vault

    if keys is None:
        keys = ServiceKeys.from_keyring(paths, opened().keyring)
    if store is None:
        store = Store(opened().subject_keys.engine, opened().subject_keys,
                      keys.ledger_references)
    if opener is None:
        opener = CaseOpener(opened().custodian)
    if ledger is None:
        ledger = open_ledger(paths, opened().keyring, database_url=database_url)
    clock = clock or (lambda: datetime.now(UTC))
    tokens = (consent_issuer(paths, vault, key=keys.consent) if vault is not None
              else ConsentTokenIssuer(keys.consent))
    wrap = wrap_client or (lambda client: client)
    clients: dict[str, AdapterPort] = adapters if adapters is not None else {
        a.id: wrap(AdapterClient(a.id, a.address, opener, credentials[a.id]))
        for a in config.agencies}
    federation = Federation(
        [a.id for a in config.agencies],
        retry=RetryPolicy(attempts=config.retry_attempts),
        breaker=BreakerPolicy(config.breaker_failures, config.breaker_reset_s))
    # Pseudonyms are derived on every read and write: one cache for every part.
    pseudonyms = lru_cache(maxsize=65_536)(partial(pseudonym, keys.pseudonym))
    agency_ids = [a.id for a in config.agencies]
    consents = ConsentService(store, ledger, keys.consent, pseudonyms, keys.ledger_references,
                              agency_ids, clock)
    # One connection pool for every throttle of this process.
    redis = RedisLimits(shared_limits) if shared_limits is not None else None
    links = LinkService(config, clients, store, ledger, link_throttle(redis),
                        pseudonyms, keys.ledger_references)
    on_close: Callable[[], None] | None = None
    if vault is not None:
        # Finishes rewraps, and carries out KEK destructions a shred scheduled once their
        # grace period is over (aggregator.vault.admin), recording them in the ledger.
        rewrap = BackgroundRewrap(vault, ledger=ledger)
        rewrap.start()
        on_close = rewrap.stop
    # Accounts' webhooks (their ``channel`` is a way out for notifications) and e-mail:
    # endpoints and addresses sealed under each account's own data key, so only over the
    # vault.
    out = None if vault is None else ways_out(vault, clock, webhooks=webhooks, email=email)
    service = CaselineService(config, clients, federation, store, ledger, tokens=tokens,
                              consents=consents, links=links, pseudonym=pseudonyms,
                              clock=clock, on_close=on_close)
    if redis is not None:
        service.invitations = Invitations(store.invitations, clock,
                                          throttles=invitation_throttles(redis))
    service.webhooks = None if out is None else out.webhooks
    # The watchers read each agency's change stream over its client's channel (mutual TLS
    # included); a client without one (a test's fake) is not watched.
    sources = {agency_id: client for agency_id, client in clients.items()
               if isinstance(client, ChangeSource)}
    service.notify = build_notifications(
        store, keys.ledger_references, ledger, pseudonyms, service.agencies, sources, clock,
        channels=[*channels, *(() if out is None else out.channels)], settings=notify,
        facts=None if alert_facts is None else alert_facts(service)).hub
    return service
