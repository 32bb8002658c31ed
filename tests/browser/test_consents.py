"""A consent's whole life in a real browser, by keyboard alone for the person who grants:
lee gives ana his invitation code; ana grants him case status at immigration (check your
answers names him first) and the receipt verifies in her browser; lee then sees her
immigration events, with the details marked "not shared with you", and nothing of her
court case; ana revokes (one button and a confirmation) and lee sees nothing on his next
page load; ana's access page lists lee's reads; audrey's audit page verifies a receipt."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.async_api import Page, expect

from gateway.messages import message
from support.browser import (
    BROWSER,
    Numbers,
    PageOpener,
    agency_names,
    axe_violations,
    describe,
    screenshots,
    sign_in,
    tab_to,
)
from support.demo_process import Demo

pytestmark = BROWSER

VERIFIED = "Verified in your browser"


async def _enter(page: Page) -> None:
    """Press Enter on a link or submit button and wait for the page it leads to."""
    async with page.expect_navigation():
        await page.keyboard.press("Enter")


async def _keyboard_select(page: Page, selector: str) -> None:
    """Tab to a checkbox or radio button and tick it with the space bar."""
    await tab_to(page, selector, limit=80)
    await page.keyboard.press("Space")
    await expect(page.locator(selector)).to_be_checked()


async def _invitation_code(lee: Page) -> str:
    await sign_in(lee, "lee", "en", start="/clients/invite")
    code = lee.locator(".caseline-invitation-code")
    if not await code.count():
        await lee.get_by_role("button", name="Make a code").click()
    found = await code.get_attribute("data-code")
    assert found
    return found


async def _grant_by_keyboard(ana: Page, code: str, immigration: int) -> None:
    """ana fills the grant form with Tab, typing and the space bar only."""
    await sign_in(ana, "ana", "en", start="/me/consents")
    await tab_to(ana, "a[href='/me/consents/grant']")
    await _enter(ana)
    await tab_to(ana, "#code")
    await ana.keyboard.type(code)
    await _keyboard_select(ana, f"#agency-{immigration}")
    await _keyboard_select(ana, "#scope-0")  # case status
    await _keyboard_select(ana, "#purpose-0")
    until = date.today() + timedelta(days=90)
    await tab_to(ana, "#until")
    await ana.keyboard.type(until.strftime("%m%d%Y"))  # en-US: month, day, year
    await expect(ana.locator("#until")).to_have_value(until.isoformat())
    await tab_to(ana, "form button[type=submit]:not([formaction])")
    await _enter(ana)
    await expect(ana.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before granting")
    await expect(ana.locator(".caseline-grantee")).to_have_text("Lee Chen")
    assert not await axe_violations(ana)
    await tab_to(ana, "form button.usa-button:not(.usa-button--unstyled)", limit=80)
    await _enter(ana)
    await expect(ana.get_by_role("heading", level=1)).to_have_text("Consent granted")
    await expect(ana.locator(".caseline-receipt__result")).to_contain_text(VERIFIED)


async def _revoke_by_keyboard(ana: Page) -> None:
    await ana.goto("/me/consents")
    await tab_to(ana, "button.usa-button--secondary")  # Revoke (the only consent)
    await _enter(ana)
    await expect(ana.get_by_role("heading", level=1)).to_have_text("Revoke this consent?")
    violations = await axe_violations(ana)
    assert not violations, describe(violations)
    await tab_to(ana, "form button.usa-button--secondary")
    await _enter(ana)
    await expect(ana.get_by_role("heading", level=1)).to_have_text("Consent revoked")
    await expect(ana.locator(".caseline-receipt__result")).to_contain_text(VERIFIED)


async def test_grant_read_revoke_and_audit(open_page: PageOpener, numbers: Numbers,
                                           demo: Demo) -> None:
    lee, ana, audrey = await open_page(), await open_page(), await open_page()
    agencies = _agency_ids(demo)
    own = {n.agency: n.number for n in numbers.all if n.persona == "ana"}
    names = agency_names(demo)

    code = await _invitation_code(lee)
    await _grant_by_keyboard(ana, code, agencies.index("immigration"))

    await lee.goto("/clients")
    await lee.get_by_role("table").get_by_role("link").first.click()
    client_page = lee.url
    await expect(lee.locator("main")).to_contain_text(names["immigration"])
    await expect(lee.locator("main")).to_contain_text(own["immigration"])
    await expect(lee.locator(".caseline-withheld").first).to_contain_text(
        message("en", "Not shared with you:"))
    assert own["courts"] not in await lee.locator("main").inner_text()
    violations = await axe_violations(lee)
    assert not violations, describe(violations)

    await _revoke_by_keyboard(ana)

    again = await lee.goto(client_page)  # his next page load
    assert again is not None and again.status < 500
    await expect(lee.get_by_role("heading", level=1)).to_be_visible()
    assert own["immigration"] not in await lee.locator("main").inner_text()

    await ana.goto("/me/access")
    lee_reads = ana.get_by_role("row").filter(has_text="Read your cases").filter(has_text="lee")
    # His read under the consent, and his refused one after she revoked it.
    assert await lee_reads.count() >= 2
    await expect(lee_reads.filter(has_text=message("en", "you had revoked the consent"))
                 ).to_have_count(1)

    await sign_in(audrey, "audrey", "en", start="/audit")
    await audrey.get_by_role("link", name="Entry 0: inclusion proof").click()
    await expect(audrey.locator(".caseline-receipt__result")).to_contain_text("Verified")
    violations = await axe_violations(audrey)
    assert not violations, describe(violations)


def _agency_ids(demo: Demo) -> list[str]:
    return list(agency_names(demo))


async def _receipt_verified(page: Page) -> None:
    """The page's receipt says, in the page's language, that it verified."""
    receipt = page.locator(".caseline-receipt").first
    ok = await receipt.get_attribute("data-text-ok")
    assert ok
    await expect(receipt.locator(".caseline-receipt__result")).to_have_text(ok)


async def _checked(page: Page, name: str, problems: dict[str, str]) -> None:
    """axe on the page as it is now, and its screenshots."""
    violations = await axe_violations(page)
    if violations:
        problems[name] = describe(violations)
    await screenshots(page, f"consent-{name}-es")


async def test_in_spanish_grant_pause_resume_revoke_each_confirmed(
        open_page: PageOpener, demo: Demo) -> None:
    """raj, in Spanish and with the mouse: an empty form answers an error summary; a grant
    to lee at labor; then pause, resume and revoke, each after its confirmation page, each
    with its receipt verified in the browser. axe-core finds nothing on any of these pages
    (screenshots: consent-*-es)."""
    def t(text: str) -> str:
        return message("es", text)

    lee, raj = await open_page(), await open_page()
    code = await _invitation_code(lee)
    problems: dict[str, str] = {}
    await sign_in(raj, "raj", "es", start="/me/consents/grant")
    await raj.get_by_role("button", name=t("Continue")).click()
    summary = raj.get_by_role("alert")
    await expect(summary.get_by_role("heading")).to_have_text(t("There is a problem"))
    await _checked(raj, "grant-errors", problems)
    await raj.get_by_label(t("Invitation code")).fill(code)
    # USWDS draws its own boxes: a person clicks the label (the input is off-screen).
    for box in (f"agency-{_agency_ids(demo).index('labor')}", "scope-0", "purpose-0"):
        await raj.locator(f"label[for={box}]").click()
        await expect(raj.locator(f"#{box}")).to_be_checked()
    await raj.get_by_label(t("Until")).fill((date.today() + timedelta(days=30)).isoformat())
    await raj.get_by_role("button", name=t("Continue")).click()
    await expect(raj.locator(".caseline-grantee")).to_have_text("Lee Chen")
    await _checked(raj, "check-answers", problems)
    await raj.get_by_role("button", name=t("Grant"), exact=True).click()
    await _receipt_verified(raj)
    await _checked(raj, "granted", problems)
    for action, confirm in (("Pause", "Yes, pause it"), ("Resume", "Yes, resume it"),
                            ("Revoke", "Yes, revoke it")):
        await raj.goto("/me/consents")
        row = raj.get_by_role("row").filter(has_text="Lee Chen").filter(
            has=raj.get_by_role("button", name=re.compile(f"^{t(action)}")))
        await row.get_by_role("button", name=re.compile(f"^{t(action)}")).click()
        await _checked(raj, f"{action.lower()}-confirm", problems)
        await raj.get_by_role("button", name=t(confirm)).click()
        await _receipt_verified(raj)
        await _checked(raj, f"{action.lower()}-done", problems)
    assert not problems, problems
