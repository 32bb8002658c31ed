"""The demo's sign-in wiring: secrets shared through the state directory, the pages as the
provider's client, and an API that accepts the provider's tokens and dev tokens."""

from __future__ import annotations

import stat
from pathlib import Path

import jwt

from aggregator.consent.vocabulary import Role
from deploy.commands.state_options import persona_token
from deploy.demo.personas import PERSONAS
from deploy.demo.sign_in import CLIENT_ID, DemoSignIn, issuer_url, last_issuer, prepare
from deploy.demo.state import DemoState
from gateway.auth import DEMO_ISSUER, DevIssuer, SignedIn

ISSUER = issuer_url("127.0.0.1", 8123)


def test_prepare_makes_private_secrets_and_records_the_issuer(tmp_path: Path) -> None:
    state = DemoState(tmp_path)
    assert last_issuer(state) == DEMO_ISSUER
    prepare(state, ISSUER)
    for path in (state.session_secret, state.oidc_client_secret, state.issuer_key):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert last_issuer(state) == "http://127.0.0.1:8123/demo-oidc"


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
    """dev-token signs with the provider's key under its issuer; tokens signed under the
    demo's older fixed name (scripts that sign their own) are accepted too."""
    state = DemoState(tmp_path)
    prepare(state, ISSUER)
    sign_in = DemoSignIn(state, ISSUER)
    verifier = sign_in.verifier()
    ana = SignedIn("ana", Role.APPLICANT, "Ana Morales")
    assert verifier.verify(sign_in.provider.access_token(PERSONAS["ana"])) == ana
    dev_token = persona_token(tmp_path, "ana")
    assert jwt.decode(dev_token, options={"verify_signature": False})["iss"] == ISSUER
    assert verifier.verify(dev_token) == ana
    older = DevIssuer(sign_in.key).issue("ana", "applicant", "Ana Morales")
    assert verifier.verify(older) == ana
