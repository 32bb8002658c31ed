"""Notifications in a real browser (Debian's Chromium) against a gateway on a loopback port
whose notification hub is the in-memory fake: the header's badge counts unread ones, a
notification delivered while /me/notifications is open appears at the top of the list and
in the badge without a reload, the page passes axe-core in English and Spanish, and without
JavaScript the list and "mark all read" still work. Screenshots under
tests/browser/artifacts/notifications-*.png."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, expect

from support.browser import (
    BROWSER,
    ConsoleWatch,
    axe_violations,
    describe,
    horizontal_overflow,
    screenshots,
)
from support.http_gateway import serving
from support.notify_fakes import notification
from support.notify_gateway import COURT_NUMBER, IMMIGRATION_NUMBER, NotifyWorld, build_app
from support.pages import SESSION_COOKIE

pytestmark = BROWSER

TIMEOUT_MS = 15_000


@pytest_asyncio.fixture(loop_scope="session")
async def served() -> AsyncIterator[tuple[NotifyWorld, str]]:
    """The gateway over the fake hub, served on this (the browser's) event loop."""
    world, app = build_app()
    async with serving(app) as base:
        yield world, base
    await world.client.aclose()
    await world.service.close()


async def _signed_in(browser: Browser, world: NotifyWorld, base: str, *, language: str = "en",
                     javascript: bool = True) -> BrowserContext:
    context = await browser.new_context(base_url=base, locale=f"{language}-US",
                                        viewport={"width": 1280, "height": 900},
                                        java_script_enabled=javascript)
    context.set_default_timeout(TIMEOUT_MS)
    await context.add_cookies([{"name": SESSION_COOKIE, "value": world.cookie("ana"),
                                "url": base}])
    return context


async def _listening(world: NotifyWorld) -> None:
    while world.fake.live.listeners("ana") == 0:
        await asyncio.sleep(0.05)


async def _axe_clean(page: Page) -> None:
    violations = await axe_violations(page)
    assert not violations, describe(violations)


async def test_a_new_notification_appears_and_is_counted_without_a_reload(
        browser: Browser, served: tuple[NotifyWorld, str]) -> None:
    world, base = served
    world.fake.inbox.add(notification("ana", "immigration", IMMIGRATION_NUMBER, "e1",
                                      titles={"en": "Case received", "es": "Caso recibido"}))
    context = await _signed_in(browser, world, base)
    page = await context.new_page()
    watch = ConsoleWatch().attach(page)
    try:
        await page.goto("/me/notifications")
        badge = page.locator("#caseline-unread")
        await expect(badge).to_be_visible()
        await expect(badge).to_have_attribute("data-count", "1")
        await expect(page.get_by_role("link", name="Notifications 1 unread")).to_be_visible()
        await _axe_clean(page)
        await asyncio.wait_for(_listening(world), 15)
        # A mark that a reload would wipe out.
        await page.evaluate("() => { window.caselineNotReloaded = true; }")
        item = notification("ana", "courts", COURT_NUMBER, "c1", minutes=5,
                            action_required=True,
                            titles={"en": "Hearing moved", "es": "Audiencia cambiada"})
        world.fake.deliver(item)
        first = page.locator("#caseline-notifications > li").first
        await expect(first).to_contain_text("Hearing moved")
        await expect(first).to_contain_text(f"Immigration Court, {COURT_NUMBER}")
        await expect(first.get_by_text("Action required")).to_be_visible()
        await expect(badge).to_have_attribute("data-count", "2")
        await expect(badge).to_contain_text("2")
        await expect(page.locator("#caseline-live")).to_have_text(
            "New notification: Hearing moved")
        assert await page.evaluate("() => window.caselineNotReloaded === true")
        assert await first.get_attribute("data-id") == item.id
        await expect(first.get_by_role("link", name="Hearing moved")).to_have_attribute(
            "href", "/me?agency=courts#events")
        await _axe_clean(page)
        await screenshots(page, "notifications-live")
        assert await horizontal_overflow(page) == 0
    finally:
        await context.close()
    assert watch.clean(), watch


async def test_the_badge_on_another_page_counts_a_new_notification(
        browser: Browser, served: tuple[NotifyWorld, str]) -> None:
    """On /me/settings (no list), the header's badge goes from hidden to 1."""
    world, base = served
    context = await _signed_in(browser, world, base)
    page = await context.new_page()
    watch = ConsoleWatch().attach(page)
    try:
        await page.goto("/me/settings")
        badge = page.locator("#caseline-unread")
        await expect(badge).to_be_hidden()
        await asyncio.wait_for(_listening(world), 15)
        world.fake.deliver(notification("ana", "immigration", IMMIGRATION_NUMBER, "s1"))
        await expect(badge).to_be_visible()
        await expect(badge).to_have_attribute("data-count", "1")
        await expect(page.get_by_role("link", name="Notifications 1 unread")).to_be_visible()
    finally:
        await context.close()
    assert watch.clean(), watch


async def test_the_pages_pass_axe_in_spanish_and_settings_too(
        browser: Browser, served: tuple[NotifyWorld, str]) -> None:
    world, base = served
    world.fake.inbox.add(notification("ana", "immigration", IMMIGRATION_NUMBER, "e2",
                                      minutes=9))
    context = await _signed_in(browser, world, base, language="es")
    page = await context.new_page()
    watch = ConsoleWatch().attach(page)
    try:
        await page.goto("/me/notifications?lang=es")
        await expect(page.get_by_role("heading", name="Notificaciones")).to_be_visible()
        await expect(page.get_by_text("Se solicitaron pruebas").first).to_be_visible()
        await _axe_clean(page)
        await page.goto("/me/settings?lang=es")
        await expect(page.get_by_role("checkbox", name="En las páginas de Caseline")
                     ).to_be_disabled()
        await _axe_clean(page)
        await page.locator("label[for=channel-email]").click()  # USWDS styles the label
        await page.get_by_role("button", name="Guardar ajustes").click()
        await expect(page.get_by_text("Sus ajustes de notificaciones están guardados."))\
            .to_be_visible()
        await _axe_clean(page)
        await screenshots(page, "notifications-settings-es")
        assert await horizontal_overflow(page) == 0
    finally:
        await context.close()
    assert watch.clean(), watch


async def test_without_javascript_the_list_and_mark_all_read_work(
        browser: Browser, served: tuple[NotifyWorld, str]) -> None:
    world, base = served
    world.fake.inbox.add(notification("ana", "immigration", IMMIGRATION_NUMBER, "e3",
                                      minutes=11))
    context = await _signed_in(browser, world, base, javascript=False)
    page = await context.new_page()
    try:
        await page.goto("/me/notifications")
        assert world.fake.inbox.unread_count("ana") > 0
        await expect(page.locator("#caseline-unread")).to_be_visible()
        await page.get_by_role("button", name="Mark all read").click()
        await expect(page).to_have_url(f"{base}/me/notifications")
        await expect(page.locator("#caseline-unread")).to_be_hidden()
        assert world.fake.inbox.unread_count("ana") == 0
    finally:
        await context.close()


@pytest.fixture(autouse=True)
def _fresh_inbox(served: tuple[NotifyWorld, str]) -> None:
    """Each test starts with ana's inbox empty (the server is shared by the module)."""
    served[0].fake.inbox.items.clear()
