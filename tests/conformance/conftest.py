"""Seeded reference stores and the consent key their adapters trust."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from adapters.conformance import ConsentSigner
from adapters.reference.catalog import REFERENCE_AGENCIES
from adapters.reference.seed import seed_store
from aggregator.consent.tokens import ConsentTokenIssuer
from aggregator.vault.key_files import key_id_of, load_or_create_ed25519
from caseline.v1.lib.key_wrap import public_jwk


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small seeded stores, one per reference agency, and a JWKS beside them with the
    consent-signing key (consent.pem) and a key custodian's key, so adapters seal."""
    root = tmp_path_factory.mktemp("conformance")
    issuer = ConsentTokenIssuer(load_or_create_ed25519(root / "consent.pem"))
    issuer.write_jwks(root / "jwks.json", [public_jwk(X25519PrivateKey.generate().public_key())])
    paths = {a: root / f"{a}.sqlite3" for a in REFERENCE_AGENCIES}
    for agency_id, path in paths.items():
        seed_store(path, agency_id, cases=20, seed=3, today=date(2026, 11, 1), progress=False)
    return paths


@pytest.fixture(scope="module")
def signer(stores: dict[str, Path]) -> ConsentSigner:
    """The consent-signing key the reference adapters over ``stores`` trust."""
    key = load_or_create_ed25519(next(iter(stores.values())).parent / "consent.pem")
    return ConsentSigner(key, key_id_of(key.public_key()))
