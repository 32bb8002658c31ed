"""Signed in, in a real browser against a real demo: each persona signs in through the demo's
OpenID provider and out again; every page a persona has passes axe-core in English and
Spanish and reflows at 320 px (screenshots under tests/browser/artifacts/); ana's timeline
shows both her agencies; mei's journey shows the I-140 she has yet to file, and its deadline
among her actions; ana links a case with the access code from its notice; the header's menus
hold one line each at desktop widths in both languages."""

from __future__ import annotations

import importlib
import re
import sys
from datetime import date, datetime
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from playwright.async_api import Page, expect

from adapters.reference.seed import generated_cases
from adapters.sdk.records import CaseRecord
from deploy.demo.personas import PERSONAS
from deploy.demo.state import DemoState
from gateway.messages import message
from gateway.web import localized
from support.browser import (
    ARTIFACTS,
    BROWSER,
    Numbers,
    agency_names,
    axe_violations,
    describe,
    horizontal_overflow,
    screenshots,
    sign_in,
    sign_out,
)
from support.demo_process import Demo
from support.shown_dates import MOMENT_WORDS

pytestmark = BROWSER

HOMES = {"ana": "/me", "raj": "/me", "mei": "/me", "lee": "/clients", "audrey": "/audit"}
# Every page each persona has (beside the public ones, tested signed out).
PAGES = {
    "ana": ["/me", "/me/cases/link", "/me/access", "/me/consents", "/me/consents/grant",
            "/me/webhooks"],
    "raj": ["/me"],
    "mei": ["/me", "/me/notifications"],
    "lee": ["/clients", "/clients/invite", "/bulk", "/", "/me/webhooks"],
    "audrey": ["/audit"],
}


@pytest.mark.parametrize("persona", list(PERSONAS))
async def test_each_persona_signs_in_lands_home_and_signs_out(page: Page,
                                                             persona: str) -> None:
    """From /sign-in (no page to go back to) each role lands on its own home, its name in
    the header; signing out leaves nobody signed in, and the home asks to sign in again."""
    await page.goto("/sign-in")
    await page.get_by_role("button", name=PERSONAS[persona].name, exact=False).click()
    await expect(page).to_have_url(HOMES[persona])
    await sign_out(page, persona)
    response = await page.goto(HOMES[persona])
    assert response is not None
    assert "/demo-oidc/" in page.url or "/sign-in" in page.url or response.status == 403


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("persona", list(PAGES))
async def test_every_signed_in_page_passes_axe_and_reflows(page: Page, persona: str,
                                                           language: str) -> None:
    await sign_in(page, persona, language)
    problems: dict[str, str] = {}
    for path in PAGES[persona]:
        response = await page.goto(path)
        assert response is not None and response.status == 200, (path, response)
        violations = await axe_violations(page)
        if violations:
            problems[path] = describe(violations)
        name = path.strip("/").replace("/", "-") or "home"
        await screenshots(page, f"{persona}-{name}-{language}")
        await page.set_viewport_size({"width": 320, "height": 800})
        if overflow := await horizontal_overflow(page):
            problems[path] = problems.get(path, "") + f" scrolls {overflow} px sideways at 320"
        await page.set_viewport_size({"width": 1280, "height": 900})
    assert not problems, problems


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("persona", ["ana", "lee", "audrey"])
async def test_the_header_menus_are_tidy_at_every_width(page: Page, persona: str,
                                                        language: str) -> None:
    """At 1280 and 1024 px each of the header's lists (the pages; sign out and the other
    language) holds one line, also in Spanish (whose longer words once wrapped the one list
    onto a second line at 1280); at 375 and 320 px they wrap without sideways scrolling and
    start where the logo does. Screenshots: artifacts/header-<persona>-<language>-<width>.png."""
    await sign_in(page, persona, language, start=HOMES[persona])
    lists = page.get_by_role("navigation").get_by_role("list")
    await expect(lists).to_have_count(2)
    for width in (1280, 1024, 375, 320):
        await page.set_viewport_size({"width": width, "height": 900})
        lines = await lists.evaluate_all(
            "lists => lists.map(l => new Set([...l.children].map("
            "i => Math.round(i.getBoundingClientRect().top))).size)")
        if width >= 1024:
            assert lines == [1, 1], (width, lines)
        else:
            assert await horizontal_overflow(page) == 0, width
            logo = await page.locator(".usa-logo").bounding_box()
            first = await page.get_by_role("navigation").get_by_role("link").first \
                .bounding_box()
            assert logo is not None and first is not None
            assert abs(first["x"] - logo["x"]) <= 2, (width, first, logo)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / f"header-{persona}-{language}-{width}.png"),
                              clip={"x": 0, "y": 0, "width": width, "height": 320})


async def test_the_persona_page_passes_axe(page: Page) -> None:
    """The demo provider's own page, where a person chooses who to be."""
    for language in ("en", "es"):
        await page.goto(f"/sign-in?lang={language}")
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            message(language, "Demo sign-in"))
        violations = await axe_violations(page)
        assert not violations, describe(violations)
        await screenshots(page, f"demo-sign-in-{language}")


async def test_ana_timeline_shows_both_agencies(page: Page, numbers: Numbers,
                                                demo: Demo) -> None:
    await sign_in(page, "ana", "en", start="/me")
    names = agency_names(demo)
    own = [n for n in numbers.all if n.persona == "ana"]
    assert len({n.agency for n in own}) == 2
    table = page.get_by_role("table")
    for number in own:
        row = table.get_by_role("row").filter(has_text=number.number)
        await expect(row).to_contain_text(names[number.agency])


@pytest.mark.parametrize("language", ["en", "es"])
async def test_ana_reads_her_cases_times_in_her_language(page: Page, language: str) -> None:
    """Last update and each event's time as the page's language writes them (Babel's words,
    not ISO), each with its moment machine-readable in the time element."""
    await sign_in(page, "ana", language, start="/me")
    shown = await page.locator("main table time, .caseline-events time").evaluate_all(
        "ts => ts.map(t => [t.getAttribute('datetime'), t.textContent])")
    assert shown
    for at, text in shown:
        assert re.fullmatch(MOMENT_WORDS[language], text), (at, text)
        assert text == localized.moment(language, datetime.fromisoformat(at)), (at, text)


@pytest.mark.parametrize("language", ["en", "es"])
async def test_mei_sees_her_i140_next_not_filed_and_its_deadline_as_an_action(
        page: Page, language: str) -> None:
    """Her journey's ordered steps end with the I-140, marked not filed yet; "Action
    required" lists the certification's validity for filing it, though no case status asks
    her for anything."""
    await sign_in(page, "mei", language, start="/me")
    journey = page.locator(".caseline-journey").filter(has_text="PERM")
    upcoming = journey.locator(".caseline-journey__steps li.caseline-journey__next")
    await expect(upcoming).to_have_count(1)
    await expect(upcoming).to_contain_text("I-140")
    await expect(upcoming.locator(".caseline-not-filed")).to_have_text(
        message(language, "Not filed yet"))
    actions = page.locator(".caseline-actions li")
    await expect(actions).to_have_count(1)
    await expect(actions).to_contain_text(
        message(language, "Labor certification valid for filing the I-140"))


async def test_ana_links_a_case_with_its_access_code(page: Page, numbers: Numbers,
                                                     demo: Demo) -> None:
    """A generated immigration case (nobody's yet) linked with the code on its notice: the
    page says so and /me lists it."""
    manifest = DemoState(demo.state_dir).read_manifest()
    assert manifest is not None
    case = _unlinked_case(manifest)
    await sign_in(page, "ana", "en", start="/me/cases/link")
    await page.get_by_label("Case number").fill(case.number)
    await page.get_by_label("Access code").fill(case.access_code)
    await page.get_by_role("button", name="Link this case").click()
    await expect(page.get_by_role("heading", level=1)).not_to_have_text("Link a case")
    await page.goto("/me")
    await expect(page.get_by_role("table").get_by_role("row").filter(
        has_text=case.number)).to_be_visible()


def _unlinked_case(manifest: dict[str, object]) -> CaseRecord:
    """The demo's first generated immigration case, its access code regenerated from the
    seed as the demo's seeding made it (the store keeps only a digest of it)."""
    cases = generated_cases("immigration", int(str(manifest["cases"])),
                            int(str(manifest["seed"])), date.fromisoformat(
                                str(manifest["today"])))
    return next(iter(cases))


async def test_the_benchmarks_sign_in_gives_a_working_session(demo: Demo) -> None:
    """bench/_signin.py (how bench/page_time.py and bench/lighthouse.py reach /me) signs in
    through this demo's real provider: its cookie opens ana's /me."""
    signin = _bench_module("_signin")
    cookie = signin.session_cookie(demo.base_url, "ana")
    me = httpx.get(f"{demo.base_url}/me", cookies={signin.SESSION_COOKIE: cookie},
                   follow_redirects=False, timeout=15)
    assert me.status_code == 200, me.headers.get("location")
    assert "Ana Morales" in me.text


def _bench_module(name: str) -> ModuleType:
    bench = str(Path(__file__).parents[2] / "bench")
    if bench not in sys.path:
        sys.path.insert(0, bench)  # bench/ is scripts that import each other by file name
    return importlib.import_module(name)
