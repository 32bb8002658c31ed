"""``/me/consents``: an applicant's consents, and granting, pausing, resuming and revoking
them — each change through the same consent service as the GraphQL mutations, each shown
with its ledger receipt.

Granting: the form (``GET``/``POST /me/consents/grant``), then a "check your answers" page
naming the grantee from their invitation, then ``POST /me/consents/grant/confirm`` signs it.
Pausing, resuming and revoking: a button per consent, a confirmation page, then the change.
Every POST carries the session's CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from aggregator.consent.records import ConsentError, ConsentRecord
from aggregator.consent.vocabulary import ConsentState, Purpose, Role
from aggregator.service import CaselineService
from caseline.v1.lib.scopes import Scope
from gateway.messages import message
from gateway.schema.consent import Consent
from gateway.web.clients import scope_name, state_name
from gateway.web.consent_form import (
    Checked,
    GrantForm,
    Refused,
    check,
    purpose_label,
    refusal_of,
    scope_sentence,
)
from gateway.web.erased import Endpoint, unless_erased
from gateway.web.pages import Pages
from gateway.web.receipts import receipt_view
from gateway.web.session import checked_form

__all__ = ["ACTIONS", "Row", "agency_name", "consent_row", "consent_rows", "form_choices",
           "routes"]

# The changes a consent's own button asks for, and the state each leads to.
ACTIONS = {"pause": ConsentState.PAUSED, "resume": ConsentState.ACTIVE,
           "revoke": ConsentState.REVOKED}
_ALLOWED = {ConsentState.ACTIVE: ("pause", "revoke"), ConsentState.PAUSED: ("resume", "revoke")}
_MAX_ID = 40


@dataclass(frozen=True, slots=True)
class Row:
    """One consent as the list and the confirmation page show it."""

    id: str
    grantee: str
    agencies: tuple[str, ...]
    scopes: tuple[str, ...]
    purpose: str
    purpose_text: str
    until: date
    state: str
    state_code: str
    uses: int
    actions: tuple[str, ...]


def agency_name(service: CaselineService, language: str, agency_id: str) -> str:
    """An agency's name in ``language`` (its id when not configured any more)."""
    info = service.agencies.get(agency_id)
    return info.display_name(language) if info is not None else agency_id


def consent_row(service: CaselineService, record: ConsentRecord, now: datetime,
                language: str) -> Row:
    """``record`` as the pages show it, with its state now and its use count."""
    # The API's own view of a consent: its state now and its use count from the ledger.
    shown = Consent.from_domain(record, now, service.ledger)
    state = ConsentState(shown.state)
    return Row(record.id, service.invitations.name_of(record.grantee_id) or record.grantee_id,
               tuple(agency_name(service, language, a) for a in record.agencies),
               tuple(scope_name(language, s) for s in record.scopes),
               purpose_label(language, record.purpose_code),
               # Without words of their own the text is the code's (English) description.
               "" if record.purpose_text == record.purpose_code.description
               else record.purpose_text,
               record.valid_until.date(), state_name(language, state),
               str(state), shown.use_count, _ALLOWED.get(state, ()))


def consent_rows(service: CaselineService, subject_id: str, language: str) -> list[Row]:
    """The subject's consents, newest first."""
    now = service.consents.now()
    return [consent_row(service, r, now, language)
            for r in service.consents.granted_by(subject_id)]


def form_choices(service: CaselineService, language: str) -> dict[str, object]:
    """The grant form's checkboxes and radio buttons: (value, words...) each."""
    return {
        "agency_choices": [(a, agency_name(service, language, a)) for a in service.agencies],
        "scope_choices": [(s.value, scope_name(language, s), scope_sentence(language, s))
                          for s in Scope],
        "purpose_choices": [(p.value, purpose_label(language, p)) for p in Purpose]}


def routes(pages: Pages) -> list[BaseRoute]:
    """The consent pages over ``pages.service``."""
    service = pages.service

    def row(record: ConsentRecord, now: datetime, language: str) -> Row:
        return consent_row(service, record, now, language)

    def rows(subject_id: str, language: str) -> list[Row]:
        return consent_rows(service, subject_id, language)

    def agency(language: str, agency_id: str) -> str:
        return agency_name(service, language, agency_id)

    def show_form(request: Request, form: GrantForm, refused: Refused | None = None,
                  status: int = 200) -> Response:
        language = pages.language(request)
        response = pages.render(request, "consent_grant.html", status, form=form,
                                errors=refused.errors if refused else {},
                                summary=refused.summary() if refused else [],
                                **form_choices(service, language))
        if refused is not None and refused.retry_after_s:
            response.headers["Retry-After"] = str(refused.retry_after_s)
        return response

    def show_check(request: Request, form: GrantForm, checked: Checked) -> Response:
        language = pages.language(request)
        grant = checked.request
        return pages.render(
            request, "consent_check.html", form=form, grantee=checked.invitation.display_name,
            code=checked.invitation.display,
            agencies=[agency(language, a) for a in grant.agencies],
            scopes=[(scope_name(language, s), scope_sentence(language, s))
                    for s in grant.scopes],
            purpose=purpose_label(language, grant.purpose_code or Purpose.OTHER),
            until=grant.valid_until.date())

    def refused_status(refused: Refused) -> int:
        return 429 if refused.retry_after_s else 400

    async def consents(request: Request) -> Response:
        who = pages.require(request, Role.APPLICANT)
        return pages.render(request, "consents.html",
                            consents=rows(who.subject, pages.language(request)))

    async def grant_form(request: Request) -> Response:
        pages.require(request, Role.APPLICANT)
        return show_form(request, GrantForm())

    async def grant_check(request: Request) -> Response:
        who = pages.require(request, Role.APPLICANT)
        form = GrantForm.posted(await checked_form(request))
        if request.query_params.get("change"):
            return show_form(request, form)  # a "change" link of the check page
        result = await check(service, who.subject, form, pages.language(request))
        if isinstance(result, Refused):
            return show_form(request, form, result, refused_status(result))
        return show_check(request, form, result)

    async def grant_confirm(request: Request) -> Response:
        who = pages.require(request, Role.APPLICANT)
        language = pages.language(request)
        form = GrantForm.posted(await checked_form(request))
        result = await check(service, who.subject, form, language)
        if isinstance(result, Refused):
            return show_form(request, form, result, refused_status(result))
        try:
            change = await service.consents.grant(who.subject, result.request)
        except ConsentError as exc:
            return show_form(request, form, refusal_of(exc, language), 400)
        return pages.render(request, "consent_done.html", action="grant",
                            consent=row(change.record, service.consents.now(), language),
                            receipt=receipt_view(service.ledger, change.appended))

    def find(subject_id: str, consent_id: str, language: str) -> Row | None:
        if len(consent_id) > _MAX_ID:
            return None
        return next((r for r in rows(subject_id, language) if r.id == consent_id), None)

    async def change(request: Request) -> Response:
        who = pages.require(request, Role.APPLICANT)
        language = pages.language(request)
        action = request.path_params["action"]
        confirmed = request.url.path.endswith("/confirm")
        await checked_form(request)
        found = find(who.subject, request.path_params["id"], language)
        if action not in ACTIONS or found is None or action not in found.actions:
            return pages.render(request, "consents.html", 404 if found is None else 409,
                                consents=rows(who.subject, language),
                                error=message(language, "That change cannot be made: the "
                                              "consent is not yours, does not exist, or is "
                                              "already in that state."))
        if not confirmed:
            return pages.render(request, "consent_confirm.html", action=action, consent=found)
        try:
            done = await service.consents.change(who.subject, found.id, ACTIONS[action])
        except ConsentError as exc:
            return pages.render(request, "consents.html", 409,
                                consents=rows(who.subject, language), error=str(exc))
        return pages.render(request, "consent_done.html", action=action,
                            consent=row(done.record, service.consents.now(), language),
                            receipt=receipt_view(service.ledger, done.appended))

    def guarded(endpoint: Endpoint) -> Endpoint:
        # A session begun before the account's data was erased gets the erased-data page.
        return unless_erased(pages, endpoint)

    return [
        Route("/me/consents", guarded(consents)),
        Route("/me/consents/grant", guarded(grant_form)),
        Route("/me/consents/grant", guarded(grant_check), methods=["POST"]),
        Route("/me/consents/grant/confirm", guarded(grant_confirm), methods=["POST"]),
        Route("/me/consents/{id}/{action}", guarded(change), methods=["POST"]),
        Route("/me/consents/{id}/{action}/confirm", guarded(change), methods=["POST"]),
    ]
