"""Every `caseline …` command line in the Kubernetes manifests, the compose file and the
Dockerfile parses with the real CLI (options, types, required ones), and every file it names
is one its container has mounted: the manifests cannot drift from the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest

from deploy.cli import main
from support.manifests import (
    DOCKERFILE,
    CommandLine,
    compose_command_lines,
    kubernetes_command_lines,
    mounted,
)

# What the manifests may use before the CLI has it (a command or option being added on
# another branch): parsed without it until it exists; once the CLI has one, its entry must go
# (the test fails until it does). Empty: the manifests use only what the CLI has.
PENDING_COMMANDS: set[str] = set()
PENDING_OPTIONS: dict[tuple[str, ...], set[str]] = {}


def _leaf(words: list[str]) -> tuple[list[str], click.Command, list[str]]:
    """The subcommand path, the command it names and the words left for it."""
    command: click.Command = main
    path: list[str] = []
    rest = list(words)
    while isinstance(command, click.Group) and rest and rest[0] in command.commands:
        command = command.commands[rest[0]]
        path.append(rest.pop(0))
    return path, command, rest


def _option(command: click.Command, word: str) -> click.Parameter | None:
    name = word.split("=", 1)[0]
    return next((p for p in command.params if name in (*p.opts, *p.secondary_opts)), None)


def _without_pending(path: list[str], command: click.Command, rest: list[str],
                     where: str) -> list[str]:
    """``rest`` without the pending options the command does not have yet (and their
    values); a failure when it has one, so the entry is removed."""
    pending = PENDING_OPTIONS.get(tuple(path), set())
    present = {o for o in pending if _option(command, o) is not None}
    assert not present, f"{where}: the CLI has {present} now: remove it from PENDING_OPTIONS"
    kept: list[str] = []
    skip = False
    for word in rest:
        if skip:
            skip = False
            continue
        name = word.split("=", 1)[0]
        if name in pending:
            skip = "=" not in word
            continue
        kept.append(word)
    return kept


def _materialise(command: click.Command, rest: list[str], root: Path,
                 line: CommandLine) -> list[str]:
    """``rest`` with each path option's value moved under ``root`` (an empty file or a
    directory there when the option needs one to exist), after checking the container has
    that path mounted."""
    out: list[str] = []
    pending_param: click.Parameter | None = None
    for word in rest:
        param, value, prefix = pending_param, word, ""
        pending_param = None
        if param is None and word.startswith("--"):
            found = _option(command, word)
            if found is not None and isinstance(found.type, click.Path):
                if "=" in word:
                    prefix, value = word.split("=", 1)
                    prefix += "="
                    param = found
                elif not getattr(found, "is_flag", False):
                    pending_param = found
        if param is not None and isinstance(param.type, click.Path) and value.startswith("/"):
            assert not line.mounts or mounted(value, line.mounts), \
                f"{line.where}: {value} is on no volume its container mounts"
            target = root / value.lstrip("/")
            if param.type.exists:
                if param.type.file_okay:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.touch()
                else:
                    target.mkdir(parents=True, exist_ok=True)
            value = str(target)
        out.append(prefix + value)
    return out


def _parse(line: CommandLine, root: Path) -> None:
    path, command, rest = _leaf(line.words)
    if line.words and line.words[0] in PENDING_COMMANDS:
        assert line.words[0] not in main.commands, \
            f"{line.where}: the CLI has `caseline {line.words[0]}` now: remove it from " \
            "PENDING_COMMANDS"
        return
    assert path and not isinstance(command, click.Group), \
        f"{line.where}: 'caseline {' '.join(line.words[:3])}' names no command"
    rest = _materialise(command, _without_pending(path, command, rest, line.where), root,
                        line)
    parent = click.Context(main, info_name="caseline")
    try:
        command.make_context(" ".join(path), rest, parent=parent)
    except click.ClickException as exc:
        pytest.fail(f"{line.where}: caseline {' '.join(path)}: {exc.format_message()}")


def _lines() -> list[CommandLine]:
    return [*kubernetes_command_lines(), *compose_command_lines()]


def test_the_manifests_run_the_commands_they_should() -> None:
    """The extraction finds what the manifests run: migrations, the gateway, each adapter
    and its seeding, in Kubernetes and in compose (so the parse test below is not vacuous)."""
    found = {(line.where.split(":")[0], " ".join(_leaf(line.words)[0] or line.words[:1]))
             for line in _lines()}
    for source in ("compose", "gateway.yaml", "adapters.yaml", "migrate-job.yaml"):
        assert any(where == source for where, _ in found), source
    commands = {command for _, command in found}
    assert {"migrate", "gateway serve", "adapter run", "seed"} <= commands
    adapters = [line for line in _lines() if line.words[:2] == ["adapter", "run"]]
    assert sorted(line.words[2] for line in adapters) == sorted(
        ["immigration", "labor", "courts"] * 2)


@pytest.mark.parametrize("line", _lines(), ids=lambda line: line.where)
def test_command_line_parses_with_the_cli(line: CommandLine, tmp_path: Path) -> None:
    """The command line parses with `caseline`'s own parser: every option exists, values
    have the right types, required options are there, files it names are mounted."""
    _parse(line, tmp_path)


def test_a_wrong_option_is_caught(tmp_path: Path) -> None:
    """The parse check fails on an option the CLI does not have and on a value of the
    wrong type, and on a file no volume provides."""
    line = CommandLine("probe", ["adapter", "run", "labor", "--prot", "1"])
    with pytest.raises(pytest.fail.Exception, match="No such option"):
        _parse(line, tmp_path)
    line = CommandLine("probe", ["adapter", "run", "labor", "--port", "many"])
    with pytest.raises(pytest.fail.Exception, match="many"):
        _parse(line, tmp_path)
    line = CommandLine("probe", ["adapter", "run", "labor", "--tls-ca", "/etc/x/ca.pem"],
                       mounts=kubernetes_command_lines()[0].mounts)
    with pytest.raises(AssertionError, match="on no volume"):
        _parse(line, tmp_path)


def test_the_dockerfile_runs_caseline() -> None:
    """The image's entrypoint is `caseline` (what every manifest's arguments are given to),
    and without arguments it prints the commands."""
    text = DOCKERFILE.read_text()
    entrypoint = re.findall(r"^ENTRYPOINT (.+)$", text, re.M)
    assert [json.loads(e) for e in entrypoint] == [["caseline"]]
    assert [json.loads(c) for c in re.findall(r"^CMD (.+)$", text, re.M)] == [["--help"]]
