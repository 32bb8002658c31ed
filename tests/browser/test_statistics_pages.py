"""The statistics pages and raj's journey in a real Chromium against a real demo: axe-core
finds nothing on the index or a case type's page in English and Spanish, both reflow at 320
px, every chart is an image with a name and a table of its numbers, and raj's /me shows his
PERM → I-140 → I-485 journey with the current step marked.

Screenshots land in tests/browser/artifacts/ (statistics-*)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.async_api import Page, expect

from gateway.messages import message
from support.browser import (
    BROWSER,
    Numbers,
    axe_violations,
    describe,
    horizontal_overflow,
    screenshots,
    sign_in,
)

pytestmark = BROWSER

LANGUAGES = ["en", "es"]
CHARTS = ["trend", "distribution", "pending", "within"]


def _case_type_path(numbers: Numbers) -> str:
    good = numbers.good
    return f"/statistics/{quote(good.agency, safe='')}/{quote(good.case_type, safe='')}"


async def _open(page: Page, path: str, language: str) -> None:
    separator = "&" if "?" in path else "?"
    await page.goto(f"{path}{separator}lang={language}")
    await expect(page.locator("html")).to_have_attribute("lang", language)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_index_links_each_case_type_and_passes_axe(page: Page, numbers: Numbers,
                                                       language: str) -> None:
    await _open(page, "/statistics", language)
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        message(language, "Processing times"))
    link = page.locator(f'a[href="{_case_type_path(numbers)}"]')
    await expect(link).to_have_count(1)
    violations = await axe_violations(page)
    assert not violations, f"/statistics ({language}):\n{describe(violations)}"
    await screenshots(page, f"statistics-index-{language}")
    await page.set_viewport_size({"width": 320, "height": 800})
    assert await horizontal_overflow(page) == 0


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_case_types_page_passes_axe_and_reads_as_tables(page: Page, numbers: Numbers,
                                                          language: str) -> None:
    response = await page.goto(f"{_case_type_path(numbers)}?lang={language}")
    assert response is not None and response.status == 200, await page.content()
    await expect(page.get_by_role("heading", level=2).first).to_contain_text(
        message(language, "Target: {target}", target="").strip())
    withheld_everywhere = message(language, "Every figure of this chart is withheld: each "
                                            "comes from too few cases. The table below says "
                                            "which.")
    for chart in CHARTS:
        figure = page.locator(f'section[aria-labelledby="{chart}-heading"]')
        # An image named by the chart's heading, or (the small demo's cells are mostly
        # withheld) the words saying nothing could be drawn; a table of the numbers always.
        images = await figure.get_by_role("img").count()
        said = await figure.get_by_text(withheld_everywhere).count()
        assert (images, said) in {(1, 0), (0, 1)}, (chart, images, said)
        if images:
            await expect(figure.get_by_role("img")).to_have_accessible_name(
                await figure.get_by_role("heading").inner_text())
        await figure.locator("summary").click()
        await expect(figure.get_by_role("table")).to_be_visible()
    violations = await axe_violations(page)
    assert not violations, f"statistics ({language}):\n{describe(violations)}"
    await screenshots(page, f"statistics-case-type-{language}")
    await page.set_viewport_size({"width": 320, "height": 800})
    assert await horizontal_overflow(page) == 0, "the statistics page scrolls sideways at 320 px"


async def test_raj_sees_his_journey_with_the_current_step(page: Page) -> None:
    await sign_in(page, "raj", "en", "/me")
    journeys = page.locator("section.caseline-journey")
    await expect(journeys.first).to_be_visible()
    steps = await journeys.first.locator("ol > li").all_inner_texts()
    order = [next(i for i, s in enumerate(steps) if s.startswith(t))
             for t in ("PERM", "I-140", "I-485")]
    assert order == sorted(order), steps
    await expect(journeys.first.locator('[aria-current="step"]')).to_have_count(1)
    await expect(journeys.first).to_contain_text(
        message("en", "Labor certification valid for filing the I-140"))
    violations = await axe_violations(page)
    assert not violations, f"raj's /me:\n{describe(violations)}"
    await screenshots(page, "statistics-raj-journey-en")
