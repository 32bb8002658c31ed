"""Composition root: build the aggregator service from configuration and a state directory."""

from __future__ import annotations

from pathlib import Path

from aggregator.breaker import BreakerPolicy
from aggregator.config import AggregatorConfig
from aggregator.federation import Federation, RetryPolicy
from aggregator.grpc_client import AdapterClient
from aggregator.keys import load_or_create_ed25519, load_or_create_secret
from aggregator.ports import AdapterPort
from aggregator.service import CaselineService
from aggregator.store import Store
from aggregator.tokens import ConsentTokenIssuer

__all__ = ["StatePaths", "bootstrap", "consent_issuer"]


class StatePaths:
    """Where the aggregator keeps its files inside the state directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.database = root / "aggregator.sqlite3"
        self.consent_key = root / "keys" / "consent-signing.pem"
        self.pseudonym_key = root / "keys" / "pseudonym.key"
        self.jwks = root / "keys" / "consent-jwks.json"


def consent_issuer(paths: StatePaths) -> ConsentTokenIssuer:
    """The consent-token issuer; also (re)publishes its JWKS file for adapters."""
    issuer = ConsentTokenIssuer(load_or_create_ed25519(paths.consent_key))
    issuer.write_jwks(paths.jwks)
    return issuer


def bootstrap(config: AggregatorConfig, state_dir: Path, *, database_url: str | None = None,
              adapters: dict[str, AdapterPort] | None = None) -> CaselineService:
    """The aggregator service with one long-lived channel per configured agency."""
    paths = StatePaths(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    store = Store(database_url or f"sqlite:///{paths.database}")
    clients: dict[str, AdapterPort] = adapters if adapters is not None else {
        a.id: AdapterClient(a.id, a.address) for a in config.agencies}
    federation = Federation(
        [a.id for a in config.agencies],
        retry=RetryPolicy(attempts=config.retry_attempts),
        breaker=BreakerPolicy(config.breaker_failures, config.breaker_reset_s))
    return CaselineService(config, clients, federation, store, consent_issuer(paths),
                           load_or_create_secret(paths.pseudonym_key))
