"""The grant form's checks without pages: bounds first, every field's problem at once, and
a valid form becoming the request grantConsent would build."""

from __future__ import annotations

from datetime import timedelta

from starlette.datastructures import FormData

from aggregator.config import parse_config
from aggregator.consent.vocabulary import Purpose, Role
from aggregator.service import CaselineService
from caseline.v1.lib.scopes import Scope
from gateway.web.consent_form import (
    Checked,
    GrantForm,
    Refused,
    check,
    purpose_label,
    scope_sentence,
)
from support.fakes import FixedClock, fake_service

CONFIG = parse_config({"agencies": [
    {"id": "immigration", "name": "USCIS", "name_es": "USCIS", "address": "unused:1",
     "numbers": "^IOE", "number_format": "IOE and 10 digits"}]})


def _setup() -> tuple[CaselineService, str, FixedClock]:
    clock = FixedClock()
    service = fake_service(CONFIG, {}, clock=clock)
    service.signed_in("lee", Role.REPRESENTATIVE)
    code = service.invitations.issue("lee", Role.REPRESENTATIVE, "Lee Ortiz").display
    return service, code, clock


def test_a_posted_form_is_read_field_by_field() -> None:
    form = GrantForm.posted(FormData([("code", " k7qmr 4rtxw "), ("agencies", "immigration"),
                                      ("scopes", "STATUS"), ("scopes", "DETAILS"),
                                      ("purpose", "OTHER"), ("purpose_text", " help ")]))
    assert form.code == "k7qmr 4rtxw" and form.scopes == ("STATUS", "DETAILS")
    assert (form.purpose, form.purpose_text, form.until) == ("OTHER", "help", "")


async def test_a_valid_form_is_the_request_the_mutation_builds() -> None:
    service, code, clock = _setup()
    until = (clock.now.date() + timedelta(days=10)).isoformat()
    result = await check(service, "ana", GrantForm(code, ("immigration",), ("DETAILS", "STATUS"),
                                              "FAMILY_SUPPORT", "", until, ""), "en")
    assert isinstance(result, Checked)
    request = result.request
    assert request.grantee_id == "lee" and result.invitation.display_name == "Lee Ortiz"
    assert list(request.scopes) == [Scope.DETAILS, Scope.STATUS]
    assert request.purpose_code == Purpose.FAMILY_SUPPORT
    assert request.purpose == Purpose.FAMILY_SUPPORT.description
    assert request.valid_until.date().isoformat() == until and request.shared_name is None


async def test_every_problem_is_reported_at_once_in_form_order() -> None:
    service, _, _ = _setup()
    result = await check(service, "ana", GrantForm("", (), ("EVERYTHING",), "", "", "", ""), "en")
    assert isinstance(result, Refused)
    assert [p.field for p in result.summary()] == ["code", "agency-0", "scope-0", "purpose-0",
                                                "until"]


async def test_oversized_answers_are_refused_before_the_code_is_looked_up() -> None:
    service, code, _ = _setup()
    result = await check(service, "ana", GrantForm(code, purpose_text="x" * 501), "en")
    assert isinstance(result, Refused) and list(result.errors) == ["purpose_text"]


async def test_ones_own_code_is_refused() -> None:
    service, code, _ = _setup()
    result = await check(service, "lee", GrantForm(code), "en")
    assert isinstance(result, Refused) and "your own invitation code" in result.errors["code"]


async def test_a_consent_longer_than_two_years_is_refused_on_the_date() -> None:
    service, code, clock = _setup()
    until = (clock.now.date() + timedelta(days=800)).isoformat()
    result = await check(service, "ana", GrantForm(code, ("immigration",), ("STATUS",),
                                              "OTHER", "x", until), "en")
    assert isinstance(result, Refused) and list(result.errors) == ["until"]


def test_every_scope_and_purpose_has_words_in_both_languages() -> None:
    for language in ("en", "es"):
        assert len({scope_sentence(language, s) for s in Scope}) == len(Scope)
        assert len({purpose_label(language, p) for p in Purpose}) == len(Purpose)
    assert scope_sentence("es", Scope.STATUS) != scope_sentence("en", Scope.STATUS)
