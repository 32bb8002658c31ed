"""`caseline gateway serve`'s sign-in options: whose bearer tokens /graphql accepts (a public
key or the issuer's JWKS), where roles come from, and the pages' OpenID provider and session
secret; turned into the gateway's verifier and page settings, or a clear refusal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from gateway.auth import TokenVerifier
from gateway.roles import RoleMapping, load_roles
from gateway.signing_keys import ALGORITHMS, PublicKey, RemoteKeys, fits
from gateway.web.app import WebSettings
from gateway.web.signin import OidcSettings

__all__ = ["MIN_SESSION_SECRET_BYTES", "SignInOptions", "sign_in_options"]

F = TypeVar("F", bound=Callable[..., Any])
MIN_SESSION_SECRET_BYTES = 32
MAX_SECRET_FILE_BYTES = 4096
_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def sign_in_options(command: F) -> F:
    """The options, outermost first as `--help` lists them."""
    options = [
        click.option("--jwt-public-key", type=_FILE, default=None,
                     help="PEM public key (Ed25519, RSA or P-256) of the bearer-token issuer."),
        click.option("--jwt-jwks-url", default=None, metavar="URL",
                     help="The bearer-token issuer's JWKS address (instead of "
                          "--jwt-public-key): keys are fetched, cached and refreshed when "
                          "the issuer rotates them."),
        click.option("--jwt-issuer", required=True, help="Expected 'iss' of bearer tokens."),
        click.option("--jwt-audience", default="caseline-gateway", show_default=True),
        click.option("--role-claim", default="role", show_default=True,
                     help="The token claim holding the Caseline role (applicant, "
                          "representative or auditor)."),
        click.option("--roles-file", type=_FILE, default=None,
                     help="TOML file whose [roles] table maps subjects to roles, for "
                          "identity providers that issue no Caseline role; it wins over "
                          "--role-claim."),
        click.option("--oidc-issuer", default=None, metavar="URL",
                     help="The pages' OpenID provider (discovery at "
                          "URL/.well-known/openid-configuration). Without it the pages "
                          "say sign-in is not configured."),
        click.option("--oidc-client-id", default=None, help="The pages' client id there."),
        click.option("--oidc-client-secret-file", type=_FILE, default=None,
                     help="File holding the client secret (none: a public client, PKCE "
                          "alone)."),
        click.option("--oidc-scopes", default="openid profile", show_default=True),
        click.option("--session-secret-file", type=_FILE, default=None,
                     help=f"At least {MIN_SESSION_SECRET_BYTES} random bytes signing the "
                          "pages' session cookie; give every replica the same file "
                          "(default: a random secret per process: sessions end with it)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@dataclass(frozen=True)
class SignInOptions:
    """The options' values, as click passes them."""

    jwt_public_key: Path | None
    jwt_jwks_url: str | None
    jwt_issuer: str
    jwt_audience: str
    role_claim: str
    roles_file: Path | None
    oidc_issuer: str | None
    oidc_client_id: str | None
    oidc_client_secret_file: Path | None
    oidc_scopes: str
    session_secret_file: Path | None

    def roles(self) -> RoleMapping:
        """Where roles come from; ClickException for an unusable roles file."""
        try:
            table = load_roles(self.roles_file) if self.roles_file else {}
        except (OSError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        return RoleMapping(self.role_claim, table)

    def verifier(self, max_lifetime_s: int) -> TokenVerifier:
        """/graphql's bearer-token verifier; UsageError or ClickException saying what is
        wrong with the options."""
        if (self.jwt_public_key is None) == (self.jwt_jwks_url is None):
            raise click.UsageError("give the bearer-token issuer's keys: --jwt-public-key or "
                                   "--jwt-jwks-url (one of them)")
        roles = self.roles()
        if self.jwt_jwks_url is not None:
            if not self.jwt_jwks_url.startswith(("https://", "http://127.0.0.1",
                                                 "http://localhost")):
                raise click.BadParameter("expected an https:// address (plain http only on "
                                         "loopback)", param_hint="--jwt-jwks-url")
            return TokenVerifier(RemoteKeys(self.jwt_jwks_url), issuer=self.jwt_issuer,
                                 audience=self.jwt_audience, max_lifetime_s=max_lifetime_s,
                                 roles=roles)
        assert self.jwt_public_key is not None
        try:
            key = load_pem_public_key(self.jwt_public_key.read_bytes())
        except (OSError, ValueError) as exc:
            raise click.ClickException(f"{self.jwt_public_key}: {exc}") from exc
        if not isinstance(key, PublicKey) or not any(fits(a, key) for a in ALGORITHMS):
            raise click.ClickException(f"{self.jwt_public_key} is not an Ed25519, RSA (2048 "
                                       "bits or more) or P-256 public key")
        return TokenVerifier(key, issuer=self.jwt_issuer, audience=self.jwt_audience,
                             max_lifetime_s=max_lifetime_s, roles=roles)

    def web(self) -> WebSettings:
        """The pages' settings: their session secret and OpenID provider."""
        secret = None
        if self.session_secret_file is not None:
            secret = _read_secret(self.session_secret_file)
            if len(secret) < MIN_SESSION_SECRET_BYTES:
                raise click.BadParameter(
                    f"{self.session_secret_file} holds {len(secret)} bytes; at least "
                    f"{MIN_SESSION_SECRET_BYTES} are needed", param_hint="--session-secret-file")
        if self.oidc_issuer is None:
            if self.oidc_client_id or self.oidc_client_secret_file:
                raise click.UsageError("--oidc-client-id and --oidc-client-secret-file need "
                                       "--oidc-issuer")
            return WebSettings(session_secret=secret)
        if not self.oidc_client_id:
            raise click.UsageError("--oidc-issuer needs --oidc-client-id")
        client_secret = (_read_secret(self.oidc_client_secret_file).decode().strip()
                         if self.oidc_client_secret_file else None)
        scopes = tuple(self.oidc_scopes.split())
        if "openid" not in scopes:
            raise click.BadParameter("must include openid", param_hint="--oidc-scopes")
        return WebSettings(session_secret=secret, oidc=OidcSettings(
            issuer=self.oidc_issuer, client_id=self.oidc_client_id,
            client_secret=client_secret, scopes=scopes, roles=self.roles()))


def _read_secret(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_SECRET_FILE_BYTES:
        raise click.ClickException(f"{path}: {size} bytes; a secret file holds at most "
                                   f"{MAX_SECRET_FILE_BYTES}")
    return path.read_bytes()
