"""The README's quickstart stays true: CI runs exactly its test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]


def _quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Quickstart.*?```sh\n(.*?)```", readme, re.S)
    assert block, "README has no Quickstart sh block"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_quickstart_is_exactly_two_commands_demo_then_tests() -> None:
    """The first screen shows two commands: one runs the demo, one runs the tests."""
    demo, tests = _quickstart_commands()
    assert demo.endswith("caseline demo")
    assert tests.endswith("pytest")


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run contains the README's test command verbatim."""
    _, tests = _quickstart_commands()
    assert tests in (ROOT / ".ci" / "run").read_text().splitlines()
