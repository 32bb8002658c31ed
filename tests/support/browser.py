"""A real browser for the page tests: Debian's Chromium driven by Playwright, axe-core run
inside each page, screenshots at three widths, and the layout and keyboard checks WCAG asks.

Playwright cannot download its own browser here, so it drives /usr/bin/chromium, installing
it with apt-get when the suite runs as root (CI does) and failing with the command otherwise:
a browser test never skips.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, Playwright, Response, expect

from deploy.demo.personas import PERSONAS
from deploy.demo.sample_numbers import DemoNumber
from gateway.messages import message
from support.demo_process import Demo

__all__ = [
    "ARTIFACTS",
    "BROWSER",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "WIDTHS",
    "ConsoleWatch",
    "Numbers",
    "PageOpener",
    "agency_names",
    "axe_violations",
    "describe",
    "ensure_chromium",
    "focus_outline",
    "horizontal_overflow",
    "launch",
    "screenshots",
    "sign_in",
    "sign_out",
    "tab_to",
]

# Every browser test module's pytestmark: real processes, and the session's event loop, on
# which the one browser lives (tests/browser/conftest.py).
BROWSER = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
# Opens a page in a fresh browser context: one person each (tests/browser/conftest.py).
PageOpener = Callable[[], Awaitable[Page]]
CHROMIUM = Path("/usr/bin/chromium")
# Headless in a container: no sandbox (no user namespaces), no GPU, and nothing that phones
# home (the machine has no network but the package registries).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).parents[1] / "browser" / "artifacts"
# Desktop, a common phone, and the narrowest screen WCAG 1.4.10 (reflow) asks for.
WIDTHS = {"desktop": 1280, "375": 375, "320": 320}
INSTALL = ["apt-get", "install", "-y", "-q", "chromium"]


@dataclass(frozen=True)
class Numbers:
    """Case numbers to look up on a demo."""

    good: DemoNumber  # ana's first case at immigration
    malformed: str  # in no agency's format
    unknown: str  # in immigration's format, and no case has it
    all: list[DemoNumber]


def agency_names(demo: Demo) -> dict[str, str]:
    """The demo's agencies, id -> English name, as its API lists them."""
    body = demo.graphql("{ agencies { id name } }")
    data = body["data"]
    assert isinstance(data, dict)
    return {a["id"]: a["name"] for a in data["agencies"]}


def ensure_chromium() -> Path:
    """Debian's Chromium, installed with apt-get when missing and running as root; otherwise
    an error naming the command to run."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.geteuid() != 0:
        raise RuntimeError(f"the browser tests need Debian's Chromium at {CHROMIUM}: run "
                           f"`sudo apt-get update && sudo {' '.join(INSTALL)}`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(INSTALL, env=env, capture_output=True, check=False).returncode != 0:
        # A fresh machine has no package lists yet.
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=True)
        subprocess.run(INSTALL, env=env, capture_output=True, check=True)
    if not CHROMIUM.exists():
        raise RuntimeError(f"`{' '.join(INSTALL)}` ran but {CHROMIUM} is still missing")
    return CHROMIUM


async def launch(playwright: Playwright) -> Browser:
    """One headless Chromium for the whole session (tests open their own contexts)."""
    return await playwright.chromium.launch(executable_path=str(ensure_chromium()),
                                      args=CHROMIUM_ARGS, headless=True)


def _axe_source() -> str:
    # axe-playwright-python ships axe-core's built axe.min.js (its version pinned in
    # pyproject); the test reads the file itself and runs axe with its own options.
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text()


AXE_SOURCE = _axe_source()


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on ``page`` as it is, every rule axe runs by default (WCAG 2.0,
    2.1 and 2.2 A and AA, and its best practices).

    ``page.evaluate`` runs in the page through the DevTools protocol, which the page's
    Content-Security-Policy (script-src 'none') does not govern, so the page is checked with
    its real policy in force.
    """
    await page.evaluate(AXE_SOURCE)
    found: list[dict[str, Any]] = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return found


def describe(violations: list[dict[str, Any]]) -> str:
    """Violations as readable lines: rule, impact, help and the offending elements."""
    lines = []
    for violation in violations:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} "
                     f"-> {targets[:5]}")
    return "\n".join(lines)


async def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than its viewport (0: no horizontal scroll)."""
    overflow: int = await page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    return overflow


async def screenshots(page: Page, name: str) -> list[Path]:
    """Full-page screenshots of ``page`` at each of WIDTHS, as ARTIFACTS/<name>-<width>.png;
    the viewport is put back afterwards."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    saved = []
    for label, width in WIDTHS.items():
        await page.set_viewport_size({"width": width, "height": 900})
        path = ARTIFACTS / f"{name}-{label}.png"
        await page.screenshot(path=str(path), full_page=True)
        saved.append(path)
    if before is not None:
        await page.set_viewport_size(before)
    return saved


async def tab_to(page: Page, selector: str, limit: int = 40) -> int:
    """Press Tab until the element matching ``selector`` has focus; returns how many presses
    it took (AssertionError if it is not reached in ``limit``)."""
    for presses in range(1, limit + 1):
        await page.keyboard.press("Tab")
        if await page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return presses
    raise AssertionError(f"{selector} never got the focus in {limit} presses of Tab")


async def focus_outline(page: Page) -> dict[str, str]:
    """The focused element's outline as computed (style, width, colour)."""
    outline: dict[str, str] = await page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement); "
        "return {style: s.outlineStyle, width: s.outlineWidth, color: s.outlineColor}; }")
    return outline


@dataclass
class ConsoleWatch:
    """What a page did that a test should fail on: Content-Security-Policy refusals
    (Chromium reports each on the console), script errors, and a stylesheet, font, image or
    script that did not load (the page's own status may be 4xx: a refused lookup is one)."""

    csp: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> ConsoleWatch:
        """Listen to ``page`` from now on."""
        page.on("console", self._heard)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("response", self._loaded)
        return self

    def _heard(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.csp.append(message.text)

    def _loaded(self, response: Response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            self.missing.append(f"{response.status} {response.url}")

    def clean(self) -> bool:
        """Nothing was refused, thrown or missing."""
        return not (self.csp or self.errors or self.missing)


async def sign_in(page: Page, persona: str, language: str = "en", start: str = "/") -> None:
    """Sign in as a demo persona the way a person does: on ``start``, the header's "Sign in"
    link, the demo provider's persona page, the button with the persona's name; back on
    ``start``, which is then shown in ``language`` (a signed-in person's choice is stored:
    ana's own preference is Spanish)."""
    name = PERSONAS[persona].name
    address = f"{start}{'&' if '?' in start else '?'}lang={language}"
    await page.goto(address)
    if "/demo-oidc/" not in page.url:  # a page that needs no sign-in: the header's link
        await page.get_by_role("navigation").get_by_role(
            "link", name=message(language, "Sign in")).click()
    await page.get_by_role("button", name=re.compile(re.escape(name))).click()
    await page.wait_for_url(lambda url: "/demo-oidc/" not in url and "/sign-in" not in url)
    await page.goto(address)
    await expect(page.get_by_role("button", name=message(
        language, "Sign out {name}", name=name))).to_be_visible()


async def sign_out(page: Page, persona: str) -> None:
    """Sign out with the header's button (in English or Spanish: a signed-in person's page
    follows their stored preference); the header then offers to sign in again."""
    name = PERSONAS[persona].name
    button = "|".join(re.escape(message(lang, "Sign out {name}", name=name))
                      for lang in ("en", "es"))
    await page.get_by_role("button", name=re.compile(f"^({button})$")).click()
    link = "|".join(re.escape(message(lang, "Sign in")) for lang in ("en", "es"))
    await expect(page.get_by_role("navigation").get_by_role(
        "link", name=re.compile(f"^({link})$"))).to_be_visible()
