"""`caseline gateway serve`'s sign-in options: what each combination builds, and the words
of each refusal."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from aggregator.consent.vocabulary import Role
from deploy.commands.sign_in_options import SignInOptions
from gateway.auth import SignedIn
from gateway.roles import RoleMapping


def options(**values: Any) -> SignInOptions:
    defaults: dict[str, Any] = {
        "jwt_public_key": None, "jwt_jwks_url": None, "jwt_issuer": "https://login.example",
        "jwt_audience": "caseline-gateway", "role_claim": "role", "roles_file": None,
        "oidc_issuer": None, "oidc_client_id": None, "oidc_client_secret_file": None,
        "oidc_scopes": "openid profile", "session_secret_file": None}
    return SignInOptions(**{**defaults, **values})


def pem(tmp_path: Path, bits: int = 2048) -> tuple[rsa.RSAPrivateKey, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    path = tmp_path / f"rsa{bits}.pem"
    path.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return key, path


def test_an_rsa_public_key_and_a_roles_file_verify_a_provider_s_token(tmp_path: Path) -> None:
    key, path = pem(tmp_path)
    roles = tmp_path / "roles.toml"
    roles.write_text('[roles]\n"u-7" = "auditor"\n')
    verifier = options(jwt_public_key=path, roles_file=roles).verifier(3600)
    now = int(time.time())
    token = jwt.encode({"iss": "https://login.example", "aud": "caseline-gateway",
                        "sub": "u-7", "name": "Pat", "iat": now, "exp": now + 60}, key,
                       algorithm="RS256")
    assert verifier.verify(token) == SignedIn("u-7", Role.AUDITOR, "Pat")


@pytest.mark.parametrize(("values", "error", "words"), [
    ({}, click.UsageError, "--jwt-public-key or --jwt-jwks-url"),
    ({"jwt_jwks_url": "https://login.example/jwks", "jwt_public_key": Path("x")},
     click.UsageError, "one of them"),
    ({"jwt_jwks_url": "http://login.example/jwks"}, click.BadParameter, "https://"),
])
def test_the_issuer_s_keys_must_be_given_once(values: dict[str, Any], error: type[Exception],
                                              words: str) -> None:
    with pytest.raises(error, match=words):
        options(**values).verifier(3600)


def test_a_jwks_address_is_accepted() -> None:
    assert options(jwt_jwks_url="https://login.example/jwks").verifier(3600)


def test_a_weak_or_foreign_key_is_refused(tmp_path: Path) -> None:
    _, weak = pem(tmp_path, 1024)
    with pytest.raises(click.ClickException, match="2048 bits or more"):
        options(jwt_public_key=weak).verifier(3600)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    with pytest.raises(click.ClickException, match=r"garbage\.pem"):
        options(jwt_public_key=garbage).verifier(3600)


def test_the_pages_sign_in_at_the_oidc_issuer(tmp_path: Path) -> None:
    secret, client_secret = tmp_path / "session", tmp_path / "client"
    secret.write_bytes(b"k" * 32)
    client_secret.write_text("sesame\n")
    web = options(oidc_issuer="https://login.example", oidc_client_id="pages",
                  oidc_client_secret_file=client_secret, session_secret_file=secret,
                  role_claim="caseline_role").web()
    assert web.session_secret == b"k" * 32
    assert web.oidc is not None
    assert (web.oidc.issuer, web.oidc.client_id, web.oidc.client_secret) == (
        "https://login.example", "pages", "sesame")
    assert web.oidc.roles == RoleMapping("caseline_role", {})


def test_a_public_client_has_no_secret_and_no_oidc_means_none() -> None:
    web = options(oidc_issuer="https://login.example", oidc_client_id="pages").web()
    assert web.oidc is not None and web.oidc.client_secret is None
    assert options().web().oidc is None


@pytest.mark.parametrize(("values", "words"), [
    ({"oidc_issuer": "https://login.example"}, "needs --oidc-client-id"),
    ({"oidc_client_id": "pages"}, "need --oidc-issuer"),
    ({"oidc_issuer": "https://login.example", "oidc_client_id": "p", "oidc_scopes": "email"},
     "must include openid")])
def test_incomplete_oidc_options_are_refused(values: dict[str, Any], words: str) -> None:
    with pytest.raises(click.UsageError, match=words):
        options(**values).web()


def test_a_short_session_secret_is_refused(tmp_path: Path) -> None:
    short = tmp_path / "session"
    short.write_bytes(b"k" * 16)
    with pytest.raises(click.BadParameter, match="holds 16 bytes; at least 32"):
        options(session_secret_file=short).web()
