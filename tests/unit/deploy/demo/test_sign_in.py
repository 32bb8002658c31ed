"""The demo's sign-in wiring: secrets shared through the state directory, the pages as the
provider's client, and an API that accepts the provider's tokens and dev tokens."""

from __future__ import annotations

import stat
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aggregator.consent.vocabulary import Role
from deploy.commands.state_options import persona_token
from deploy.demo.personas import PERSONAS
from deploy.demo.sign_in import CLIENT_ID, DemoSignIn, issuer_url, prepare
from deploy.demo.state import DemoState
from gateway.auth import DEMO_ISSUER, AuthError, DevIssuer, SignedIn

ISSUER = issuer_url("127.0.0.1", 8123)


def test_prepare_makes_private_secrets(tmp_path: Path) -> None:
    state = DemoState(tmp_path)
    prepare(state, ISSUER)
    for path in (state.session_secret, state.oidc_client_secret, state.issuer_key):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_every_process_gets_the_same_client_and_session_secret(tmp_path: Path) -> None:
    state = DemoState(tmp_path)
    prepare(state, ISSUER)
    one, two = DemoSignIn(state, ISSUER), DemoSignIn(state, ISSUER)
    assert one.web_settings() == two.web_settings()
    oidc = one.web_settings().oidc
    assert oidc is not None and oidc.client_id == CLIENT_ID
    assert oidc.client_secret == one.client.secret and len(one.client.secret) == 64
    assert one.client.redirect_uris == ("http://127.0.0.1:8123/sign-in/callback",
                                        "http://localhost:8123/sign-in/callback")


def test_the_api_takes_the_provider_s_and_dev_tokens(tmp_path: Path) -> None:
    """dev-token signs with the provider's key under the demo's fixed name, which every demo
    on the state directory accepts (two demos there run on two ports, so two issuer URLs);
    the provider's own tokens name its URL."""
    state = DemoState(tmp_path)
    prepare(state, ISSUER)
    ana = SignedIn("ana", Role.APPLICANT, "Ana Morales")
    dev_token = persona_token(tmp_path, "ana")
    for port in (8123, 8124):
        sign_in = DemoSignIn(state, issuer_url("127.0.0.1", port))
        verifier = sign_in.verifier()
        assert verifier.verify(sign_in.provider.access_token(PERSONAS["ana"])) == ana
        assert verifier.verify(dev_token) == ana
    assert jwt.decode(dev_token, options={"verify_signature": False})["iss"] == DEMO_ISSUER
    other = DevIssuer(Ed25519PrivateKey.generate()).issue("ana", "applicant", "Ana Morales")
    with pytest.raises(AuthError):
        verifier.verify(other)
