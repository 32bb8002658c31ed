"""``/me/access``: the access log as a table, the same entries as ``viewer.accessLog``,
paged by a plain link."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aggregator.consent.vocabulary import Role
from gateway.web import me_access
from support.applicant_pages import Applicant, applicant_pages
from support.shown_dates import moments_in_words, visible


@pytest.fixture
async def ana(tmp_path: Path) -> AsyncIterator[Applicant]:
    async with applicant_pages(tmp_path) as pages:
        yield pages


def _rows(html: str) -> int:
    return html.count('<th scope="row"')


async def test_signed_out_and_representatives_are_kept_out(ana: Applicant) -> None:
    response = await ana.client.get("/me/access")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/me/access"
    assert (await ana.page("/me/access", subject="lee",
                           role=Role.REPRESENTATIVE)).status_code == 403


async def test_a_refused_link_attempt_by_someone_else_is_listed(ana: Applicant) -> None:
    # raj tries ana's case with a wrong code: ana's log names him and the refusal.
    await ana.post("/me/cases/link", {"number": "IOE0990000001", "access_code": "NOPE",
                                      "csrf_token": "t"}, subject="raj")
    response = await ana.page("/me/access")
    assert response.status_code == 200
    html = response.text
    assert '<table class="usa-table' in html and _rows(html) == 1
    assert "Tried to link your case" in html and ">raj<" in html
    assert "Refused: the access code was wrong" in html and "Immigration Agency" in html
    api = await ana.graphql("{ viewer { accessLog { actor kind reason leafIndex } } }")
    [entry] = api["data"]["viewer"]["accessLog"]
    assert (entry["actor"], entry["kind"], entry["reason"]) == (
        "raj", "LINK_ATTEMPT", "WRONG_ACCESS_CODE")
    assert f'data-label="Ledger entry">{entry["leafIndex"]}</td>' in html


async def test_own_reads_are_shown_on_request_with_the_consent_and_purpose(
        ana: Applicant) -> None:
    await ana.page("/me")
    assert "No one has read your data yet." in (await ana.page("/me/access")).text
    html = (await ana.page("/me/access?own=1")).text
    assert _rows(html) == 1
    assert ">You<" in html and "Read your cases (Details, Identity, Status)" in html
    assert "Your own account" in html and "Your own use" in html and ">Allowed<" in html


async def test_older_entries_are_a_plain_link_away(ana: Applicant,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(me_access, "PAGE_SIZE", 2)
    for _ in range(3):
        await ana.page("/me")
    first = (await ana.page("/me/access?own=1")).text
    assert _rows(first) == 2
    older = first.split('href="/me/access?before=')[1].split('"')[0]
    assert older.endswith("&amp;own=1")
    second = (await ana.page("/me/access?before=" + older.replace("&amp;", "&"))).text
    assert _rows(second) == 1 and "Older entries" not in second
    assert 'href="/me/access?own=1">Newest entries' in second


async def test_a_bad_page_position_is_explained(ana: Applicant) -> None:
    response = await ana.page("/me/access?before=12ab")
    assert response.status_code == 400
    assert "12ab is not a position in the ledger; expected a whole number." in response.text


async def test_spanish_renders_in_spanish(ana: Applicant) -> None:
    await ana.page("/me")
    html = (await ana.page("/me/access?own=1&lang=es")).text
    assert '<html lang="es">' in html
    for text in ("Quién leyó mis datos", "Leyó sus casos", "Su propia cuenta", "Permitido",
                 "Cuándo"):
        assert text in html, text


@pytest.mark.parametrize("language", ["en", "es"])
async def test_when_is_in_the_readers_words_with_iso_alongside(ana: Applicant,
                                                               language: str) -> None:
    """Each read's time in the reader's words (not "2026-12-03 12:00:00 UTC"), the moment
    machine-readable in its time element."""
    await ana.page("/me")
    html = (await ana.page(f"/me/access?own=1&lang={language}")).text
    assert moments_in_words(html, language) == 1
    assert not re.search(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}", visible(html))


@pytest.mark.parametrize("path", ["/me/access", "/me/cases/link"])
async def test_erased_data_gets_the_erased_page(ana: Applicant, path: str) -> None:
    ana.service.store.ensure_account("ana", Role.APPLICANT)
    ana.service.store.mark_erased("ana", datetime(2026, 6, 1, tzinfo=UTC))  # type: ignore[attr-defined]
    response = await ana.page(path)
    assert response.status_code == 410
    assert "Your data was erased" in response.text


async def test_a_reader_is_named_as_their_invitation_shows_them(ana: Applicant) -> None:
    ana.service.invitations.issue("raj", Role.REPRESENTATIVE, "Raj Patel, Esq.")
    await ana.post("/me/cases/link", {"number": "IOE0990000001", "access_code": "NOPE",
                                      "csrf_token": "t"}, subject="raj")
    html = (await ana.page("/me/access")).text
    assert ">Raj Patel, Esq. (raj)<" in html
