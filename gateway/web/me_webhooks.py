"""``/me/webhooks``: an account's webhook endpoints — register one (its secret shown once),
verify it, rotate its secret, delete it, and read its delivery log — through the same
operations and refusal texts as GraphQL's webhook mutations. Applicants and
representatives alike; the settings page links here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from aggregator.consent.vocabulary import Role
from aggregator.notify.webhooks import Endpoint, EndpointState, WebhookError, Webhooks
from aggregator.notify.webhooks.model import VERIFICATION_EVENT
from aggregator.notify.webhooks.urls import MAX_URL_LENGTH
from gateway.messages import message
from gateway.web.erased import unless_erased
from gateway.web.localized import moment
from gateway.web.pages import Pages
from gateway.web.session import checked_form
from gateway.webhook_refusals import EXAMPLE_URL, webhook_problem_text, webhook_refusal_text

__all__ = ["LOG_ROWS", "routes"]

LOG_ROWS = 5  # attempts shown per endpoint
_ROLES = (Role.APPLICANT, Role.REPRESENTATIVE)
_STATUS = {"NOT_FOUND": 404, "LIMIT": 409}
_ACTIONS = frozenset({"verify", "rotate", "delete"})


@dataclass(frozen=True, slots=True)
class _Row:
    """One attempt, as the page shows it."""

    at: str
    at_iso: str  # the machine-readable moment beside the words
    status: str
    duration_ms: int
    error: str
    kind: str


@dataclass(frozen=True, slots=True)
class _Shown:
    """One endpoint, as the page shows it."""

    id: str
    url: str
    state: str
    state_code: str
    created: str
    verified: str
    problem: str
    log: tuple[_Row, ...]


def _when(language: str, at: datetime | None) -> str:
    return moment(language, at) if at else ""


def _state(language: str, state: EndpointState) -> str:
    if state == EndpointState.ACTIVE:
        return message(language, "Active")
    if state == EndpointState.DISABLED:
        return message(language, "Disabled (410 Gone)")
    return message(language, "Not verified yet")


def _shown(webhooks: Webhooks, endpoint: Endpoint, language: str) -> _Shown:
    log = tuple(_Row(_when(language, a.at), a.at.isoformat(),
                     str(a.status) if a.status is not None else "—", a.duration_ms, a.error,
                     message(language, "Verification request")
                     if a.event_type == VERIFICATION_EVENT
                     else message(language, "Case change sent"))
                for a in webhooks.attempts(endpoint.id, LOG_ROWS))
    return _Shown(endpoint.id, endpoint.url, _state(language, endpoint.state),
                  str(endpoint.state), _when(language, endpoint.created_at),
                  _when(language, endpoint.verified_at),
                  webhook_problem_text(endpoint.problem, language) if endpoint.problem else "",
                  log)


def routes(pages: Pages) -> list[BaseRoute]:
    """``GET /me/webhooks`` lists and offers the form; the ``POST``s (CSRF-checked) act."""
    service = pages.service

    def page(request: Request, account: str, status: int = 200, **values: object) -> Response:
        language = pages.language(request)
        webhooks = service.webhooks
        shown = ([] if webhooks is None else
                 [_shown(webhooks, e, language) for e in webhooks.endpoints(account)])
        values.setdefault("errors", [])
        values.setdefault("url", "")
        return pages.render(request, "me_webhooks.html", status, hooks=shown,
                            available=webhooks is not None, example=EXAMPLE_URL,
                            max_url=MAX_URL_LENGTH, **values)

    def require(request: Request) -> tuple[str, Webhooks | None]:
        who = pages.require(request, *_ROLES)
        service.check_not_erased(who.subject)
        return who.subject, service.webhooks

    async def show(request: Request) -> Response:
        account, _ = require(request)
        return page(request, account)

    async def register(request: Request) -> Response:
        account, webhooks = require(request)
        posted = await checked_form(request)
        language = pages.language(request)
        raw = posted.get("url")
        url = raw if isinstance(raw, str) else ""
        shown = url[:MAX_URL_LENGTH]
        if webhooks is None:
            return page(request, account, 503)
        try:
            registered = await webhooks.register(account, url)
        except WebhookError as exc:
            return page(request, account, _STATUS.get(exc.code, 400), url=shown,
                        errors=[("url", webhook_refusal_text(exc, language))], code=exc.code)
        return page(request, account, secret=registered.secret,
                    secret_for=registered.endpoint.id, done="registered")

    async def act(request: Request) -> Response:
        account, webhooks = require(request)
        action = str(request.path_params["action"])
        if action not in _ACTIONS:
            raise HTTPException(404)
        posted = await checked_form(request)
        language = pages.language(request)
        hook_id = str(request.path_params["hook"])
        if webhooks is None:
            return page(request, account, 503)
        try:
            if action == "verify":
                outcome = await webhooks.verify(account, hook_id)
                return page(request, account, done="verified" if outcome.ok else "unverified",
                            done_for=hook_id)
            if action == "rotate":
                rotated = await webhooks.rotate_secret(account, hook_id)
                return page(request, account, secret=rotated.secret, secret_for=hook_id,
                            done="rotated")
            if posted.get("confirm") != "yes":
                target = next((e for e in webhooks.endpoints(account) if e.id == hook_id),
                              None)
                if target is None:
                    raise WebhookError("NOT_FOUND", "no such webhook")
                return pages.render(request, "me_webhook_delete.html", hook_id=hook_id,
                                    url=target.url)
            await webhooks.delete(account, hook_id)
            return page(request, account, done="deleted")
        except WebhookError as exc:
            return page(request, account, _STATUS.get(exc.code, 400),
                        alert=webhook_refusal_text(exc, language))

    return [
        Route("/me/webhooks", unless_erased(pages, show), methods=["GET"]),
        Route("/me/webhooks", unless_erased(pages, register), methods=["POST"]),
        Route("/me/webhooks/{hook}/{action:str}", unless_erased(pages, act),
              methods=["POST"]),
    ]
