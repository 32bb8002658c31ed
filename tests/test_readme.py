"""The README stays true: CI runs exactly its test command; its commands run against a fresh
demo, every case number it shows resolves there, its banner is the demo's, and every command
its table and examples name exists with the options they give it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
from click.testing import CliRunner

from adapters.courts import numbers as courts_numbers
from adapters.immigration import numbers as immigration_numbers
from adapters.labor import numbers as labor_numbers
from deploy.cli import main
from support.demo_process import Demo, start_demo

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()
DEMO_URL = "http://127.0.0.1:8000"
VENV_BIN = Path(sys.executable).parent
# Personas' cases exist at any size; a few generated ones keep the samples' check honest.
CASES = "20"

# sh blocks the test does not run, by their first line, and why; their commands are still
# checked against the CLI (see test_commands_in_unrun_blocks_exist).
NOT_RUN = {
    "# 1. Run the demo": "the quickstart: it installs, and starts a demo that runs until "
                         "Ctrl-C (the quickstart tests below pin it)",
    "# an agency's adapter": "a production set-up: certificates and hosts of an installation",
    "caseline gateway serve …": "an excerpt of a production command line",
    "# every replica of the installation": "a production set-up: an installation's Redis",
    "# trusted documents": "a production set-up: an integration's manifest (partner.json)",
    "# sign-in at an installation's identity provider": "a production set-up: an identity "
                                                       "provider and secrets of an installation",
    "# a trial's certificates and secrets": "needs a container engine (tests/unit/deploy/"
                                            "test_compose.py runs its certificate steps)",
    "kubectl apply": "needs a Kubernetes cluster (tests/unit/deploy/ check the manifests)",
    "# the demo on the scale engines": "starts a second demo that runs until Ctrl-C "
                                       "(tests/acceptance run the demo on both engines)",
    "# a logical dump": "the backup runbook: dumps and restores an installation's database",
}
# Shell helper prepended to every block run: each curl call fails on an HTTP error and leaves
# its output (and, to tell GraphQL calls apart, its arguments) in $CURL_LOG.
CURL_SHIM = r"""
curl() {
  local out
  out=$(mktemp "$CURL_LOG/call.XXXXXX")
  printf '%s\n' "$@" > "$out.args"
  command curl --fail-with-body "$@" | tee "$out"
  return "${PIPESTATUS[0]}"
}
set -eo pipefail
"""
LOOKUP = ("query($n: String!) { caseStatus(number: $n) { __typename ... on CaseStatus "
          "{ number agency { id } } ... on CaseLookupError { code message } } }")
_ISO_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")


# --- the quickstart ----------------------------------------------------------------------------

def _quickstart_commands() -> list[str]:
    block = re.search(r"## Quickstart.*?```sh\n(.*?)```", README, re.S)
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


# --- commands named in the README exist ------------------------------------------------------

def _sh_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, re.S)


def _unrun(block: str) -> bool:
    return any(block.startswith(first) for first in NOT_RUN)


def _invocations(text: str) -> list[list[str]]:
    """The words after each `caseline` in a text of shell commands, up to a shell operator
    (`…/bin/caseline` is one; a name containing it, such as `/var/lib/caseline` or
    `--namespace=caseline`, is not)."""
    joined = text.replace("\\\n", " ")
    return [words.split() for words in re.findall(
        r"(?:(?<=bin/)|(?<![\w/=.-]))caseline(?![\w.-])((?:[ \t]+[^\s|;&)`]+)*)", joined)]


def _command(words: list[str]) -> tuple[list[str], click.Command]:
    """The subcommand path ``words`` start with, and the command it names."""
    command: click.Command = main
    path: list[str] = []
    for word in words:
        if not isinstance(command, click.Group) or word not in command.commands:
            break
        command = command.commands[word]
        path.append(word)
    return path, command


def _check_command(words: list[str], options: list[str], where: str) -> None:
    """``caseline WORDS... --help`` exits 0, names a command (not a group), and that command
    takes every option in ``options``."""
    path, command = _command(words)
    assert path and not isinstance(command, click.Group), \
        f"{where}: 'caseline {' '.join(words)}' names no caseline command"
    umask = os.umask(0o077)  # the CLI's group sets the caller's umask; keep the suite's
    try:
        result = CliRunner().invoke(main, [*path, "--help"])
    finally:
        os.umask(umask)
    assert result.exit_code == 0, f"{where}: caseline {' '.join(path)} --help:\n{result.output}"
    known = {o for p in command.params for o in (*p.opts, *p.secondary_opts)} | {"--help"}
    unknown = sorted(set(options) - known)
    assert not unknown, f"{where}: caseline {' '.join(path)} has no option {', '.join(unknown)}"


def _options(text: str) -> list[str]:
    return re.findall(r"(?<![\w-])--[a-z][a-z-]*", text)


def _table_rows() -> list[str]:
    return [line for line in README.splitlines() if line.startswith("| `caseline ")]


def test_table_rows_are_real_commands() -> None:
    """Every row of the command table is a real command taking the options the row names."""
    rows = _table_rows()
    assert len(rows) >= 10, "the README's command table is missing"
    for row in rows:
        words = _invocations(row.split("`")[1])[0]
        _check_command(words, _options(row), row[:60])


def test_the_table_lists_sample_numbers() -> None:
    """The command that prints a demo's generated numbers is in the table."""
    assert any(row.startswith("| `caseline sample-numbers") for row in _table_rows())


def test_commands_in_unrun_blocks_exist() -> None:
    """Blocks the demo test does not run are still made of real commands and options, and
    each block NOT_RUN names is still in the README (or the exemption goes)."""
    unrun = [block for block in _sh_blocks() if _unrun(block)]
    assert len(unrun) == len(NOT_RUN), "a NOT_RUN entry matches no README block"
    for block in unrun:
        for line in block.replace("\\\n", " ").splitlines():
            for words in _invocations(line):  # options of other tools on the line aside
                _check_command(words, _options(" ".join(words)), line.strip()[:60])


# --- against a fresh demo ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """One fresh demo, default seed, on a port of its own."""
    running = start_demo(tmp_path_factory.mktemp("readme-state"), "--cases", CASES)
    yield running
    assert running.stop() == 0


def _readme_numbers() -> set[str]:
    """Every word of the README that one of the agencies takes for a case number (dates
    aside: a court's A-number may be written with dashes, so a date would pass for one)."""
    found = set()
    for word in set(re.findall(r"[A-Za-z0-9][A-Za-z0-9-]*", README)):
        if not any(c.isdigit() for c in word) or _ISO_DATE.match(word):
            continue
        for formats in (immigration_numbers, labor_numbers, courts_numbers):
            try:
                formats.normalize(word)
            except ValueError:
                continue
            found.add(word)
    return found


def _unresolved(demo: Demo, numbers: set[str]) -> dict[str, Any]:
    """The numbers the demo does not find, with what it answered."""
    missing = {}
    for number in sorted(numbers):
        answer = httpx.post(f"{demo.base_url}/graphql", timeout=15,
                            json={"query": LOOKUP, "variables": {"n": number}}).json()
        status = (answer.get("data") or {}).get("caseStatus") or {}
        if "errors" in answer or status.get("__typename") != "CaseStatus":
            missing[number] = answer
    return missing


def test_every_number_in_the_readme_resolves(demo: Demo) -> None:
    """No number the README shows is NOT_FOUND or INVALID_NUMBER on a fresh demo."""
    numbers = _readme_numbers()
    assert len(numbers) >= 10, f"expected the personas' numbers in the README, found {numbers}"
    assert not _unresolved(demo, numbers)


def _normalized(text: str, state_dir: str) -> list[str]:
    """Banner lines with what differs between runs (ports, dates, sizes, paths) made equal."""
    text = text.replace(state_dir, "STATE").replace("/home/you/.caseline", "STATE")
    text = text.replace(" --state-dir STATE", "")
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    text = re.sub(r"\d{4}-\d\d-\d\d", "DATE", text)
    text = re.sub(r"\([\d,]+ generated cases", "(N generated cases", text)
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def test_the_readme_shows_the_banner_the_demo_prints(demo: Demo) -> None:
    """The README's banner is the demo's, line for line in order ('...' elides lines), and
    every case number the banner prints resolves."""
    shown = re.search(r"It prints:\n\n```\n(.*?)```", README, re.S)
    assert shown, "README has no banner after 'It prints:'"
    printed = "".join(demo.output)
    actual = _normalized(printed, str(demo.state_dir))
    position = 0
    for line in _normalized(shown.group(1), str(demo.state_dir)):
        if line.strip() == "...":
            continue
        assert line in actual[position:], f"the demo's banner has no line (in this order):\n" \
                                          f"{line}\nit printed:\n" + "\n".join(actual)
        position = actual.index(line, position) + 1
    numbers = set(re.findall(r"^  \w+ +([A-Z][A-Z0-9-]{8,})\b", printed, re.M))
    numbers |= {n for line in re.findall(r"^  (?:immigration|labor|courts) +(.*, .*)$",
                                         printed, re.M) for n in line.split(", ")}
    assert len(numbers) == 13 + 3 * 3, numbers  # personas' cases, 3 generated per agency
    assert not _unresolved(demo, numbers)


def _caseline(demo: Demo, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CASELINE_STATE_DIR": str(demo.state_dir)}
    return subprocess.run([str(VENV_BIN / "caseline"), *args], check=False, text=True,
                          capture_output=True, timeout=60, env=env)


def test_sample_numbers_prints_the_demos_numbers_and_each_resolves(demo: Demo) -> None:
    """`caseline sample-numbers` lists the personas' and the generated cases; all resolve."""
    result = _caseline(demo, "sample-numbers", "--json")
    assert result.returncode == 0, result.stderr
    numbers = [json.loads(line) for line in result.stdout.splitlines()]
    assert {n["number"] for n in numbers if n["persona"]} >= _readme_numbers()
    assert sum(not n["persona"] for n in numbers) == 3 * 3
    assert not _unresolved(demo, {n["number"] for n in numbers})
    text = _caseline(demo, "sample-numbers")
    assert text.returncode == 0 and len(text.stdout.splitlines()) == len(numbers)


def _run_block(block: str, demo: Demo, workdir: Path) -> list[tuple[str, str]]:
    """Run one README block against ``demo``; the (arguments, output) of its curl calls."""
    log = workdir / "curl"
    log.mkdir(exist_ok=True)
    for old in log.iterdir():
        old.unlink()
    script = block.replace(DEMO_URL, demo.base_url).replace(".venv/bin/", f"{VENV_BIN}/")
    env = {**os.environ, "CASELINE_STATE_DIR": str(demo.state_dir), "CURL_LOG": str(log),
           "HOME": str(workdir), "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["bash", "-c", CURL_SHIM + script], check=False, cwd=workdir, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, (f"README block failed (exit {result.returncode}):\n"
                                    f"{block}\nstdout:\n{result.stdout}\n"
                                    f"stderr:\n{result.stderr}")
    return [(path.with_name(path.name + ".args").read_text(), path.read_text())
            for path in sorted(log.iterdir()) if not path.name.endswith(".args")]


def _codes(value: object) -> Iterator[str]:
    """Every `code` anywhere in a GraphQL answer."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "code" and isinstance(item, str):
                yield item
            yield from _codes(item)
    elif isinstance(value, list):
        for item in value:
            yield from _codes(item)


def test_readme_blocks_run_against_a_fresh_demo(demo: Demo, tmp_path: Path) -> None:
    """Every sh block outside NOT_RUN runs with the demo's port and state directory put in:
    each exits 0, each GraphQL answer is free of errors and of NOT_FOUND/INVALID_NUMBER.
    Blocks that destroy something (`keys shred`) run last."""
    blocks = [block for block in _sh_blocks() if not _unrun(block)]
    blocks.sort(key=lambda block: "keys shred" in block)  # stable: README order otherwise
    assert len(blocks) >= 6, "expected the README's example blocks"
    graphql_calls = 0
    for block in blocks:
        for args, output in _run_block(block, demo, tmp_path):
            if "/graphql" not in args:
                continue
            graphql_calls += 1
            answer = json.loads(output)
            assert "errors" not in answer, f"{block}\nanswered {answer}"
            refused = {"NOT_FOUND", "INVALID_NUMBER"} & set(_codes(answer))
            assert not refused, f"{block}\nanswered {answer}"
    assert graphql_calls >= 5
