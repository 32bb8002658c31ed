"""``/me/access``: who read the applicant's data or touched their links, when, under which
consent and for what purpose: GraphQL's ``viewer.accessLog``, a page at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from aggregator.consent.policy import SELF_ACCESS, SELF_CONSENT
from aggregator.consent.vocabulary import Purpose, Role
from aggregator.service import CaselineService
from gateway.messages import message
from gateway.schema.access_log import subject_access_log
from gateway.schema.consent import AccessLogEntry
from gateway.schema.enums import AccessDecision, AccessKind
from gateway.web.clients import scope_name
from gateway.web.consent_form import purpose_label
from gateway.web.erased import unless_erased
from gateway.web.pages import Pages

__all__ = ["PAGE_SIZE", "Row", "routes"]

PAGE_SIZE = 50
# A ledger index: digits only, and no more than a 64-bit number has.
_MAX_INDEX_DIGITS = 19


@dataclass(frozen=True, slots=True)
class Row:
    """One entry as the table shows it."""

    entry: AccessLogEntry
    who: str
    what: str
    agencies: str
    consent: str
    purpose: str
    outcome: str


def _what(language: str, kind: AccessKind) -> str:
    texts = {AccessKind.READ: message(language, "Read your cases"),
             AccessKind.LINK: message(language, "Linked a case to your account"),
             AccessKind.UNLINK: message(language, "Unlinked a case from your account"),
             AccessKind.LINK_ATTEMPT: message(language, "Tried to link your case"),
             AccessKind.LINK_REPLACED: message(language, "Linked your case with a newer "
                                                         "access code")}
    return texts[kind]


def _refusal(language: str, reasons: str) -> str:
    # One read asks several agencies; each refused part names its reason (policy codes).
    words = {
        "NO_CONSENT": message(language, "no consent of yours covers it"),
        "SCOPE_NOT_GRANTED": message(language, "your consent does not share that part"),
        "NOT_YET_VALID": message(language, "your consent had not started yet"),
        "NOT_LINKED": message(language, "the case is not linked to your account"),
        "ROLE_HAS_NO_ACCESS": message(language, "their kind of account may not read cases"),
        "CONSENT_PAUSED": message(language, "you had paused the consent"),
        "CONSENT_REVOKED": message(language, "you had revoked the consent"),
        "CONSENT_EXPIRED": message(language, "the consent had expired"),
        "WRONG_ACCESS_CODE": message(language, "the access code was wrong"),
        "ALREADY_LINKED": message(language, "the case is linked to another account"),
    }
    said = dict.fromkeys(words.get(code.strip(), code.strip())
                         for code in reasons.split(",") if code.strip())
    return message(language, "Refused: {why}", why="; ".join(said))


def _row(entry: AccessLogEntry, subject: str, agency_names: dict[str, str],
         people: Callable[[str], str], language: str) -> Row:
    allowed = entry.decision is AccessDecision.ALLOW
    outcome = (message(language, "Allowed") if allowed
               else _refusal(language, entry.reason or ""))
    if entry.consent_id is None:
        consent = "—"
    elif entry.consent_id == SELF_CONSENT:
        consent = message(language, "Your own account")
    else:
        consent = str(entry.consent_id)
    scopes = ", ".join(scope_name(language, s.value) for s in entry.scopes)
    return Row(
        entry=entry, who=message(language, "You") if entry.actor == subject
        else people(entry.actor),
        what=_what(language, entry.kind) + (f" ({scopes})" if scopes else ""),
        agencies=", ".join(agency_names.get(str(a), str(a)) for a in entry.agencies),
        consent=consent, purpose=entry.purpose_text or _purpose(language, entry.purpose),
        outcome=outcome)


def _purpose(language: str, code: str) -> str:
    if code == SELF_ACCESS:
        return message(language, "Your own use")
    try:
        return purpose_label(language, Purpose(code))
    except ValueError:
        return code or "—"


def _person_names(service: CaselineService) -> Callable[[str], str]:
    """A reader's name as they show it to clients (their invitation's), else their account
    id: the applicant granted under that name and should see it here."""
    known: dict[str, str] = {}

    def name(account: str) -> str:
        if account not in known:
            invitation = service.store.invitations.of_grantee(account)
            known[account] = (f"{invitation.display_name} ({account})" if invitation
                              else account)
        return known[account]

    return name


def _before(raw: str) -> int | None:
    if not raw:
        return None
    if len(raw) > _MAX_INDEX_DIGITS or not raw.isdigit():
        raise ValueError(raw[:_MAX_INDEX_DIGITS])
    return int(raw)


def routes(pages: Pages) -> list[BaseRoute]:
    """``/me/access``: newest first; ``?before=`` pages on, ``?own=1`` adds own reads."""
    service = pages.service

    async def access(request: Request) -> Response:
        who = pages.require(request, Role.APPLICANT)
        language = pages.language(request)
        own = request.query_params.get("own") == "1"
        try:
            before = _before(request.query_params.get("before", ""))
        except ValueError as exc:
            return pages.render(request, "me_access.html", 400, rows=[], own=own, more=None,
                                first=True, problem=message(
                                    language, "{value} is not a position in the ledger; "
                                              "expected a whole number.", value=str(exc)))
        service.check_not_erased(who.subject)  # as GraphQL's IsApplicant does
        # One more than a page: whether there is an older page to link to.
        entries = subject_access_log(service, who.subject, include_own=own,
                                     limit=PAGE_SIZE + 1, before=before)
        names = {a.id: a.display_name(language) for a in service.agencies.values()}
        people = _person_names(service)
        rows = [_row(e, who.subject, names, people, language) for e in entries[:PAGE_SIZE]]
        more = rows[-1].entry.leaf_index if len(entries) > PAGE_SIZE else None
        return pages.render(request, "me_access.html", rows=rows, own=own, more=more,
                            first=before is None, problem=None)

    return [Route("/me/access", unless_erased(pages, access))]
