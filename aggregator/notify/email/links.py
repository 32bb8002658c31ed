"""The signed links of e-mails: verifying an address (expiring, good once) and
unsubscribing (one click, RFC 8058). Signed with itsdangerous (HMAC-SHA256 over the payload
and its time), each kind under its own salt so one cannot pass for the other."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

__all__ = ["MAX_TOKEN_CHARS", "LinkError", "LinkSigner", "VerifyClaim"]

# A token of ours is about 100 characters; anything much longer is not one, and is refused
# before it is parsed.
MAX_TOKEN_CHARS = 512
_VERIFY = "caseline-email-verify-v1"
_UNSUBSCRIBE = "caseline-email-unsubscribe-v1"


class LinkError(ValueError):
    """A link's token is malformed, forged or expired. ``reason``: "invalid" or "expired"."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class VerifyClaim:
    """What a verification link says: this address id, with this one-time nonce."""

    address_id: str
    nonce: str


class LinkSigner:
    """Makes and checks the e-mail links' tokens with ``secret`` (from the keyring)."""

    def __init__(self, secret: bytes, verify_ttl_s: int = 24 * 3600) -> None:
        if len(secret) < 32:
            raise ValueError(f"the e-mail link secret must have at least 32 bytes, got "
                             f"{len(secret)}")
        self.verify_ttl_s = verify_ttl_s
        self._verify = URLSafeTimedSerializer(secret, salt=_VERIFY)
        self._unsubscribe = URLSafeTimedSerializer(secret, salt=_UNSUBSCRIBE)

    def verify_token(self, address_id: str, nonce: str) -> str:
        """The token of a verification link."""
        return str(self._verify.dumps([address_id, nonce]))

    def unsubscribe_token(self, address_id: str) -> str:
        """The token of an unsubscribe link (no expiry: an old e-mail's link still works)."""
        return str(self._unsubscribe.dumps(address_id))

    def check_verify(self, token: str) -> VerifyClaim:
        """The claim of a verification token; LinkError when it is not one of ours or older
        than ``verify_ttl_s``."""
        _check_size(token)
        try:
            value = self._verify.loads(token, max_age=self.verify_ttl_s)
        except SignatureExpired as exc:
            raise LinkError("expired", "the verification link has expired") from exc
        except BadSignature as exc:
            raise LinkError("invalid", "the verification link is not valid") from exc
        if not (isinstance(value, list) and len(value) == 2
                and all(isinstance(v, str) for v in value)):
            raise LinkError("invalid", "the verification link is not valid")
        return VerifyClaim(value[0], value[1])

    def check_unsubscribe(self, token: str) -> str:
        """The address id of an unsubscribe token; LinkError when it is not one of ours."""
        _check_size(token)
        try:
            value = self._unsubscribe.loads(token)
        except BadSignature as exc:
            raise LinkError("invalid", "the unsubscribe link is not valid") from exc
        if not isinstance(value, str):
            raise LinkError("invalid", "the unsubscribe link is not valid")
        return value


def _check_size(token: str) -> None:
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise LinkError("invalid", f"a link token has 1 to {MAX_TOKEN_CHARS} characters, "
                                   f"got {len(token)}")
