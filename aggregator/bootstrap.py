"""Composition root: build the aggregator service from configuration and a state directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.config import AggregatorConfig
from aggregator.consent.tokens import ConsentTokenIssuer
from aggregator.federation.breaker import BreakerPolicy
from aggregator.federation.client import AdapterClient
from aggregator.federation.fanout import Federation, RetryPolicy
from aggregator.federation.transport import ClientIdentity, check_transport
from aggregator.files import private_dir, private_file
from aggregator.installation import ledger_origin
from aggregator.ledger.ledger import Ledger
from aggregator.ledger.note import NoteSigner
from aggregator.ports import AdapterPort
from aggregator.service import CaselineService
from aggregator.store import Store, make_engine
from aggregator.vault import Keyring, Vault, open_vault
from aggregator.vault.admin import BackgroundRewrap
from aggregator.vault.opening import CaseOpener
from aggregator.vault.secrets import keyring_ed25519, keyring_secret

__all__ = ["StatePaths", "bootstrap", "consent_issuer", "consent_key", "ledger_reference_key",
           "open_ledger", "open_state", "pseudonym_key"]


class StatePaths:
    """Where the aggregator keeps its files inside the state directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.database = root / "aggregator.sqlite3"
        self.jwks = root / "keys" / "consent-jwks.json"
        self.ledger = root / "ledger.sqlite3"
        self.install_id = root / "install-id"
        # Where older versions kept these keys in plaintext; now they live in the keyring,
        # and a file found here is imported into it (then removed) on first open.
        self.legacy_consent_key = root / "keys" / "consent-signing.pem"
        self.legacy_pseudonym_key = root / "keys" / "pseudonym.key"
        self.legacy_ledger_key = root / "keys" / "ledger-signing.pem"
        self.legacy_ledger_hmac = root / "keys" / "ledger-references.key"


def pseudonym_key(paths: StatePaths, keyring: Keyring) -> bytes:
    """The HMAC key that derives subjects' pseudonyms in the ledger."""
    return keyring_secret(keyring, "pseudonym", paths.legacy_pseudonym_key)


def ledger_reference_key(paths: StatePaths, keyring: Keyring) -> bytes:
    """The HMAC key behind the case references the ledger records."""
    return keyring_secret(keyring, "ledger-references", paths.legacy_ledger_hmac)


def consent_key(paths: StatePaths, keyring: Keyring) -> Ed25519PrivateKey:
    """The key that signs consent tokens."""
    return keyring_ed25519(keyring, "consent-signing", paths.legacy_consent_key)


def open_state(paths: StatePaths, database_url: str | None = None) -> tuple[Store, Vault]:
    """The aggregator's store and key vault (keyring, custodian, subject keys), sharing one
    database; personal data in the store is sealed under the vault's subject keys."""
    private_dir(paths.root)
    if database_url is None:
        private_file(paths.database)  # before SQLite creates it (and its WAL) under the umask
    engine = make_engine(database_url or f"sqlite:///{paths.database}")
    vault = open_vault(paths.root, engine)
    return Store(engine, vault.subject_keys, ledger_reference_key(paths, vault.keyring)), vault


def consent_issuer(paths: StatePaths, vault: Vault | None = None) -> ConsentTokenIssuer:
    """The consent-token issuer; also (re)publishes the JWKS file adapters use: its own key
    and the key custodian's public keys."""
    if vault is None:
        _, vault = open_state(paths)
    issuer = ConsentTokenIssuer(consent_key(paths, vault.keyring))
    issuer.write_jwks(paths.jwks, vault.custodian.public_jwks())
    return issuer


def open_ledger(paths: StatePaths, keyring: Keyring | None = None) -> Ledger:
    """The ledger file in the state directory, signing checkpoints under this installation's
    origin with the key the keyring holds (open the state first: see ``open_vault``)."""
    keyring = keyring or Keyring.in_state_dir(paths.root)
    key = keyring_ed25519(keyring, "ledger-signing", paths.legacy_ledger_key)
    return Ledger(paths.ledger, NoteSigner(ledger_origin(paths.install_id, paths.ledger), key))


def bootstrap(config: AggregatorConfig, state_dir: Path, *, database_url: str | None = None,
              adapters: dict[str, AdapterPort] | None = None,
              wrap_client: Callable[[AdapterClient], AdapterPort] | None = None,
              access_logging: bool = True, sealing: bool = True,
              client_identity: ClientIdentity | None = None) -> CaselineService:
    """The aggregator service with one long-lived channel per configured agency.

    ``adapters`` replaces the gRPC clients (tests); ``wrap_client`` wraps each (counting
    calls); ``sealing=False`` accepts sensitive fields in plaintext (the benchmark that
    measures what sealing costs); ``client_identity``: the gateway's client certificate for
    agencies reached with mutual TLS (aggregator.federation.transport).
    """
    # Before anything opens: an agency that cannot be reached safely stops the start.
    credentials = check_transport(config, client_identity) if adapters is None else {}
    paths = StatePaths(state_dir)
    store, vault = open_state(paths, database_url)
    opener = CaseOpener(vault.custodian, accept_plaintext=not sealing)
    wrap = wrap_client or (lambda client: client)
    clients: dict[str, AdapterPort] = adapters if adapters is not None else {
        a.id: wrap(AdapterClient(a.id, a.address, opener, credentials[a.id]))
        for a in config.agencies}
    federation = Federation(
        [a.id for a in config.agencies],
        retry=RetryPolicy(attempts=config.retry_attempts),
        breaker=BreakerPolicy(config.breaker_failures, config.breaker_reset_s))
    rewrap = BackgroundRewrap(vault)
    if vault.subject_keys.pending_rewrap():
        rewrap.start()
    return CaselineService(config, clients, federation, store, consent_issuer(paths, vault),
                           pseudonym_key(paths, vault.keyring),
                           open_ledger(paths, vault.keyring),
                           consent_key=consent_key(paths, vault.keyring),
                           ledger_key=ledger_reference_key(paths, vault.keyring),
                           access_logging=access_logging, on_close=rewrap.stop)
