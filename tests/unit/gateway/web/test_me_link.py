"""``/me/cases/link``: the form, CSRF, linking, and each refusal worded as ``linkCase``
words it, in an error summary."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from aggregator.consent.vocabulary import Role
from support.applicant_pages import (
    ACCESS_CODE,
    CSRF,
    IMMIGRATION_NUMBER,
    Applicant,
    applicant_pages,
)

NEW_NUMBER = "IOE0990000002"


@pytest.fixture
async def ana() -> AsyncIterator[Applicant]:
    async with applicant_pages() as pages:
        yield pages


def _numbers(ana: Applicant, subject: str = "ana") -> list[str]:
    return [link.case_number for link in ana.service.store.links_for(subject)]


def _summary(html: str) -> str:
    found = re.search(r'caseline-error-summary.*?</ul>', html, re.S)
    assert found, html
    return found.group(0)


async def test_the_form_has_labels_hints_and_the_csrf_token(ana: Applicant) -> None:
    response = await ana.page("/me/cases/link")
    assert response.status_code == 200
    html = response.text
    assert '<form class="usa-form usa-form--large" action="/me/cases/link" method="post"' in html
    assert f'<input type="hidden" name="csrf_token" value="{CSRF}">' in html
    for field in ("number", "access_code"):
        assert f'<label class="usa-label" for="{field}">' in html
        assert f'id="{field}-hint"' in html and f'aria-describedby="{field}-hint"' in html
    assert "caseline-error-summary" not in html


async def test_signed_out_visitors_sign_in_first(ana: Applicant) -> None:
    response = await ana.client.get("/me/cases/link")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/me/cases/link"


async def test_a_representative_may_not_link(ana: Applicant) -> None:
    response = await ana.page("/me/cases/link", subject="lee", role=Role.REPRESENTATIVE)
    assert response.status_code == 403


async def test_without_the_csrf_token_nothing_is_linked(ana: Applicant) -> None:
    for data in ({"number": NEW_NUMBER, "access_code": ACCESS_CODE},
                 {"number": NEW_NUMBER, "access_code": ACCESS_CODE, "csrf_token": "other"}):
        response = await ana.post("/me/cases/link", data)
        assert response.status_code == 403
        assert "nothing was changed" in response.text
    assert NEW_NUMBER not in _numbers(ana)
    assert ana.agencies["immigration"].verified == []  # the agency was not even asked
    assert ana.ledger is not None and ana.ledger.entries == []


async def test_the_right_code_links_and_shows_the_case(ana: Applicant) -> None:
    response = await ana.post("/me/cases/link", {"number": NEW_NUMBER.lower(),
                                                 "access_code": ACCESS_CODE,
                                                 "csrf_token": CSRF})
    assert response.status_code == 200, response.text
    assert "Case linked" in response.text and NEW_NUMBER in response.text
    assert "I-765 (Work permit)" in response.text and 'href="/me"' in response.text
    assert NEW_NUMBER in _numbers(ana)
    assert ana.ledger is not None
    [entry] = ana.ledger.entries
    assert (entry["kind"], entry["event"]) == ("link", "LINKED")
    assert f"as entry {entry['i']}." in response.text


@pytest.mark.parametrize(("language", "shown"), [
    ("en", "May 1, 2026, 2:00\u202fPM UTC"), ("es", "1 de mayo de 2026, 14:00 UTC")])
async def test_the_linked_cases_last_update_is_in_the_readers_words(
        ana: Applicant, language: str, shown: str) -> None:
    response = await ana.post(f"/me/cases/link?lang={language}", {
        "number": NEW_NUMBER, "access_code": ACCESS_CODE, "csrf_token": CSRF})
    assert response.status_code == 200, response.text
    assert f'<time datetime="2026-05-01T14:00:00+00:00">{shown}</time>' in response.text
    assert "2026-05-01 14:00" not in response.text


async def test_empty_fields_are_named_in_the_summary(ana: Applicant) -> None:
    response = await ana.post("/me/cases/link", {"number": " ", "csrf_token": CSRF})
    assert response.status_code == 400
    summary = _summary(response.text)
    assert '<a class="usa-link" href="#number">Enter the case number' in summary
    assert '<a class="usa-link" href="#access_code">Enter the access code' in summary
    assert "<title>Error: Link a case | Caseline</title>" in response.text
    assert ana.agencies["immigration"].verified == []


async def test_an_overlong_code_is_refused_before_the_agency_is_asked(ana: Applicant) -> None:
    response = await ana.post("/me/cases/link", {"number": NEW_NUMBER, "access_code": "C" * 65,
                                                 "csrf_token": CSRF})
    assert response.status_code == 400
    assert "An access code has at most 64 characters." in _summary(response.text)
    assert ana.agencies["immigration"].verified == []


async def test_a_wrong_code_is_explained_and_the_number_kept(ana: Applicant) -> None:
    response = await ana.post("/me/cases/link", {"number": NEW_NUMBER, "access_code": "NOPE",
                                                 "csrf_token": CSRF})
    assert response.status_code == 400
    summary = _summary(response.text)
    assert 'data-code="WRONG_ACCESS_CODE"' in summary
    assert "the access code does not match this case" in summary
    assert f'value="{NEW_NUMBER}"' in response.text
    assert "NOPE" not in response.text  # a code is never echoed back
    assert NEW_NUMBER not in _numbers(ana)


async def test_an_unknown_number_says_which_formats_are_expected(ana: Applicant) -> None:
    response = await ana.post("/me/cases/link", {"number": "ZZZ123", "access_code": "X",
                                                 "csrf_token": CSRF})
    assert response.status_code == 400
    assert ("&#39;ZZZ123&#39; is not a case number Caseline can look up; expected IOE and 10 "
            "digits; A and 9 digits") in _summary(response.text)


async def test_repeated_wrong_codes_are_throttled_with_the_wait(ana: Applicant) -> None:
    data = {"number": NEW_NUMBER, "access_code": "NOPE", "csrf_token": CSRF}
    for _ in range(5):
        assert (await ana.post("/me/cases/link", data)).status_code == 400
    response = await ana.post("/me/cases/link", data)
    assert response.status_code == 429
    seconds = int(response.headers["retry-after"])
    assert f"too many refused link attempts; try again in {seconds} s" in _summary(response.text)


async def test_a_case_linked_to_someone_else_is_refused(ana: Applicant) -> None:
    response = await ana.post("/me/cases/link", {"number": IMMIGRATION_NUMBER,
                                                 "access_code": ACCESS_CODE,
                                                 "csrf_token": CSRF}, subject="raj")
    assert response.status_code == 409
    summary = _summary(response.text)
    assert 'data-code="ALREADY_LINKED"' in summary
    assert "already linked to another account" in summary
    assert _numbers(ana, "raj") == []


@pytest.mark.parametrize("language", ["en", "es"])
async def test_the_page_and_the_mutation_say_the_same(ana: Applicant, language: str) -> None:
    """The same refusal text through the page and ``linkCase``, in either language."""
    response = await ana.post(f"/me/cases/link?lang={language}", {
        "number": NEW_NUMBER, "access_code": "NOPE", "csrf_token": CSRF})
    assert f'<html lang="{language}">' in response.text
    query = ('mutation { linkCase(number: "' + NEW_NUMBER + '", accessCode: "NOPE") '
             '{ alreadyLinked } }')
    body = await ana.graphql(query, language=language)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "WRONG_ACCESS_CODE"
    assert error["message"].replace("'", "&#39;") in _summary(response.text)
    if language == "es":
        assert "Hay un problema" in response.text
        assert error["message"].startswith("el código de acceso no corresponde a este caso")
