"""Composition root: build the aggregator service from configuration and a state directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aggregator.breaker import BreakerPolicy
from aggregator.config import AggregatorConfig
from aggregator.federation import Federation, RetryPolicy
from aggregator.grpc_client import AdapterClient
from aggregator.key_admin import BackgroundRewrap
from aggregator.keys import load_or_create_ed25519, load_or_create_secret
from aggregator.ledger.note import NoteSigner
from aggregator.ledger.writer import Ledger
from aggregator.opening import CaseOpener
from aggregator.ports import AdapterPort
from aggregator.service import CaselineService
from aggregator.store import Store, make_engine
from aggregator.tokens import ConsentTokenIssuer
from aggregator.transport import ClientIdentity, check_transport
from aggregator.vault import Vault, open_vault

__all__ = ["LEDGER_ORIGIN", "StatePaths", "bootstrap", "consent_issuer", "open_ledger",
           "open_state"]

# The checkpoint origin line; C2SP asks for a name unique to this log.
LEDGER_ORIGIN = "caseline.localhost/ledger"


class StatePaths:
    """Where the aggregator keeps its files inside the state directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.database = root / "aggregator.sqlite3"
        self.consent_key = root / "keys" / "consent-signing.pem"
        self.pseudonym_key = root / "keys" / "pseudonym.key"
        self.jwks = root / "keys" / "consent-jwks.json"
        self.ledger = root / "ledger.sqlite3"
        self.ledger_key = root / "keys" / "ledger-signing.pem"
        self.ledger_hmac = root / "keys" / "ledger-references.key"


def open_state(paths: StatePaths, database_url: str | None = None) -> tuple[Store, Vault]:
    """The aggregator's store and key vault (keyring, custodian, subject keys), sharing one
    database; personal data in the store is sealed under the vault's subject keys."""
    paths.root.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_url or f"sqlite:///{paths.database}")
    vault = open_vault(paths.root, engine)
    return Store(engine, vault.subject_keys, load_or_create_secret(paths.ledger_hmac)), vault


def consent_issuer(paths: StatePaths, vault: Vault | None = None) -> ConsentTokenIssuer:
    """The consent-token issuer; also (re)publishes the JWKS file adapters use: its own key
    and the key custodian's public keys."""
    issuer = ConsentTokenIssuer(load_or_create_ed25519(paths.consent_key))
    if vault is None:
        _, vault = open_state(paths)
    issuer.write_jwks(paths.jwks, vault.custodian.public_jwks())
    return issuer


def open_ledger(paths: StatePaths) -> Ledger:
    """The ledger file in the state directory with its checkpoint-signing key."""
    return Ledger(paths.ledger, NoteSigner(LEDGER_ORIGIN, load_or_create_ed25519(paths.ledger_key)))


def bootstrap(config: AggregatorConfig, state_dir: Path, *, database_url: str | None = None,
              adapters: dict[str, AdapterPort] | None = None,
              wrap_client: Callable[[AdapterClient], AdapterPort] | None = None,
              access_logging: bool = True, sealing: bool = True,
              client_identity: ClientIdentity | None = None) -> CaselineService:
    """The aggregator service with one long-lived channel per configured agency.

    ``adapters`` replaces the gRPC clients (tests); ``wrap_client`` wraps each (counting
    calls); ``sealing=False`` accepts sensitive fields in plaintext (the benchmark that
    measures what sealing costs); ``client_identity``: the gateway's client certificate for
    agencies reached with mutual TLS (aggregator.transport).
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
                           load_or_create_secret(paths.pseudonym_key), open_ledger(paths),
                           consent_key=load_or_create_ed25519(paths.consent_key),
                           ledger_key=load_or_create_secret(paths.ledger_hmac),
                           access_logging=access_logging, on_close=rewrap.stop)
