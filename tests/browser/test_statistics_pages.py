"""The statistics pages and raj's journey in a real Chromium against a real demo: axe-core
finds nothing on the index or a case type's page in English and Spanish, both reflow at 320
px, every chart is an image with a name and a table of its numbers, and raj's /me shows his
PERM → I-140 → I-485 journey with the current step marked.

Screenshots land in tests/browser/artifacts/ (statistics-*)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.async_api import Browser, Page, expect

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
from support.demo_process import Demo, start_demo

pytestmark = BROWSER

LANGUAGES = ["en", "es"]
CHARTS = ["trend", "distribution", "pending", "within"]
# The smallest text a chart may show on a phone; an SVG's text is its font size times the
# drawing's scale (a 600-unit drawing in a 288 px column would be 0.48).
MIN_LABEL_PX = 12.0
LABEL_SIZES = """() => {
  const sizes = [];
  const shown = document.querySelectorAll(
    '.caseline-figure svg text, .caseline-bars__name, .caseline-bars__value, .caseline-legend li');
  for (const el of shown) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // the other drawing, not displayed
    let size = parseFloat(getComputedStyle(el).fontSize);
    const svg = el.closest('svg');
    if (svg && el.tagName.toLowerCase() === 'text') {
      size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    }
    sizes.push(size);
  }
  return sizes;
}"""


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
    # A case type known by a data identifier is listed by its name, never its code.
    await expect(page.get_by_text("CREDIBLE_FEAR_REVIEW")).to_have_count(0)
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


@pytest.fixture(scope="module")
def charted() -> Iterator[Demo]:
    """A demo large enough that PERM's charts have figures to draw (the session's small demo
    withholds nearly every cell): 3,000 generated cases per agency."""
    with tempfile.TemporaryDirectory(prefix="charts-demo-") as state:
        running = start_demo(Path(state) / "state", "--cases", "3000", "--lookup-rate", "50")
        try:
            yield running
        finally:
            assert running.stop() == 0, "".join(running.output[-40:])


@pytest.mark.parametrize("language", LANGUAGES)
async def test_chart_labels_are_readable_on_phones(browser: Browser, charted: Demo,
                                                   language: str) -> None:
    """Every label of every chart is 12 px or more at 375 and 320 px (the trend is drawn for
    a phone's column; the bar charts are rows of text), with no sideways scrolling; axe finds
    nothing with the drawings shown."""
    context = await browser.new_context(base_url=charted.base_url, locale="en-US")
    try:
        page = await context.new_page()
        await _open(page, "/statistics/labor/PERM", language)
        await expect(page.locator(".caseline-bars__row").first).to_be_visible()
        await expect(page.locator("svg.caseline-chart").first).to_be_attached()
        for width in (1280, 375, 320):
            await page.set_viewport_size({"width": width, "height": 900})
            assert await horizontal_overflow(page) == 0, f"sideways scrolling at {width} px"
            sizes = await page.evaluate(LABEL_SIZES)
            assert sizes, f"no chart label is shown at {width} px"
            assert min(sizes) >= MIN_LABEL_PX, (width, sorted(sizes)[:5])
            # One drawing of the trend at a time, named by its heading.
            trend = page.locator('section[aria-labelledby="trend-heading"]')
            await expect(trend.get_by_role("img")).to_have_count(1)
            violations = await axe_violations(page)
            assert not violations, f"PERM at {width} px ({language}):\n{describe(violations)}"
        await screenshots(page, f"statistics-charts-perm-{language}")
    finally:
        await context.close()


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
