"""Webhooks in a real browser against a real demo: lee registers his system's address (a
receiver on loopback, which the demo allows), copies the secret shown once, verifies it (the
receiver checks the signature and echoes the challenge), and the page — its list, log and
buttons — passes axe-core in English and Spanish and reflows at 320 px; then he deletes it
after confirming."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from support.browser import (
    BROWSER,
    axe_violations,
    describe,
    horizontal_overflow,
    screenshots,
    sign_in,
)
from support.demo_process import Demo
from support.webhook_receiver import webhook_receiver

pytestmark = BROWSER


async def test_lee_registers_and_verifies_a_webhook(page: Page, demo: Demo) -> None:
    """Register, read the secret once, verify: Active, with the request in the log."""
    async with webhook_receiver() as receiver:
        await sign_in(page, "lee", "en")
        await page.goto("/me/webhooks")
        await page.get_by_label("Your system's https address").fill(receiver.url)
        async with page.expect_navigation():
            await page.get_by_role("button", name="Register the webhook").click()
        secret = await page.locator("code[data-secret-for]").inner_text()
        assert re.fullmatch(r"whsec_[A-Za-z0-9+/=]+", secret), secret
        receiver.secrets.append(secret)
        section = page.locator("section.caseline-webhook").filter(has_text=receiver.url)
        async with page.expect_navigation():
            await section.get_by_role("button", name=re.compile("^Verify webhook")).click()
        await expect(page.get_by_text("The webhook is verified")).to_be_visible()
        await expect(section.locator("[data-state]")).to_have_attribute("data-state",
                                                                         "ACTIVE")
        assert [r.type for r in receiver.received] == ["webhook.verification"]
        assert receiver.bad_signatures == 0
        problems: dict[str, str] = {}
        for language in ("en", "es"):
            await page.goto(f"/me/webhooks?lang={language}")
            assert secret not in await page.content()
            if violations := await axe_violations(page):
                problems[language] = describe(violations)
            await screenshots(page, f"lee-webhooks-listed-{language}")
            await page.set_viewport_size({"width": 320, "height": 800})
            if overflow := await horizontal_overflow(page):
                problems[language] = problems.get(language, "") + f" {overflow} px at 320"
            await page.set_viewport_size({"width": 1280, "height": 900})
        assert not problems, problems
        # The demo is shared by the session's tests: lee's language back to English (a
        # ?lang= choice is stored for the account), and his endpoint deleted, confirmed.
        await page.goto("/me/webhooks?lang=en")
        async with page.expect_navigation():
            await section.get_by_role("button", name=re.compile("^Delete webhook")).click()
        await expect(page.get_by_role("heading", name="Delete this webhook?")).to_be_visible()
        async with page.expect_navigation():
            await page.get_by_role("button", name="Delete the webhook").click()
        await expect(page.get_by_text("The webhook was deleted.")).to_be_visible()
        await expect(page.get_by_text("You have no webhooks.")).to_be_visible()
