"""Runs the pages' receipt check (gateway/web/static/receipt.js) in Node, whose WebCrypto has
SHA-256 and Ed25519 as browsers do: the script is loaded as a browser loads it (a classic
script, no module system) and ``CaselineReceipt.verifyReceipt`` is called per receipt."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from typing import Any

from gateway.web.app import STATIC

__all__ = ["SCRIPT", "check_in_node", "receipts_in_page"]

SCRIPT = STATIC / "receipt.js"
# ``noEd25519`` makes WebCrypto refuse Ed25519 like a browser without it.
_HARNESS = """
const fs = require("fs"), vm = require("vm");
vm.runInThisContext(fs.readFileSync(process.argv[1], "utf8"));
const input = JSON.parse(fs.readFileSync(0, "utf8"));
if (input.noEd25519) {
  const real = crypto.subtle.importKey.bind(crypto.subtle);
  crypto.subtle.importKey = (f, k, alg, ...rest) => alg && alg.name === "Ed25519"
    ? Promise.reject(new Error("NotSupportedError")) : real(f, k, alg, ...rest);
}
Promise.all(input.receipts.map(r => CaselineReceipt.verifyReceipt(r)))
  .then(results => process.stdout.write(JSON.stringify(results)));
"""


def check_in_node(*receipts: dict[str, Any], no_ed25519: bool = False) -> list[str]:
    """"ok", "bad" or "unsupported" per receipt (``leafIndex``, ``treeSize``, ``leafHash``,
    ``rootHash``, ``proof`` list, ``checkpoint``, ``key``), as the page script decides."""
    node = shutil.which("node")
    assert node, "node (20 or later) is needed to run the page script's check"
    done = subprocess.run([node, "-e", _HARNESS, str(SCRIPT)], check=True, timeout=60,
                          input=json.dumps({"receipts": receipts, "noEd25519": no_ed25519}),
                          capture_output=True, text=True)
    return list(json.loads(done.stdout))


class _Receipts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        data = {k: v or "" for k, v in attrs}
        if tag == "section" and "caseline-receipt" in data.get("class", "").split():
            self.found.append({
                "leafIndex": int(data["data-leaf-index"]),
                "treeSize": int(data["data-tree-size"]), "leafHash": data["data-leaf-hash"],
                "rootHash": data["data-root-hash"],
                "proof": [p for p in data["data-proof"].split(",") if p],
                "checkpoint": data["data-checkpoint"], "key": data["data-key"]})


def receipts_in_page(page: str) -> list[dict[str, Any]]:
    """The receipts a page's markup carries, read from its data attributes as the script
    reads them (HTML-unescaped)."""
    parser = _Receipts()
    parser.feed(page)
    return parser.found
