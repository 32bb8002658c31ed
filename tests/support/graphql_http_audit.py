"""The GraphQL over HTTP specification's reference audit, npm ``graphql-http``'s
``serverAudits``, run by node (graphql_http_audit.mjs beside this file) against a URL.

graphql-http is pinned (:data:`VERSION`, with the ``graphql`` it loads) and lives under
.ci/node_modules, where .ci/run installs it; a test run that finds it missing installs it
there the same way."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parents[2]
PREFIX = ROOT / ".ci"
SCRIPT = Path(__file__).with_suffix(".mjs")
VERSION = "1.23.1"
GRAPHQL_VERSION = "16.15.0"  # graphql-http's peer dependency: its handler imports graphql
PACKAGES = (f"graphql-http@{VERSION}", f"graphql@{GRAPHQL_VERSION}")
STATUSES = ("ok", "notice", "warn", "error", "fatal")


@dataclass(frozen=True)
class AuditResult:
    """One audit's outcome: ``status`` is ok, notice (a MAY not met), warn (a SHOULD),
    error (a MUST) or fatal (the audit could not run); the response's status and body when
    it failed."""

    id: str
    name: str
    status: str
    reason: str | None = None
    http_status: int | None = None
    body: str | None = None


def install(prefix: Path = PREFIX) -> Path:
    """The npm prefix holding graphql-http at :data:`VERSION`, installed there unless it
    already is; node and npm must be on PATH."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not on PATH: the GraphQL over HTTP audit runs on "
                               "Node.js (apt-get install nodejs npm)")
    manifest = prefix / "node_modules" / "graphql-http" / "package.json"
    if not manifest.is_file() or json.loads(manifest.read_text())["version"] != VERSION:
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "-E",
                        "--prefix", str(prefix), *PACKAGES],
                       check=True, capture_output=True, timeout=300)
    return prefix


def run_audit(url: str, prefix: Path = PREFIX) -> list[AuditResult]:
    """Every server audit against the GraphQL endpoint ``url``, in the audit's order."""
    done = subprocess.run(["node", str(SCRIPT), url, str(install(prefix))],
                          capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the audit did not run ({done.returncode}): {done.stderr}")
    return [AuditResult(r["id"], r["name"], r["status"], r.get("reason"),
                        r.get("httpStatus"), r.get("body"))
            for r in json.loads(done.stdout)]


def figures(results: list[AuditResult]) -> dict[str, int]:
    """How many audits ended in each status (all statuses, zeros included)."""
    counts = Counter(r.status for r in results)
    return {status: counts[status] for status in STATUSES}


def summary(label: str, results: list[AuditResult]) -> str:
    """A few lines for the test output: the figures, then each audit not ok with why."""
    counts = figures(results)
    lines = [f"graphql-http {VERSION} serverAudits, {label}: {len(results)} audits, "
             + ", ".join(f"{n} {status}" for status, n in counts.items())]
    lines += [f"  {r.status:6} {r.id} {r.name}: {r.reason} (HTTP {r.http_status})"
              for r in results if r.status != "ok"]
    return "\n".join(lines)
