"""The public pages in a real Chromium against a real demo, in English and Spanish: axe-core
finds nothing on any of them, they reflow at 320 px and at 200% zoom, the keyboard reaches
everything with a visible focus ring and the skip link first, and a person can look up a
good, a malformed and an unknown number with the mouse or the keyboard alone.

Screenshots of every page at 1280, 375 and 320 px land in tests/browser/artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

import pytest
from playwright.async_api import Page, expect

from gateway.messages import message
from support.browser import (
    BROWSER,
    ConsoleWatch,
    Numbers,
    axe_violations,
    describe,
    focus_outline,
    horizontal_overflow,
    screenshots,
    tab_to,
)

pytestmark = BROWSER

LANGUAGES = ["en", "es"]
# Every public page, by name: the path it is reached at, given the demo's numbers.
PAGES: dict[str, Callable[[Numbers], str]] = {
    "home": lambda n: "/",
    "status": lambda n: f"/status?number={quote(n.good.number)}",
    "status-malformed": lambda n: f"/status?number={quote(n.malformed)}",
    "status-unknown": lambda n: f"/status?number={quote(n.unknown)}",
    "status-empty": lambda n: "/status?number=",
    "not-found": lambda n: "/no-such-page",
}


async def _open(page: Page, path: str, language: str) -> None:
    separator = "&" if "?" in path else "?"
    await page.goto(f"{path}{separator}lang={language}")
    await expect(page.locator("html")).to_have_attribute("lang", language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", list(PAGES))
async def test_every_public_page_passes_axe_and_reflows(page: Page, numbers: Numbers, name: str,
                                                  language: str) -> None:
    """Zero axe-core violations with the page's own CSP in force; no horizontal scrolling at
    320 px; a screenshot at each width."""
    await _open(page, PAGES[name](numbers), language)
    violations = await axe_violations(page)
    assert not violations, f"{name} ({language}):\n{describe(violations)}"
    for path in await screenshots(page, f"public-{name}-{language}"):
        assert path.stat().st_size > 1000, path
    await page.set_viewport_size({"width": 320, "height": 800})
    assert await horizontal_overflow(page) == 0, f"{name} ({language}) scrolls sideways at 320 px"


@pytest.mark.parametrize("name", list(PAGES))
async def test_no_horizontal_scroll_at_200_percent_zoom(zoomed_page: Page, numbers: Numbers,
                                                   name: str) -> None:
    """At 200% zoom of a 1280 px window the page still fits its width (Spanish: the longer
    words)."""
    await _open(zoomed_page, PAGES[name](numbers), "es")
    assert await zoomed_page.evaluate("[window.devicePixelRatio, window.innerWidth]") == [2, 640]
    assert await horizontal_overflow(zoomed_page) == 0


@pytest.mark.parametrize("language", LANGUAGES)
async def test_skip_link_is_first_and_focus_is_visible(page: Page, language: str) -> None:
    """The first Tab lands on a visible skip link, which moves to the main content; every
    focused control shows an outline."""
    await _open(page, "/", language)
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=message(language, "Skip to main content"))
    await expect(skip).to_be_focused()
    await expect(skip).to_be_visible()
    assert _outline_visible(await focus_outline(page))
    await page.keyboard.press("Enter")
    # Following a fragment link is asynchronous: wait for it rather than read the URL at once.
    await expect(page).to_have_url(re.compile(r"#main-content$"))
    await tab_to(page, "#number")
    assert _outline_visible(await focus_outline(page))
    await page.keyboard.press("Tab")
    button = page.get_by_role("button", name=message(language, "Check status"))
    await expect(button).to_be_focused()
    assert _outline_visible(await focus_outline(page))


def _outline_visible(outline: dict[str, str]) -> bool:
    width = float(outline["width"].removesuffix("px") or 0)
    return outline["style"] not in ("none", "hidden") and width >= 2


@pytest.mark.parametrize("language", LANGUAGES)
async def test_look_up_a_good_number(page: Page, numbers: Numbers, language: str) -> None:
    """Typing ana's number and pressing the button shows her status card."""
    await _open(page, "/", language)
    await page.get_by_label(message(language, "Case number")).fill(numbers.good.number)
    await page.get_by_role("button", name=message(language, "Check status")).click()
    await expect(page).to_have_url(f"/status?number={numbers.good.number}", ignore_case=True)
    facts = page.locator("dl.caseline-facts")
    await expect(facts).to_contain_text(numbers.good.number)
    await expect(facts).to_contain_text(numbers.good.case_type)
    for heading in ("What this means", "The agency's own words"):
        await expect(page.get_by_role("heading", name=message(language, heading))).to_be_visible()


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_narrow_screen_keeps_the_progress_and_the_menu_off_the_edge(
        page: Page, numbers: Numbers, language: str) -> None:
    """At 320 px the progress line still names its steps (USWDS alone hides them below
    40em, from screen readers too) and the header's links start where the logo does."""
    await page.set_viewport_size({"width": 320, "height": 800})
    await _open(page, PAGES["status"](numbers), language)
    current = page.locator("[aria-current=step]")
    await expect(current).to_be_visible()
    await expect(current).to_contain_text(message(language, "Under review"))
    logo = await page.locator(".usa-logo").bounding_box()
    first_link = await page.get_by_role("navigation").get_by_role("link").first.bounding_box()
    assert logo is not None and first_link is not None
    assert first_link["x"] >= 8 and abs(first_link["x"] - logo["x"]) <= 2, (first_link, logo)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_look_up_a_malformed_number(page: Page, numbers: Numbers, language: str) -> None:
    """A number in no agency's format: the form again, an error alert that says to check
    the number, the number kept in the box and marked invalid."""
    await _open(page, "/", language)
    box = page.get_by_label(message(language, "Case number"))
    await box.fill(numbers.malformed)
    await box.press("Enter")
    alert = page.get_by_role("alert")
    await expect(alert.get_by_role("heading")).to_have_text(
        message(language, "Check the case number"))
    await expect(alert.locator("[data-code]")).to_have_attribute("data-code", "INVALID_NUMBER")
    box = page.get_by_label(message(language, "Case number"))
    await expect(box).to_have_value(numbers.malformed)
    await expect(box).to_have_attribute("aria-invalid", "true")


@pytest.mark.parametrize("language", LANGUAGES)
async def test_look_up_an_unknown_number(page: Page, numbers: Numbers, language: str) -> None:
    """A well-formed number no case has: "case not found"."""
    await _open(page, "/", language)
    await page.get_by_label(message(language, "Case number")).fill(numbers.unknown)
    await page.get_by_role("button", name=message(language, "Check status")).click()
    alert = page.get_by_role("alert")
    await expect(alert.get_by_role("heading")).to_have_text(message(language, "Case not found"))


async def test_look_up_by_keyboard_alone(page: Page, numbers: Numbers) -> None:
    """From a fresh page, only Tab, typing and Enter: the status card, then its "check
    another case" link back to the form, all without the mouse."""
    await _open(page, "/", "en")
    await tab_to(page, "#number")
    await page.keyboard.type(numbers.good.number)
    await page.keyboard.press("Enter")
    await expect(page.locator("dl.caseline-facts")).to_contain_text(numbers.good.number)
    await tab_to(page, "a[href='/']:not(.usa-logo__text a)")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        message("en", "Check a case status"))


async def test_the_csp_watch_hears_a_refusal(page: Page, watch: ConsoleWatch) -> None:
    """The CSP check above is not blind: an inline style a page would add is refused by
    the policy and reported (the test empties the list so its page ends clean)."""
    await _open(page, "/", "en")
    await page.evaluate("() => { const s = document.createElement('style'); "
                  "s.textContent = 'body { color: red }'; document.head.append(s); }")
    await page.wait_for_timeout(200)  # the console report arrives asynchronously
    assert any("style-src" in text for text in watch.csp), watch.csp
    watch.csp.clear()


async def test_axe_runs_under_the_page_csp_and_is_not_blind(page: Page) -> None:
    """axe-core runs on a page whose policy forbids inline scripts and eval (axe is neither
    the page's own file nor allowed inline), and reports an image without a text
    alternative that the test adds."""
    response = await page.goto("/")
    assert response is not None
    policy = dict(d.strip().split(" ", 1) for d in
                  response.headers["content-security-policy"].split(";"))
    assert policy["script-src"] in ("'none'", "'self'"), policy
    assert await axe_violations(page) == []
    await page.evaluate("() => { const i = document.createElement('img'); "
                  "i.src = '/static/uswds/img/us_flag_small.png'; "
                  "document.querySelector('main').append(i); }")
    assert [v["id"] for v in await axe_violations(page)] == ["image-alt"]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_persona_case_status_passes_axe(page: Page, numbers: Numbers,
                                                    language: str) -> None:
    """Each persona's case (every category the demo has: pending, active, approved, denied,
    closed) as a status card: zero axe-core violations, colour contrast of its badges
    included."""
    found: dict[str, str] = {}
    for number in (n for n in numbers.all if n.persona):
        await _open(page, f"/status?number={quote(number.number)}", language)
        violations = await axe_violations(page)
        if violations:
            found[number.number] = describe(violations)
    assert not found, found


async def test_every_image_and_font_the_stylesheet_names_is_served(page: Page) -> None:
    """A component a page adds (an info alert, a select) draws an icon named only in the
    USWDS stylesheet: every url() there is served, and so is the favicon each page links
    (without it the browser asks for /favicon.ico and logs a 404 on every page)."""
    await _open(page, "/", "en")
    css = await (await page.request.get("/static/uswds/css/uswds.min.css")).text()
    named = sorted(set(re.findall(r"url\(\.\./((?:img|fonts)/[^)]+)\)", css))
                   - {"img/hero.jpg"})  # no page has a hero (gateway/web/assets.py)
    assert any("usa-icons/info.svg" in n for n in named), named[:5]
    missing = [n for n in named
               if (await page.request.get(f"/static/uswds/{n}")).status != 200]
    assert not missing, missing
    icon = await page.locator("link[rel=icon]").get_attribute("href")
    assert icon is not None and (await page.request.get(icon)).status == 200
