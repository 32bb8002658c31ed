"""``/me/settings``: what a person wants to be told, and how: channels (in-app always on,
e-mail, webhooks), which agencies, only when action is required, and whether e-mails may
carry case details. Saved through the notification hub's PreferenceStore; the form is
CSRF-checked, and a saved form is answered with a redirect (so a reload does not post it
again)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from aggregator.model import AgencyInfo
from aggregator.notify.model import ChannelKind, Preferences
from gateway.messages import message
from gateway.web.erased import unless_erased
from gateway.web.notifications import ROLES
from gateway.web.pages import Pages
from gateway.web.session import checked_form

__all__ = ["MAX_VALUES", "SettingsProblem", "parse_preferences", "routes"]

# Channels a person chooses (in-app is always on and not a choice).
_CHOSEN = {ChannelKind.EMAIL.value: ChannelKind.EMAIL,
           ChannelKind.WEBHOOK.value: ChannelKind.WEBHOOK}
# More values of one field than there are choices is not this form.
MAX_VALUES = 64


class SettingsProblem(ValueError):
    """A field of the form is not usable: ``field`` and what to tell the person."""

    def __init__(self, field: str, text: str) -> None:
        super().__init__(text)
        self.field = field
        self.text = text


def _values(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name)[:MAX_VALUES] if isinstance(v, str)]


def parse_preferences(form: FormData, agencies: Mapping[str, AgencyInfo],
                      language: str) -> Preferences:
    """The preferences a posted form asks for; SettingsProblem naming the field when a
    value is not one of the choices, or when e-mail or webhooks are on for no agency."""
    channels = {ChannelKind.IN_APP}
    for value in _values(form, "channel"):
        if value not in _CHOSEN:
            raise SettingsProblem("channel-email", message(
                language, "Choose e-mail, webhooks or neither."))
        channels.add(_CHOSEN[value])
    chosen = set()
    for value in _values(form, "agency"):
        if value not in agencies:
            raise SettingsProblem("agency-" + next(iter(agencies)), message(
                language, "Choose agencies from the list."))
        chosen.add(value)
    if not chosen and len(channels) > 1:
        raise SettingsProblem("agency-" + next(iter(agencies)), message(
            language, "Choose at least one agency, or turn e-mail and webhooks off."))
    # Every agency chosen: None, so an agency added later is included too.
    return Preferences(channels=frozenset(channels),
                       agencies=None if chosen == set(agencies) else frozenset(chosen),
                       only_action_required=form.get("only_action_required") == "yes",
                       email_details=form.get("email_details") == "yes")


def _agency_rows(agencies: Mapping[str, AgencyInfo], preferences: Preferences,
                 language: str) -> Sequence[tuple[str, str, bool]]:
    return [(a.id, a.display_name(language),
             preferences.agencies is None or a.id in preferences.agencies)
            for a in agencies.values()]


def routes(pages: Pages) -> list[BaseRoute]:
    """``GET`` shows the form; ``POST`` saves it."""
    service = pages.service

    def show(request: Request, preferences: Preferences, status: int = 200,
             problem: SettingsProblem | None = None) -> Response:
        language = pages.language(request)
        return pages.render(
            request, "settings.html", status, running=service.notify is not None,
            preferences=preferences, email=ChannelKind.EMAIL in preferences.channels,
            webhook=ChannelKind.WEBHOOK in preferences.channels,
            agencies=_agency_rows(service.agencies, preferences, language),
            problem=problem, saved=request.query_params.get("saved") == "1")

    async def form(request: Request) -> Response:
        who = pages.require(request, *ROLES)
        service.check_not_erased(who.subject)
        hub = service.notify
        return show(request, hub.preferences.preferences(who.subject) if hub else
                    Preferences())

    async def save(request: Request) -> Response:
        who = pages.require(request, *ROLES)
        posted = await checked_form(request)
        service.check_not_erased(who.subject)
        hub = service.notify
        if hub is None:
            return show(request, Preferences(), 503)
        try:
            chosen = parse_preferences(posted, service.agencies, pages.language(request))
        except SettingsProblem as problem:
            return show(request, hub.preferences.preferences(who.subject), 400, problem)
        hub.preferences.set_preferences(who.subject, chosen)
        return RedirectResponse("/me/settings?saved=1", status_code=303)

    return [Route("/me/settings", unless_erased(pages, form), methods=["GET"]),
            Route("/me/settings", unless_erased(pages, save), methods=["POST"])]
