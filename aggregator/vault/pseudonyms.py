"""Keyed pseudonyms: stable per subject, meaningless without the key."""

from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = ["pseudonym"]


def pseudonym(key: bytes, subject_id: str) -> str:
    """``psn_`` + base32 of HMAC-SHA256(key, subject id), 128 bits."""
    digest = hmac.new(key, subject_id.encode(), hashlib.sha256).digest()[:16]
    return "psn_" + base64.b32encode(digest).decode().rstrip("=").lower()
