"""Fetch the pinned USWDS release with npm and copy only the built files the pages use.

Run ``python -m gateway.web.assets`` after changing ``USWDS_VERSION``; commit the output
(``gateway/web/static/uswds/``) so that ``pip install`` alone serves the pages."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["USWDS_VERSION", "main"]

USWDS_VERSION = "3.9.0"
STATIC = Path(__file__).parent / "static" / "uswds"
# The pages use the stylesheet and every font and image it references (an info alert's
# icon, a ticked checkbox's mark, a select's arrows: a component a page adds must not 404
# what it draws), and the banner's flag; no JavaScript (every flow works without it).
_CSS = "css/uswds.min.css"
_IMAGES = ("img/us_flag_small.png",)
_FONT = re.compile(r"url\(\.\./(fonts/[^)]+\.woff2)\)")
_IMAGE = re.compile(r"url\(\.\./(img/[A-Za-z0-9_./-]+)\)")
# The hero component's photograph (143 KiB): no page has a hero.
_UNUSED = {"img/hero.jpg"}


def main() -> int:
    """Install, copy, and print what was written."""
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(["npm", "install", "--no-save", "--ignore-scripts", "--prefix", work,
                        f"@uswds/uswds@{USWDS_VERSION}"], check=True)
        dist = Path(work) / "node_modules" / "@uswds" / "uswds" / "dist"
        shutil.rmtree(STATIC, ignore_errors=True)
        css = (dist / _CSS).read_text()
        fonts = sorted(set(_FONT.findall(css)))
        images = sorted(set(_IMAGE.findall(css)) - _UNUSED)
        for name in (_CSS, *_IMAGES, *fonts, *images):
            (STATIC / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(dist / name, STATIC / name)
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            print(path.relative_to(STATIC.parent), path.stat().st_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
