"""Where `caseline adapter check` gets the consent-signing key the adapter trusts: a PEM file
(--consent-key) or an aggregator state directory's keyring (--state-dir), never a new key."""

from __future__ import annotations

from pathlib import Path

import click

from adapters.conformance import ConsentSigner

__all__ = ["consent_signer"]

SECRET = "consent-signing"  # the keyring's name for it (aggregator.bootstrap.consent_key)


def consent_signer(consent_key: Path | None, state_dir: Path | None) -> ConsentSigner | None:
    """The signer for the kit's token checks, None when neither option is given; a
    ClickException saying what is wrong with the one given (creating a key would sign tokens
    no adapter trusts)."""
    from aggregator.bootstrap import consent_key as keyring_consent_key
    from aggregator.state import StatePaths
    from aggregator.vault.errors import KeyringError
    from aggregator.vault.key_files import key_id_of, load_ed25519
    from aggregator.vault.keyring import Keyring

    if consent_key is not None and state_dir is not None:
        raise click.UsageError("give --consent-key or --state-dir, not both")
    try:
        if consent_key is not None:
            key = load_ed25519(consent_key)
        elif state_dir is not None:
            keyring = Keyring.in_state_dir(state_dir)
            names = ({s.name for s in keyring.content().secrets} if keyring.path.exists()
                     else set())
            if SECRET not in names:
                raise click.ClickException(
                    f"no consent-signing key in {keyring.path}: not the state directory of "
                    "an aggregator that has started")
            key = keyring_consent_key(StatePaths(state_dir), keyring)
        else:
            return None
    except (OSError, ValueError, KeyringError) as exc:
        raise click.ClickException(f"cannot read the consent-signing key: {exc}") from exc
    return ConsentSigner(key, key_id_of(key.public_key()))
