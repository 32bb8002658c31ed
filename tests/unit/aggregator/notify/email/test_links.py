"""The e-mails' signed links: each kind checks only its own tokens, verification links
expire, forged or overlong tokens are refused before anything is looked up."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from aggregator.notify.email.links import MAX_TOKEN_CHARS, LinkError, LinkSigner, VerifyClaim

SECRET = b"k" * 32


def test_a_verification_token_round_trips() -> None:
    """The link names the address and the nonce it was made with."""
    signer = LinkSigner(SECRET)
    assert signer.check_verify(signer.verify_token("em_1", "n1")) == VerifyClaim("em_1", "n1")


def test_an_unsubscribe_token_is_no_verification_token() -> None:
    """Salted per kind: an unsubscribe link cannot verify an address, nor the reverse."""
    signer = LinkSigner(SECRET)
    with pytest.raises(LinkError) as wrong:
        signer.check_verify(signer.unsubscribe_token("em_1"))
    assert wrong.value.reason == "invalid"
    with pytest.raises(LinkError):
        signer.check_unsubscribe(signer.verify_token("em_1", "n1"))


def test_a_token_signed_with_another_secret_is_refused() -> None:
    """Only Caseline's secret makes a good link."""
    other = LinkSigner(b"o" * 32)
    with pytest.raises(LinkError) as forged:
        LinkSigner(SECRET).check_unsubscribe(other.unsubscribe_token("em_1"))
    assert str(forged.value) == "the unsubscribe link is not valid"


class _TwoMinutesAgo(TimestampSigner):
    """Signs as if two minutes had passed since."""

    def get_timestamp(self) -> int:
        return int(time.time()) - 120


def test_an_old_verification_link_has_expired() -> None:
    """Past ``verify_ttl_s`` the link says it expired (and the page offers a new one)."""
    signer = LinkSigner(SECRET, verify_ttl_s=60)
    past = URLSafeTimedSerializer(SECRET, salt="caseline-email-verify-v1",
                                  signer=_TwoMinutesAgo)
    token = past.dumps(["em_1", "n1"])
    assert LinkSigner(SECRET, verify_ttl_s=300).check_verify(token).nonce == "n1"
    with pytest.raises(LinkError) as expired:
        signer.check_verify(token)
    assert expired.value.reason == "expired"


def test_an_overlong_token_is_refused_before_parsing() -> None:
    """The size is checked first."""
    with pytest.raises(LinkError) as long:
        LinkSigner(SECRET).check_unsubscribe("a" * (MAX_TOKEN_CHARS + 1))
    assert str(long.value) == f"a link token has 1 to {MAX_TOKEN_CHARS} characters, got 513"


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes, got 8"):
        LinkSigner(b"k" * 8)
