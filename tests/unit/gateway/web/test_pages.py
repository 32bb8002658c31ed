"""The page language of a signed-in person: a ``?lang=`` choice is stored and used on later
pages before the cookie and Accept-Language; signed-out visitors store nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from support.applicant_pages import Applicant, applicant_pages


@pytest.fixture
async def ana() -> AsyncIterator[Applicant]:
    async with applicant_pages() as pages:
        yield pages


def _lang(html: str) -> str:
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


async def test_a_choice_is_stored_and_used_without_the_cookie(ana: Applicant) -> None:
    assert ana.service.store.language_of("ana") is None
    assert _lang((await ana.page("/me?lang=es")).text) == "es"
    assert ana.service.store.language_of("ana") == "es"
    # A later page with no ?lang=, no language cookie, and a browser asking for English.
    later = await ana.page("/me/cases/link", headers={"Accept-Language": "en"})
    assert _lang(later.text) == "es" and "Vincular un caso" in later.text


async def test_the_stored_choice_wins_over_the_cookie_and_a_new_one_replaces_it(
        ana: Applicant) -> None:
    await ana.page("/me?lang=es")
    ana.sign_in()
    ana.client.cookies.set("lang", "en")
    assert _lang((await ana.client.get("/me")).text) == "es"
    await ana.page("/me/cases/link?lang=en")
    assert ana.service.store.language_of("ana") == "en"
    assert _lang((await ana.page("/me", headers={"Accept-Language": "es"})).text) == "en"


async def test_without_a_stored_choice_the_browser_decides(ana: Applicant) -> None:
    response = await ana.page("/me", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert _lang(response.text) == "es"
    assert ana.service.store.language_of("ana") is None


async def test_signed_out_choices_are_not_stored(ana: Applicant) -> None:
    ana.client.cookies.clear()
    assert _lang((await ana.client.get("/?lang=es")).text) == "es"
    assert ana.service.store.language_of("ana") is None
