"""``/me/access``: who read the applicant's data or touched their links, when, under which
consent and for what purpose: GraphQL's ``viewer.accessLog``, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from aggregator.consent.policy import SELF_CONSENT
from aggregator.consent.vocabulary import Role
from gateway.messages import message
from gateway.schema.access_log import subject_access_log
from gateway.schema.consent import AccessLogEntry
from gateway.schema.enums import AccessDecision, AccessKind
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


def _row(entry: AccessLogEntry, subject: str, agency_names: dict[str, str],
         language: str) -> Row:
    allowed = entry.decision is AccessDecision.ALLOW
    outcome = message(language, "Allowed") if allowed else message(
        language, "Refused ({reason})", reason=entry.reason or "")
    if entry.consent_id is None:
        consent = "—"
    elif entry.consent_id == SELF_CONSENT:
        consent = message(language, "Your own account")
    else:
        consent = str(entry.consent_id)
    scopes = ", ".join(s.value for s in entry.scopes)
    return Row(
        entry=entry, who=message(language, "You") if entry.actor == subject else entry.actor,
        what=_what(language, entry.kind) + (f" ({scopes})" if scopes else ""),
        agencies=", ".join(agency_names.get(str(a), str(a)) for a in entry.agencies),
        consent=consent, purpose=entry.purpose_text or entry.purpose or "—", outcome=outcome)


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
        rows = [_row(e, who.subject, names, language) for e in entries[:PAGE_SIZE]]
        more = rows[-1].entry.leaf_index if len(entries) > PAGE_SIZE else None
        return pages.render(request, "me_access.html", rows=rows, own=own, more=more,
                            first=before is None, problem=None)

    return [Route("/me/access", unless_erased(pages, access))]
