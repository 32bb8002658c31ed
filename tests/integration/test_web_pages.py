"""The web pages on a real `caseline demo`: a persona's case through the page, in Spanish,
and the USWDS stylesheet and a font it references, served from the installed package."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from support.demo_process import start_demo

pytestmark = pytest.mark.integration


def test_a_persona_case_page_and_its_assets_are_served(tmp_path: Path) -> None:
    """ana's I-765 renders as a Spanish status card with the agency's own words; the form
    lists each agency's described formats; the stylesheet and a font it uses are served."""
    demo = start_demo(tmp_path / "state", "--cases", "50")
    try:
        with httpx.Client(base_url=demo.base_url, timeout=15) as client:
            card = client.get("/status", params={"number": "IOE0990000001", "lang": "es"})
            form = client.get("/")
            css = client.get("/static/uswds/css/uswds.min.css")
            font = client.get("/static/uswds/fonts/source-sans-pro/"
                              "sourcesanspro-regular-webfont.woff2")
    finally:
        assert demo.stop() == 0
    assert card.status_code == 200, card.text
    assert '<html lang="es">' in card.text
    assert "IOE0990000001" in card.text and "I-765" in card.text
    assert "Las palabras de la agencia" in card.text
    assert "usa-step-indicator" in card.text
    assert "default-src 'self'" in card.headers["content-security-policy"]
    assert form.status_code == 200 and form.text.count("<li><strong>") == 3
    assert css.status_code == 200 and ".usa-banner" in css.text
    assert font.status_code == 200 and font.content[:4] == b"wOF2"
