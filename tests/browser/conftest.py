"""Browser tests' fixtures: one real `caseline demo` and one Chromium for the session, a
fresh browser context (cookies, language) per test.

Playwright's async API on one session-wide event loop (the browser lives on it), so every
test module here says ``pytestmark = BROWSER`` (support/browser.py). Its sync API would keep
its own loop marked running between tests for as long as the browser lives, and every
asyncio test after this directory would then fail to start its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright

from deploy.demo.sample_numbers import read_demo_numbers
from deploy.demo.state import DemoState
from support.browser import ConsoleWatch, Numbers, PageOpener, launch
from support.demo_process import Demo, start_demo

# A wait for a page or an element: long enough for a loaded 2-core machine, short enough
# that a broken page fails in seconds rather than minutes.
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """A real demo on a loopback port of its choosing, small (50 generated cases per agency:
    the personas' cases exist at any size). Lookups per second are raised above the public
    default so the many page loads of the suite are never refused for quota."""
    running = start_demo(tmp_path_factory.mktemp("browser-demo") / "state", "--cases", "50",
                         "--lookup-rate", "50")
    yield running
    assert running.stop() == 0, "".join(running.output[-40:])


@pytest.fixture(scope="session")
def numbers(demo: Demo) -> Numbers:
    """The demo's own numbers (deploy/demo/sample_numbers.py), read from its manifest."""
    _, found = read_demo_numbers(DemoState(demo.state_dir))
    good = next(n for n in found if n.persona == "ana" and n.agency == "immigration")
    return Numbers(good=good, malformed="12-NOPE-34", unknown="IOE0999999999", all=found)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def playwright() -> AsyncIterator[Playwright]:
    """Playwright's driver, once."""
    async with async_playwright() as driver:
        yield driver


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser(playwright: Playwright) -> AsyncIterator[Browser]:
    """Debian's Chromium (installed first if missing: see support/browser.py)."""
    chromium = await launch(playwright)
    yield chromium
    await chromium.close()


@pytest_asyncio.fixture(loop_scope="session")
async def context(browser: Browser, demo: Demo) -> AsyncIterator[BrowserContext]:
    """A fresh context: no cookies, English, a desktop viewport, the demo as base URL."""
    fresh = await browser.new_context(base_url=demo.base_url, locale="en-US",
                                      viewport={"width": 1280, "height": 900})
    fresh.set_default_timeout(TIMEOUT_MS)
    yield fresh
    await fresh.close()


@pytest.fixture
def watch() -> ConsoleWatch:
    """What the page refused or threw (attached by ``page``)."""
    return ConsoleWatch()


@pytest_asyncio.fixture(loop_scope="session")
async def page(context: BrowserContext, watch: ConsoleWatch) -> AsyncIterator[Page]:
    """A page in the fresh context, watched for CSP refusals, script errors and missing
    assets; a test ends with none of them."""
    opened = await context.new_page()
    watch.attach(opened)
    yield opened
    assert not watch.csp, f"Content-Security-Policy refusals: {watch.csp}"
    assert not watch.errors, f"script errors: {watch.errors}"
    assert not watch.missing, f"assets that did not load: {watch.missing}"


@pytest_asyncio.fixture(loop_scope="session")
async def zoomed_page(browser: Browser, demo: Demo) -> AsyncIterator[Page]:
    """A page as a 1280 px wide window shows it zoomed to 200%: 640 CSS px laid out at twice
    the pixel density (what browser zoom does to layout)."""
    zoomed = await browser.new_context(base_url=demo.base_url, device_scale_factor=2,
                                       viewport={"width": 640, "height": 450})
    zoomed.set_default_timeout(TIMEOUT_MS)
    yield await zoomed.new_page()
    await zoomed.close()


@pytest_asyncio.fixture(loop_scope="session")
async def open_page(browser: Browser, demo: Demo) -> AsyncIterator[PageOpener]:
    """Opens pages each in a context of its own (one person each: their own cookies), all
    watched like ``page`` and closed at the end of the test."""
    opened: list[tuple[BrowserContext, ConsoleWatch]] = []

    async def new() -> Page:
        fresh = await browser.new_context(base_url=demo.base_url, locale="en-US",
                                          viewport={"width": 1280, "height": 900})
        fresh.set_default_timeout(TIMEOUT_MS)
        page = await fresh.new_page()
        opened.append((fresh, ConsoleWatch().attach(page)))
        return page

    yield new
    for fresh, watched in opened:
        await fresh.close()
        assert watched.clean(), watched
