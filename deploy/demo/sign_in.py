"""How the demo signs people in: its OpenID provider (oidc_provider.py) mounted on every
gateway process, the pages configured as that provider's client, and the API trusting the
provider's key. Demo only."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Mount

from aggregator.vault.key_files import load_or_create_ed25519, load_or_create_secret
from deploy.demo.oidc_codes import CodeStore
from deploy.demo.oidc_provider import MOUNT, DemoClient, DemoProvider
from deploy.demo.state import DemoState
from gateway.auth import DEMO_ISSUER, TokenVerifier
from gateway.web.app import WebSettings
from gateway.web.signin import OidcSettings

__all__ = ["CLIENT_ID", "DemoSignIn", "issuer_url", "prepare"]

CLIENT_ID = "caseline-pages"
_LOOPBACK = ("127.0.0.1", "localhost")


def issuer_url(host: str, port: int) -> str:
    """The demo provider's issuer URL for a demo at ``host``:``port``."""
    return f"http://{host}:{port}{MOUNT}"


def prepare(state: DemoState, issuer: str) -> None:
    """Create the shared secrets once, before any gateway process starts (so that none
    races another to create them)."""
    load_or_create_secret(state.session_secret)
    load_or_create_secret(state.oidc_client_secret)
    load_or_create_ed25519(state.issuer_key)
    CodeStore(state.oidc_codes)


class DemoSignIn:
    """The provider at ``issuer`` and what a gateway process needs to use it."""

    def __init__(self, state: DemoState, issuer: str) -> None:
        self.issuer = issuer
        self.key = load_or_create_ed25519(state.issuer_key)
        base = issuer.removesuffix(MOUNT)
        # The pages' callback as the browser reaches it: under the demo's own host name and,
        # on loopback, the other name of the same address.
        bases = [base] + [base.replace(f"//{a}:", f"//{b}:") for a in _LOOPBACK
                          for b in _LOOPBACK if a != b and f"//{a}:" in base]
        self.client = DemoClient(
            CLIENT_ID, load_or_create_secret(state.oidc_client_secret).hex(),
            tuple(f"{b}/sign-in/callback" for b in bases),
            tuple(f"{b}/signed-out" for b in bases))
        self.provider = DemoProvider(issuer, self.key, [self.client],
                                     CodeStore(state.oidc_codes))
        self.session_secret = load_or_create_secret(state.session_secret)

    @property
    def base_url(self) -> str:
        """The demo's pages as the provider's issuer URL names them (links in e-mails)."""
        return self.issuer.removesuffix(MOUNT)

    def web_settings(self) -> WebSettings:
        """The pages signing in at the demo provider, sessions signed with the shared
        secret."""
        return WebSettings(session_secret=self.session_secret, oidc=OidcSettings(
            issuer=self.issuer, client_id=self.client.client_id,
            client_secret=self.client.secret))

    def verifier(self) -> TokenVerifier:
        """/graphql's bearer tokens: the provider's, and those signed with the same key
        under the demo's older fixed issuer name (scripts that sign their own)."""
        return TokenVerifier(self.key.public_key(), issuer=(self.issuer, DEMO_ISSUER))

    def mount_on(self, app: Starlette) -> None:
        """Serve the provider under ``/demo-oidc`` of the gateway ``app`` (before the pages,
        which answer every other path)."""
        app.router.routes.insert(0, Mount(MOUNT, routes=self.provider.routes()))

