"""``/clients/invite``: a representative's invitation code, which clients type on the
consent form instead of an account id; ``POST`` replaces it with a new one."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from aggregator.consent.invitations import INVITATION_VALIDITY, InvitationError
from aggregator.consent.vocabulary import Role
from gateway.web.pages import Pages
from gateway.web.session import checked_form

__all__ = ["routes"]


def routes(pages: Pages) -> list[BaseRoute]:
    """``GET`` and ``POST /clients/invite`` over ``pages.service``."""
    invitations = pages.service.invitations

    async def show(request: Request) -> Response:
        who = pages.require(request, Role.REPRESENTATIVE)
        return pages.render(request, "invite.html", invitation=invitations.current(who.subject),
                            days=INVITATION_VALIDITY.days)

    async def renew(request: Request) -> Response:
        who = pages.require(request, Role.REPRESENTATIVE)
        await checked_form(request)
        replaced = invitations.current(who.subject) is not None
        try:
            invitation = invitations.issue(who.subject, who.role, who.name)
        except InvitationError:
            # A name the identity provider gave that cannot be shown: the account id instead.
            invitation = invitations.issue(who.subject, who.role, who.subject)
        return pages.render(request, "invite.html", invitation=invitation, renewed=replaced,
                            days=INVITATION_VALIDITY.days)

    return [Route("/clients/invite", show), Route("/clients/invite", renew, methods=["POST"])]
