"""What every page shares: the templates, the language, who is signed in, the CSRF token,
and the guard that sends a signed-out visitor to sign in."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from aggregator.consent.vocabulary import Role
from aggregator.service import CaselineService
from gateway.auth import SignedIn
from gateway.language import SUPPORTED
from gateway.messages import message
from gateway.ratelimit import LookupLimits
from gateway.web import localized
from gateway.web.headers import secure
from gateway.web.language import COOKIE, chosen, page_language
from gateway.web.session import csrf_token, renew, signed_in

__all__ = ["NotAllowed", "Pages", "SignInRequired"]

# Who is told of changes to cases: applicants of their own, representatives of clients'.
_TOLD = (Role.APPLICANT, Role.REPRESENTATIVE)
# A year: long enough that a returning visitor is not asked again, short of forever.
_COOKIE_AGE_S = 365 * 24 * 3600


class SignInRequired(Exception):
    """The page is for signed-in people; the visitor is sent to sign in and brought back."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


class NotAllowed(Exception):
    """The signed-in person's role may not see this page (answered 403, in words)."""

    def __init__(self, who: SignedIn, roles: tuple[Role, ...]) -> None:
        super().__init__(f"{who.role} may not see a page for {', '.join(roles)}")
        self.who = who
        self.roles = roles


@dataclass
class Pages:
    """The pages' shared parts over one aggregator service."""

    service: CaselineService
    quotas: LookupLimits
    templates: Environment = field(init=False)

    def __post_init__(self) -> None:
        self.templates = Environment(loader=PackageLoader("gateway.web", "templates"),
                                     autoescape=select_autoescape(default=True))

    def language(self, request: Request) -> str:
        """The language this request's page is in: for a signed-in person, a ``?lang=``
        choice is stored as their preference, which later pages use before the cookie and
        Accept-Language (read once per request)."""
        known = getattr(request.state, "language", None)
        if isinstance(known, str):
            return known
        language = page_language(request)
        who = signed_in(request)
        if who is not None:
            asked = chosen(request)
            stored = self.service.store.language_of(who.subject)
            if asked is not None and asked != stored:
                self.service.store.set_language(who.subject, asked)
            elif asked is None and stored in SUPPORTED:
                language = stored
        request.state.language = language
        return language

    def require(self, request: Request, *roles: Role) -> SignedIn:
        """Who is signed in, when their role is one of ``roles`` (any role when none);
        SignInRequired or NotAllowed otherwise (the app answers both)."""
        who = signed_in(request)
        if who is None:
            back_to = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInRequired(back_to)
        if roles and who.role not in roles:
            raise NotAllowed(who, roles)
        # The same account record as an API request makes (consent grantees must exist).
        self.service.signed_in(who.subject, who.role)
        return who

    def unread(self, who: SignedIn | None) -> int | None:
        """The signed-in person's unread notifications for the header's badge; None when
        they get none (signed out, an auditor) or this server runs no notifications."""
        hub = self.service.notify
        if who is None or hub is None or who.role not in _TOLD:
            return None
        return hub.inbox.unread_count(who.subject)

    def remember_language(self, request: Request, response: Response) -> None:
        """Keep a language chosen with ``?lang=`` (a cookie) for the pages that follow."""
        if chosen(request):
            response.set_cookie(COOKIE, self.language(request), max_age=_COOKIE_AGE_S,
                                httponly=True, samesite="lax",
                                secure=request.url.scheme == "https")

    def render(self, request: Request, template: str, status: int = 200,
               **values: object) -> Response:
        """``template`` in the request's language, with the signed-in person, their CSRF
        token, the language switch and ``day()``/``moment()`` to write dates and times in
        that language (localized); the security headers set."""
        language = self.language(request)
        other = "en" if language == "es" else "es"
        switch = request.url.include_query_params(lang=other)
        who = signed_in(request)
        if who is not None:
            renew(request)
        page = self.templates.get_template(template).render(
            lang=language, t=partial(message, language), other_lang=other,
            day=partial(localized.day, language), moment=partial(localized.moment, language),
            switch=f"{switch.path}?{switch.query}", who=who, unread=self.unread(who),
            csrf=csrf_token(request) if who is not None else "",
            sign_in_url="/sign-in?next=" + quote(request.url.path, safe="/"), **values)
        response = HTMLResponse(page, status_code=status)
        self.remember_language(request, response)
        # The page's words depend on these: caches must keep each language apart, and a
        # signed-in page is nobody else's.
        response.headers["Vary"] = "Accept-Language, Cookie"
        if who is not None:
            response.headers["Cache-Control"] = "no-store"
        return secure(response)
