"""The grant form of ``/me/consents``: reading what was posted, checking it field by field in
the reader's language, and the request ``service.consents.grant`` takes — the same request
the ``grantConsent`` mutation builds, under the same validation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from starlette.datastructures import FormData

from aggregator.consent.invitations import MAX_TYPED_CODE, Invitation, InvitationError
from aggregator.consent.records import ConsentError
from aggregator.consent.service import (
    MAX_PURPOSE_TEXT,
    MAX_SHARED_NAME,
    GrantRequest,
    UnknownGranteeError,
)
from aggregator.consent.vocabulary import Purpose
from aggregator.service import CaselineService
from caseline.v1.lib.scopes import Scope
from gateway.messages import message
from gateway.schema.mutation import grant_refusal

__all__ = ["ANCHORS", "FIELDS", "Checked", "GrantForm", "Problem", "Refused", "check",
           "purpose_label", "refusal_of", "scope_sentence"]

# The form's fields in page order; the error summary lists errors in this order, each linking
# to the field's (first) input.
FIELDS = ("code", "agencies", "scopes", "purpose", "purpose_text", "until", "shared_name")
ANCHORS = {"code": "code", "agencies": "agency-0", "scopes": "scope-0",
           "purpose": "purpose-0", "purpose_text": "purpose-text", "until": "until",
           "shared_name": "shared-name"}
# Which field a refusal of the consent service's own checks belongs to.
_FIELD_OF = {"INVALID_GRANTEE": "code", "UNKNOWN_GRANTEE": "code", "INVALID_AGENCY": "agencies",
             "INVALID_SCOPE": "scopes", "INVALID_PURPOSE": "purpose_text",
             "INVALID_VALIDITY": "until", "INVALID_SHARED_NAME": "shared_name"}
_MAX_DATE = 10  # YYYY-MM-DD
_MAX_CHOICES = 20  # more ticked boxes than any form has is not a person filling it in
_LONGEST_CONSENT = timedelta(days=730)


def scope_sentence(language: str, scope: Scope) -> str:
    """What granting ``scope`` lets the grantee see, in a plain sentence."""
    sentences = {
        Scope.STATUS: message(language, "Your case numbers and case types, where each case "
                              "stands and the dates of its events."),
        Scope.DETAILS: message(language, "The agency's own words about your case, offices, "
                               "due dates, and the time, place and judge of hearings."),
        Scope.IDENTITY: message(language, "Your personal data on the cases: A-number, name "
                                "and date of birth."),
    }
    return sentences[scope]


def purpose_label(language: str, purpose: Purpose) -> str:
    """A purpose code in plain words."""
    labels = {
        Purpose.LEGAL_REPRESENTATION: message(language, "Legal representation before the "
                                              "agency or court"),
        Purpose.CASE_ASSISTANCE: message(language, "Help with a case by an accredited "
                                         "representative or nonprofit"),
        Purpose.EMPLOYER_SPONSORSHIP: message(language, "An employer following the cases it "
                                              "sponsors"),
        Purpose.FAMILY_SUPPORT: message(language, "A family member following the cases"),
        Purpose.OTHER: message(language, "Another purpose (say which below)"),
    }
    return labels[purpose]


@dataclass(frozen=True, slots=True)
class GrantForm:
    """What was posted, as typed (re-shown on the form and carried by the check page)."""

    code: str = ""
    agencies: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    purpose: str = ""
    purpose_text: str = ""
    until: str = ""
    shared_name: str = ""

    @classmethod
    def posted(cls, form: FormData) -> GrantForm:
        """The fields of a posted form (absent ones empty)."""
        def text(name: str) -> str:
            value = form.get(name)
            return value if isinstance(value, str) else ""

        def choices(name: str) -> tuple[str, ...]:
            return tuple(v for v in form.getlist(name) if isinstance(v, str))

        return cls(text("code").strip(), choices("agencies"), choices("scopes"),
                   text("purpose"), text("purpose_text").strip(), text("until").strip(),
                   text("shared_name").strip())


@dataclass(frozen=True, slots=True)
class Checked:
    """A form that passed every check: whom it names and the request to grant."""

    invitation: Invitation
    request: GrantRequest


@dataclass(frozen=True, slots=True)
class Problem:
    """One line of the error summary: the id of the input it links to, and what to do."""

    field: str
    text: str


@dataclass
class Refused:
    """Errors by field (in ``FIELDS`` order when listed), and how long to wait when the
    invitation code was throttled."""

    errors: dict[str, str] = field(default_factory=dict)
    retry_after_s: int | None = None

    def summary(self) -> list[Problem]:
        """The errors in the form's order, each linking to its field's (first) input, for
        ``forms.html``'s error summary."""
        return [Problem(ANCHORS[name], self.errors[name]) for name in FIELDS
                if name in self.errors]


def _sizes(form: GrantForm, language: str) -> dict[str, str]:
    """Bounds checked before anything else is done with the form."""
    errors = {}
    if len(form.code) > MAX_TYPED_CODE:
        errors["code"] = message(language, "An invitation code has 10 letters and digits, like "
                                 "K7QMR-4RTXW.")
    if len(form.agencies) > _MAX_CHOICES:
        errors["agencies"] = message(language, "Choose at least one agency.")
    if len(form.scopes) > _MAX_CHOICES:
        errors["scopes"] = message(language, "Choose at least one kind of information.")
    if len(form.purpose_text) > MAX_PURPOSE_TEXT:
        errors["purpose_text"] = message(language, "Describe the purpose in at most {limit} "
                                         "characters.", limit=MAX_PURPOSE_TEXT)
    if len(form.until) > _MAX_DATE:
        errors["until"] = message(language, "Enter a date like 2027-01-31.")
    if len(form.shared_name) > MAX_SHARED_NAME:
        errors["shared_name"] = message(language, "The name to share has at most {limit} "
                                        "characters.", limit=MAX_SHARED_NAME)
    return errors


def _invitation_error(exc: InvitationError, language: str) -> str:
    if exc.code == "THROTTLED":
        return message(language, "Too many wrong invitation codes. Try again in {seconds} "
                       "seconds.", seconds=exc.retry_after_s)
    if exc.code == "THROTTLE_UNAVAILABLE":
        return message(language, "Invitation codes cannot be checked just now. Try again in "
                       "a minute.")
    if exc.code == "EXPIRED_CODE":
        return message(language, "This invitation code has expired. Ask the person who gave "
                       "it to you for a new one.")
    if exc.code == "UNKNOWN_CODE":
        return message(language, "No invitation has this code. Check it with the person who "
                       "gave it to you.")
    return message(language, "An invitation code has 10 letters and digits, like "
                   "K7QMR-4RTXW.")


def _until(form: GrantForm, today: date, language: str) -> tuple[datetime | None, str | None]:
    if not form.until:
        return None, message(language, "Enter the date the consent ends.")
    try:
        day = date.fromisoformat(form.until)
    except ValueError:
        return None, message(language, "Enter a date like 2027-01-31.")
    if day <= today:
        return None, message(language, "The end date must be after today.")
    if day - today > _LONGEST_CONSENT:
        return None, message(language, "A consent lasts at most two years; choose an earlier "
                             "end date.")
    # The whole of the chosen day, in UTC (the service's time).
    return datetime.combine(day, time(23, 59, 59), UTC), None


async def check(service: CaselineService, subject_id: str, form: GrantForm,
                language: str) -> Checked | Refused:
    """The form checked as the consent service would check the grant (nothing is signed or
    stored), each problem worded for its field."""
    refused = Refused(_sizes(form, language))
    if refused.errors:
        return refused
    errors = refused.errors
    invitation: Invitation | None = None
    if not form.code:
        errors["code"] = message(language, "Enter the invitation code the person gave you.")
    else:
        try:
            invitation = await service.invitations.resolve(subject_id, form.code)
        except InvitationError as exc:
            errors["code"] = _invitation_error(exc, language)
            refused.retry_after_s = exc.retry_after_s
        else:
            if invitation.grantee_id == subject_id:
                errors["code"] = message(language, "This is your own invitation code. Enter "
                                         "the code of the person you want to share with.")
    agencies = [a for a in form.agencies if a in service.agencies]
    if not agencies or len(agencies) != len(form.agencies):
        errors["agencies"] = message(language, "Choose at least one agency.")
    scopes = [Scope(s) for s in form.scopes if s in Scope.__members__]
    if not scopes or len(scopes) != len(form.scopes):
        errors["scopes"] = message(language, "Choose at least one kind of information.")
    purpose = Purpose.__members__.get(form.purpose)
    if purpose is None:
        errors["purpose"] = message(language, "Choose what the access is for.")
    elif purpose == Purpose.OTHER and not form.purpose_text:
        errors["purpose_text"] = message(language, "Say what the access is for.")
    now = service.consents.now()
    valid_until, until_error = _until(form, now.date(), language)
    if until_error:
        errors["until"] = until_error
    if errors or invitation is None or purpose is None or valid_until is None:
        return refused
    request = GrantRequest(grantee_id=invitation.grantee_id, agencies=agencies, scopes=scopes,
                           purpose=form.purpose_text or purpose.description,
                           valid_until=valid_until, purpose_code=purpose,
                           shared_name=form.shared_name or None)
    try:
        service.consents.validate(subject_id, request, now)
    except UnknownGranteeError:
        # The invitation's account was erased since: as if the code named nobody.
        errors["code"] = _invitation_error(InvitationError("", "UNKNOWN_CODE"), language)
        return refused
    except ConsentError as exc:
        errors[_FIELD_OF.get(exc.code, "code")] = grant_refusal(exc, language)
        return refused
    return Checked(invitation, request)


def refusal_of(exc: ConsentError, language: str) -> Refused:
    """A refusal by ``service.consents.grant`` itself, on the field it concerns."""
    return Refused({_FIELD_OF.get(exc.code, "code"): grant_refusal(exc, language)})
