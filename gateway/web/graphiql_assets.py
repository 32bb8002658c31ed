"""Fetch the pinned GraphiQL, React and explorer-plugin releases with npm and copy their
built browser files into ``gateway/web/static/graphiql/vendor/``, so the demo's GraphiQL
(gateway/web/graphiql.py) loads nothing from a CDN: it works offline and under a CSP of
``script-src 'self'``.

Why GraphiQL 3's UMD build and not GraphiQL 5: graphiql 3.8.3 ships ``graphiql.min.js``, a
browser-ready script that reads React from the ``React``/``ReactDOM`` globals of React 18's
own UMD files, so copying five files is the whole build: no bundler to pin, run and keep
secure. GraphiQL 5 ships only ES modules (and Monaco, whose editor runs in web workers):
it needs an esbuild step, a worker policy in the CSP, and several megabytes more. These are
also the very versions strawberry's own GraphiQL page loads from unpkg (see its
``static/graphiql.html``), so the page behaves as strawberry's did, only from here.

Run ``python -m gateway.web.graphiql_assets`` after changing a version below; commit the
output so that ``pip install`` alone serves the page (pyproject.toml lists it as package
data). The files are copied unchanged but for their ``sourceMappingURL`` comments (the maps
are not copied, so a browser's developer tools would ask for them in vain); each package's
licence file, where it ships one, is copied beside them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["GRAPHIQL_VERSION", "PACKAGES", "VENDOR", "main"]

GRAPHIQL_VERSION = "3.8.3"
# graphiql 3.8 asks for React 18 (its peer range is ^16.8 || ^17 || ^18); the explorer
# plugin 1.0.2 is the one built against graphiql 3's globals (GraphiQL.React).
PACKAGES = {"graphiql": GRAPHIQL_VERSION, "react": "18.2.0", "react-dom": "18.2.0",
            "@graphiql/plugin-explorer": "1.0.2"}
VENDOR = Path(__file__).parent / "static" / "graphiql" / "vendor"
# Where each file is served from (under VENDOR) <- where the package has it.
_FILES = {
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "graphiql.min.css": "graphiql/graphiql.min.css",
    "plugin-explorer.umd.js": "@graphiql/plugin-explorer/dist/index.umd.js",
    "plugin-explorer.css": "@graphiql/plugin-explorer/dist/style.css",
}
_SOURCE_MAP = re.compile(r"\n?/[/*]# sourceMappingURL=\S+?(?: ?\*/)?\s*$")


def main() -> int:
    """Install, copy, and print what was written."""
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(["npm", "install", "--no-save", "--ignore-scripts", "--prefix", work,
                        *(f"{name}@{version}" for name, version in PACKAGES.items())],
                       check=True)
        modules = Path(work) / "node_modules"
        shutil.rmtree(VENDOR, ignore_errors=True)
        VENDOR.mkdir(parents=True)
        for served, packaged in _FILES.items():
            text = (modules / packaged).read_text(encoding="utf-8")
            (VENDOR / served).write_text(_SOURCE_MAP.sub("\n", text), encoding="utf-8")
        for name in PACKAGES:
            # All MIT; the explorer plugin's package has no LICENSE file (only the field).
            licence = modules / name / "LICENSE"
            if licence.is_file():
                shutil.copy2(licence, VENDOR / f"{name.rsplit('/', 1)[-1]}.LICENSE.txt")
    for path in sorted(VENDOR.iterdir()):
        print(path.relative_to(VENDOR.parent.parent), path.stat().st_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
