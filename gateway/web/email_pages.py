"""The e-mail pages: following a verification link (``/me/email/verify``), unsubscribing
(``/me/email/unsubscribe``, one click as RFC 8058 asks), and the account's address with a
button to send the verification e-mail again (``/me/email``).

The links' tokens are the capability: a GET only shows a page with a button (mail scanners
fetch links; they must not verify or unsubscribe anyone), the POST acts, without a session:
a mail provider's one-click POST carries no cookie, and a verification link may be opened
in another browser. Sending the verification e-mail again needs the signed-in session and
its CSRF token.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from aggregator.notify.email.accounts import EmailAccounts, ResendTooSoon
from aggregator.notify.email.links import MAX_TOKEN_CHARS, LinkError
from aggregator.notify.model import DeliveryError
from gateway.auth import SignedIn
from gateway.web import session
from gateway.web.pages import Pages
from gateway.web.signin import SignedInHook

__all__ = ["routes", "sign_in_hook"]

log = logging.getLogger(__name__)


def sign_in_hook(email: EmailAccounts | None) -> SignedInHook | None:
    """What the sign-in callback calls with the ID token's claims: the provider's verified
    ``email`` recorded, a new address sent its verification e-mail (None: no e-mail)."""
    if email is None:
        return None

    async def signed_in(who: SignedIn, claims: Mapping[str, object], language: str) -> None:
        try:
            await email.signed_in(who.subject, claims, language)
        except Exception:  # signing in goes on; the address is taken at the next sign-in
            log.warning("could not record the e-mail address of a sign-in", exc_info=True)

    return signed_in


async def _token(request: Request) -> str:
    """The link's token: from the query (GET, and RFC 8058's POST to the header's URL) or
    the confirm page's form."""
    token = request.query_params.get("token", "")
    if request.method == "POST" and not token:
        form = await request.form()
        sent = form.get("token")
        token = sent if isinstance(sent, str) else ""
    return token[:MAX_TOKEN_CHARS + 1]  # longer is refused by the check, not parsed


def routes(pages: Pages, email: EmailAccounts | None) -> list[BaseRoute]:
    """The e-mail pages over ``email`` (None: this installation sends no e-mail, and the
    pages do not exist)."""
    if email is None:
        return []

    def problem(request: Request, reason: str, status: int = 400) -> Response:
        return pages.render(request, "email_link.html", status, step="problem",
                            reason=reason)

    async def verify(request: Request) -> Response:
        token = await _token(request)
        try:
            if request.method == "GET":
                email.links.check_verify(token)
                return pages.render(request, "email_link.html", 200, step="verify_confirm",
                                    token=token)
            await asyncio.to_thread(email.verify, token)
        except LinkError as exc:
            return problem(request, exc.reason, 410 if exc.reason == "expired" else 400)
        return pages.render(request, "email_link.html", 200, step="verified")

    async def unsubscribe(request: Request) -> Response:
        token = await _token(request)
        try:
            if request.method == "GET":
                email.check_unsubscribe(token)
                return pages.render(request, "email_link.html", 200,
                                    step="unsubscribe_confirm", token=token)
            await asyncio.to_thread(email.unsubscribe, token)
        except LinkError as exc:
            return problem(request, exc.reason)
        return pages.render(request, "email_link.html", 200, step="unsubscribed")

    async def status(request: Request) -> Response:
        who = pages.require(request)
        state = await asyncio.to_thread(email.state, who.subject)
        return pages.render(request, "email_status.html", 200, state=state,
                            sent=request.query_params.get("sent") == "1")

    async def resend(request: Request) -> Response:
        who = pages.require(request)
        await session.checked_form(request)
        state = await asyncio.to_thread(email.state, who.subject)
        try:
            await email.send_verification(who.subject, pages.language(request))
        except ResendTooSoon as exc:
            return pages.render(request, "email_status.html", 429, state=state,
                                problem="too_soon", seconds=exc.seconds)
        except DeliveryError as exc:
            log.warning("could not send a verification e-mail: %s", exc)
            return pages.render(request, "email_status.html", 503, state=state,
                                problem="not_sent")
        return RedirectResponse("/me/email?sent=1", status_code=303)

    return [Route("/me/email", status),
            Route("/me/email/resend", resend, methods=["POST"]),
            Route("/me/email/verify", verify, methods=["GET", "POST"]),
            Route("/me/email/unsubscribe", unsubscribe, methods=["GET", "POST"])]
