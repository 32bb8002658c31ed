"""Notifications end to end in a real browser against the real `caseline demo`: an agency
records a change on ana's case with `caseline adapter record-event` (a subprocess), and ana,
signed in with her stored Spanish, sees it appear on /me/notifications and in the header's
badge on /me without a reload (Server-Sent Events), and on /me (her timeline) as a line at
the top of the page; the pages pass axe-core, and the change's e-mail (in Spanish, without
case details) lands in the demo's mail sink, STATE_DIR/mail/.
Screenshots under tests/browser/artifacts/notifications-demo-*.png."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import sys
import time
from email.message import EmailMessage
from pathlib import Path

from playwright.async_api import Page, expect

from support.browser import (
    BROWSER,
    axe_violations,
    describe,
    horizontal_overflow,
    screenshots,
    sign_in,
)
from support.demo_process import ROOT, Demo

pytestmark = BROWSER

ANA_COURT_CASE = "A201555123"
ANA_I130 = "IOE0990000002"
# How long an e-mail may take to land in the sink before the test gives up (a bound, not a
# measurement).
MAIL_WAIT_S = 15.0


async def _record(demo: Demo, agency: str, number: str, status: str) -> None:
    """`caseline adapter record-event` against the demo's state directory, at the current
    second (after the previous one: two changes on a case never share a time)."""
    await asyncio.sleep(1.1)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "deploy.cli", "adapter", "record-event", agency, number, status,
        "--state-dir", str(demo.state_dir), cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, out.decode()
    assert out.decode().startswith(f"recorded {agency} {number}"), out.decode()


async def _mail_for(folder: Path, notification_id: str) -> EmailMessage:
    """The e-mail in the sink whose Message-ID carries ``notification_id``."""
    wanted = f"<{notification_id}@"
    deadline = time.monotonic() + MAIL_WAIT_S
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.eml")) if folder.is_dir() else []:
            parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            if str(parsed["Message-ID"]).startswith(wanted):
                return parsed
        await asyncio.sleep(0.3)
    found = sorted(p.name for p in folder.glob("*.eml")) if folder.is_dir() else []
    raise AssertionError(f"no e-mail for notification {notification_id} in {folder} after "
                         f"{MAIL_WAIT_S} s; files: {found}")


async def _axe_clean(page: Page) -> None:
    violations = await axe_violations(page)
    assert not violations, describe(violations)


async def _count(page: Page) -> int:
    return int(await page.locator("#caseline-unread").get_attribute("data-count") or "0")


async def test_ana_sees_a_recorded_change_live_and_finds_its_email(page: Page,
                                                                   demo: Demo) -> None:
    """A court hearing recorded while ana's notification page is open appears at the top,
    in Spanish, with the badge counting it, announced, without a reload; its e-mail is in the
    sink, in Spanish, with no case number in it."""
    await sign_in(page, "ana", "es", start="/me/notifications")
    await expect(page.get_by_role("heading", name="Notificaciones")).to_be_visible()
    await _axe_clean(page)
    unread = await _count(page)
    await page.evaluate("() => { window.caselineNotReloaded = true; }")

    await _record(demo, "courts", ANA_COURT_CASE, "MASTER CALENDAR HEARING SCHEDULED")
    first = page.locator("#caseline-notifications > li").first
    await expect(first).to_contain_text("Se fijó una audiencia corta")
    await expect(first).to_contain_text(ANA_COURT_CASE)
    await expect(page.locator("#caseline-unread")).to_have_attribute(
        "data-count", str(unread + 1))
    await expect(page.locator("#caseline-live")).to_have_text(
        "Nueva notificación: Se fijó una audiencia corta")
    assert await page.evaluate("() => window.caselineNotReloaded === true")
    await _axe_clean(page)
    await screenshots(page, "notifications-demo-live-es")

    notification_id = await first.get_attribute("data-id")
    assert notification_id
    mail = await _mail_for(demo.state_dir / "mail", notification_id)
    assert mail["To"] == "ana@example.org"
    assert mail["Subject"].startswith("Hubo un cambio en un caso: ")
    assert mail["List-Unsubscribe"]
    body = mail.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Para proteger su privacidad" in text
    assert ANA_COURT_CASE not in text and "audiencia" not in text.lower()


async def test_her_timeline_shows_a_recorded_change_without_a_reload(page: Page,
                                                                     demo: Demo) -> None:
    """On /me (her timeline), a change recorded while it is open appears at the top of the
    page in a polite live region, in Spanish ("Nuevo: <title> en <agency> — <time>", the
    time in words), its title a link to that agency's events, where it is the newest; the
    header's badge counts it; all without a reload, and the page passes axe-core."""
    await sign_in(page, "ana", "es", start="/me")
    unread = await _count(page)
    region = page.locator("#caseline-timeline-live")
    await expect(region).to_have_attribute("aria-live", "polite")
    await expect(region).to_be_empty()
    await page.evaluate("() => { window.caselineNotReloaded = true; }")
    await _record(demo, "immigration", ANA_I130, "Case Is Being Actively Reviewed By USCIS")
    line = region.locator(".caseline-timeline-new")
    await expect(line).to_have_count(1)
    await expect(line).to_have_text(re.compile(
        r"^\s*Nuevo: .+ en Servicio de Ciudadanía e Inmigración de los Estados Unidos — "
        r"\d{1,2} de [a-z]+ de \d{4}, \d{1,2}:\d{2} UTC\s*$"))
    await expect(line.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-"))
    badge = page.locator("#caseline-unread")
    await expect(badge).to_be_visible()
    await expect(badge).to_have_attribute("data-count", str(unread + 1))
    await expect(badge).to_contain_text(str(unread + 1))
    # Said once, by the timeline's own region (not the header's announcer too).
    await expect(page.locator("#caseline-live")).to_be_empty()
    assert await page.evaluate("() => window.caselineNotReloaded === true")
    await _axe_clean(page)
    await screenshots(page, "notifications-demo-timeline-es")
    assert await horizontal_overflow(page) == 0

    link = line.get_by_role("link")
    title = (await link.inner_text()).strip()
    await expect(link).to_have_attribute("href", "/me?agency=immigration#events")
    await link.click()
    await expect(page).to_have_url(re.compile(r"/me\?agency=immigration#events$"))
    newest = page.locator(".caseline-events > li").first
    await expect(newest.locator("h3")).to_contain_text(title)
    await expect(newest).to_contain_text(ANA_I130)
