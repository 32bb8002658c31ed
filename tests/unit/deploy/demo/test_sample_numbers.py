"""A demo's case numbers from its manifest: only what seeding wrote, refusals that say why."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from adapters.reference.catalog import REFERENCE_AGENCIES, synthetic
from adapters.reference.seed import generated_cases
from deploy.cli import main
from deploy.demo.run import DemoOptions, _banner
from deploy.demo.sample_numbers import MAX_MANIFEST_BYTES, demo_numbers

TODAY = date(2026, 12, 2)


def _manifest(cases: int) -> dict[str, Any]:
    """A manifest as deploy/demo/seeding.py writes it (samples: 3 per agency, whatever
    ``cases``)."""
    personas: dict[str, list[dict[str, str]]] = {}
    for agency in REFERENCE_AGENCIES:
        for persona, records in synthetic(agency).persona_cases(TODAY).items():
            personas.setdefault(persona, []).extend(
                {"agency": agency, "number": r.number, "case_type": r.case_type,
                 "access_code": r.access_code} for r in records)
    return {"today": TODAY.isoformat(), "seed": 2026, "cases": cases, "personas": personas,
            "samples": {a: [c.number for c in generated_cases(a, 3, 2026, TODAY)]
                        for a in REFERENCE_AGENCIES}}


def _cli(state_dir: Path, *args: str) -> tuple[int, str]:
    umask = os.umask(0o077)  # the CLI's group sets the umask; keep the suite's
    try:
        result = CliRunner().invoke(main, ["sample-numbers", "--state-dir", str(state_dir),
                                           *args])
    finally:
        os.umask(umask)
    return result.exit_code, result.output


@pytest.mark.parametrize("cases", [0, 1, 2, 3, 20])
def test_only_seeded_samples_are_listed(cases: int) -> None:
    """With fewer generated cases than samples, the samples never seeded are left out."""
    numbers = demo_numbers(_manifest(cases))
    generated = [n for n in numbers if not n.persona]
    assert len(generated) == len(REFERENCE_AGENCIES) * min(cases, 3)
    for agency in REFERENCE_AGENCIES:
        seeded = {c.number for c in generated_cases(agency, cases, 2026, TODAY)}
        assert {n.number for n in generated if n.agency == agency} <= seeded
    assert sum(bool(n.persona) for n in numbers) == 13  # the personas' cases, at any size


@pytest.mark.parametrize("cases", [0, 1])
def test_banner_prints_no_number_that_was_not_seeded(tmp_path: Path, cases: int) -> None:
    """The banner's generated numbers are the seeded ones; none at all with --cases 0."""
    manifest = _manifest(cases)
    banner = _banner(DemoOptions(state_dir=tmp_path), 8000, [], manifest)
    for agency, samples in manifest["samples"].items():
        for index, number in enumerate(samples):
            assert (number in banner) == (index < cases), (agency, number)
    assert ("Generated cases" in banner) == (cases > 0)
    again = f"'caseline sample-numbers --state-dir {tmp_path}' lists them again"
    assert (again in banner) == (cases > 0)


def test_sample_numbers_prints_each_number_once(tmp_path: Path) -> None:
    """Text and JSON lines list the same numbers: personas' with access codes, then generated."""
    (tmp_path / "demo.json").write_text(json.dumps(_manifest(20)))
    code, text = _cli(tmp_path)
    assert code == 0, text
    assert "IOE0990000001        ana's I-765  (access code 7KQ2-M9DX-R4PW)" in text
    code, lines = _cli(tmp_path, "--json")
    numbers = [json.loads(line) for line in lines.splitlines()]
    assert code == 0 and len(numbers) == len(text.splitlines()) == 13 + 9
    assert numbers[-1] == {"agency": "courts", "number": "A300000002", "persona": "",
                           "case_type": "", "access_code": ""}


def test_sample_numbers_refuses_an_unseeded_state_dir_and_creates_nothing(
        tmp_path: Path) -> None:
    """No demo there: a refusal naming the directory and the ways to name another."""
    missing = tmp_path / "never-seeded"
    code, output = _cli(missing)
    assert code == 1
    assert str(missing) in output and "--state-dir" in output and "CASELINE_STATE_DIR" in output
    assert not missing.exists()


@pytest.mark.parametrize(("content", "says"), [
    ("{not json", "unreadable"),
    ("[1, 2]", "expected a JSON object"),
    ('{"today": "2026-12-02"}', "lacks its case numbers"),
    (" " * (MAX_MANIFEST_BYTES + 1), "at most"),
])
def test_sample_numbers_says_what_is_wrong_with_a_manifest(tmp_path: Path, content: str,
                                                           says: str) -> None:
    """A damaged manifest is a one-line refusal, never a traceback."""
    (tmp_path / "demo.json").write_text(content)
    code, output = _cli(tmp_path)
    assert code == 1 and says in output and "Traceback" not in output
