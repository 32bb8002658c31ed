"""Who is signed in on the pages, and the CSRF token of their forms.

The session lives in a signed, HttpOnly, SameSite=Lax cookie (Starlette's SessionMiddleware,
itsdangerous underneath; see gateway/web/app.py); nothing of it is stored server-side, so
every gateway replica reads it alike. ``/graphql`` never reads it: the API takes only bearer
tokens, so a page's cookie cannot be replayed against it.
"""

from __future__ import annotations

import hmac
import secrets
import time

from starlette.datastructures import FormData
from starlette.requests import Request

from aggregator.consent.vocabulary import Role
from gateway.auth import SignedIn

__all__ = ["CSRF_FIELD", "SESSION_COOKIE", "SESSION_IDLE_S", "SESSION_MAX_S", "CsrfError",
           "checked_form", "csrf_token", "renew", "sign_in", "sign_out", "signed_in"]

SESSION_COOKIE = "caseline_session"
CSRF_FIELD = "csrf_token"
# A page session ends after an hour without a page (the cookie's signature carries its time;
# see renew) and, whatever happens, twelve hours after sign-in.
SESSION_IDLE_S = 3600
SESSION_MAX_S = 12 * 3600
_USER = "user"
_CSRF = "csrf"
_SEEN = "seen"
# The cookie is re-signed at most this often: often enough for the idle limit, rarely enough
# that most pages send no Set-Cookie.
_RENEW_EVERY_S = 60


class CsrfError(Exception):
    """A form that changes something came without this session's CSRF token."""


def sign_in(request: Request, who: SignedIn, *, now: float | None = None) -> None:
    """Start a page session for ``who``; a new CSRF token, so one seen before sign-in is
    worthless after it."""
    request.session.clear()
    at = time.time() if now is None else now
    request.session[_USER] = {"sub": who.subject, "role": str(who.role), "name": who.name,
                              "exp": int(at + SESSION_MAX_S)}
    request.session[_CSRF] = secrets.token_urlsafe(32)


def sign_out(request: Request) -> None:
    """End the page session (the cookie is cleared with the response)."""
    request.session.clear()


def signed_in(request: Request, *, now: float | None = None) -> SignedIn | None:
    """The person this page session belongs to; None when signed out or expired."""
    user = request.session.get(_USER)
    if not isinstance(user, dict):
        return None
    at = time.time() if now is None else now
    try:
        if float(user["exp"]) <= at:
            return None
        return SignedIn(str(user["sub"]), Role(user["role"]), str(user["name"]))
    except (KeyError, TypeError, ValueError):
        return None  # a cookie from an older layout: as if signed out


def renew(request: Request, *, now: float | None = None) -> None:
    """Restart a signed-in session's idle time. Starlette re-signs the cookie (whose
    timestamp the idle limit checks) only when the session changed, so this changes it, at
    most once a minute."""
    at = int((time.time() if now is None else now) // _RENEW_EVERY_S)
    if request.session.get(_USER) is not None and request.session.get(_SEEN) != at:
        request.session[_SEEN] = at


def csrf_token(request: Request) -> str:
    """This session's CSRF token, for a form's hidden ``csrf_token`` field."""
    token = request.session.get(_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[_CSRF] = token
    return token


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matched the session's; CsrfError otherwise.
    (The gateway's body limit has bounded the body before this reads it.)"""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = request.session.get(_CSRF)
    if not (isinstance(sent, str) and isinstance(expected, str)
            and hmac.compare_digest(sent.encode(), expected.encode())):
        raise CsrfError("the form's csrf_token is missing or not this session's")
    return form
