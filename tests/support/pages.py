"""Page sessions for tests: the cookie Starlette's SessionMiddleware would set after sign-in,
so page tests need not run an OpenID provider."""

from __future__ import annotations

import json
import time
from base64 import b64encode

import itsdangerous

from gateway.auth import SignedIn
from gateway.web.session import SESSION_COOKIE, SESSION_MAX_S

__all__ = ["SESSION_COOKIE", "session_cookie"]


def session_cookie(secret: bytes, who: SignedIn, *, csrf: str = "test-csrf",
                   ttl_s: int = SESSION_MAX_S) -> str:
    """The session cookie's value for ``who`` signed in, its CSRF token ``csrf``, under the
    gateway's ``WebSettings(session_secret=secret)``."""
    session = {"user": {"sub": who.subject, "role": str(who.role), "name": who.name,
                        "exp": int(time.time() + ttl_s)}, "csrf": csrf}
    data = b64encode(json.dumps(session).encode())
    return itsdangerous.TimestampSigner(secret.hex()).sign(data).decode()
