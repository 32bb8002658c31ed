"""The case numbers a demo can look up, from its manifest (``demo.json``).

The personas' numbers are the same for every seed, size and day; the generated ones follow
the day the demo was seeded, so they are read from what that seeding wrote, never from docs.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from deploy.demo.state import DemoState

__all__ = ["DemoNumber", "ManifestError", "demo_numbers", "read_demo_numbers"]

# demo.json is a few kilobytes; anything far larger is not a manifest this demo wrote.
MAX_MANIFEST_BYTES = 1_000_000


class ManifestError(Exception):
    """The state directory has no usable demo manifest (the message says why)."""


@dataclass(frozen=True, slots=True)
class DemoNumber:
    """One case number of a seeded demo: a persona's (with its access code) or a generated
    one (persona, case type and access code empty)."""

    agency: str
    number: str
    persona: str = ""
    case_type: str = ""
    access_code: str = ""

    def describe(self, seeded_on: str) -> str:
        """One aligned line, as the demo's banner prints a persona's case."""
        if self.persona:
            about = f"{self.persona}'s {self.case_type}  (access code {self.access_code})"
        else:
            about = f"generated, seeded {seeded_on}"
        return f"{self.agency:<12} {self.number:<20} {about}"

    def to_json(self) -> str:
        """The number as one JSON object."""
        return json.dumps(asdict(self))


def demo_numbers(manifest: dict[str, Any]) -> list[DemoNumber]:
    """Every number the seeding behind ``manifest`` wrote to the stores that the manifest
    lists: the personas' first, then the generated samples.

    A manifest lists a few samples per agency even when fewer cases were generated
    (``--cases 1``); only those that were seeded are returned, so every one resolves.
    """
    try:
        numbers = [DemoNumber(str(case["agency"]), str(case["number"]), str(persona),
                              str(case["case_type"]), str(case["access_code"]))
                   for persona, cases in manifest["personas"].items() for case in cases]
        generated = int(manifest["cases"])
        numbers += [DemoNumber(str(agency), str(number))
                    for agency, samples in manifest["samples"].items()
                    for number in samples[:max(generated, 0)]]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ManifestError(f"the demo manifest lacks its case numbers ({exc!r}); remove "
                            "demo.json and run 'caseline demo' to seed again") from exc
    return numbers


def read_demo_numbers(state: DemoState) -> tuple[str, list[DemoNumber]]:
    """The seeding day and the numbers of the demo in ``state``; ManifestError when it has
    not been seeded or its manifest is unreadable."""
    try:
        size = state.manifest.stat().st_size
    except FileNotFoundError:
        raise ManifestError(f"no demo data in {state.root} (no demo.json): run 'caseline "
                            "demo' first, or name the demo's state directory with "
                            "--state-dir or CASELINE_STATE_DIR") from None
    if size > MAX_MANIFEST_BYTES:
        raise ManifestError(f"{state.manifest} is {size:,} bytes; a demo manifest is at most "
                            f"{MAX_MANIFEST_BYTES:,}")
    try:
        manifest = state.read_manifest()
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{state.manifest} is unreadable: {exc}") from exc
    if manifest is None:  # removed since it was measured
        raise ManifestError(f"no demo data in {state.root} (no demo.json)")
    if not isinstance(manifest, dict):
        raise ManifestError(f"{state.manifest} is not a demo manifest (expected a JSON object)")
    return str(manifest.get("today", "?")), demo_numbers(manifest)
