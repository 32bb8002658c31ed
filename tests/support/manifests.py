"""Reading deploy/'s manifests for the tests that hold them to the schemas and the CLI: the
Kubernetes documents, the compose file, and every `caseline …` command line in them (with
the container it runs in, to check its files are mounted there)."""

from __future__ import annotations

import copy
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
COMPOSE = DEPLOY / "compose" / "compose.yaml"
DOCKERFILE = DEPLOY / "container" / "Dockerfile"
# The caseline image, wherever it is pulled from (compose: ${CASELINE_IMAGE:-caseline:…}).
IMAGE = re.compile(r"^(\$\{CASELINE_IMAGE:-)?([\w.:-]+/)*caseline:[\w.-]+\}?$")
_K8S_VARIABLE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
_COMPOSE_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
_SHELL_OPERATORS = {"||", "&&", ";", "|", "&"}


@dataclass(frozen=True)
class Mount:
    """Where a container sees a volume, and the file names it holds when they are known (a
    Secret's or ConfigMap's keys, a compose secret's one file); None: any file below."""

    path: str
    files: frozenset[str] | None = None


@dataclass(frozen=True)
class CommandLine:
    """One `caseline` invocation: its words after `caseline` and where it runs."""

    where: str
    words: list[str]
    mounts: tuple[Mount, ...] = field(default=())


@cache
def _kubernetes_documents() -> list[tuple[str, dict[str, Any]]]:
    return [(path.name, doc) for path in sorted(KUBERNETES.glob("*.yaml"))
            for doc in yaml.safe_load_all(path.read_text()) if doc]


def kubernetes_documents() -> list[tuple[str, dict[str, Any]]]:
    """(file name, document) for every document of every deploy/kubernetes/*.yaml (a deep
    copy: tests may change theirs)."""
    return copy.deepcopy(_kubernetes_documents())


def compose_file() -> dict[str, Any]:
    """The compose file, anchors and merge keys resolved as Compose resolves them."""
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def by_kind(kind: str) -> dict[str, dict[str, Any]]:
    """The Kubernetes documents of ``kind``, by name."""
    return {doc["metadata"]["name"]: doc for _, doc in kubernetes_documents()
            if doc["kind"] == kind}


def _object_keys(doc: dict[str, Any]) -> frozenset[str]:
    return frozenset({**doc.get("data", {}), **doc.get("stringData", {})})


def shell_invocations(script: str) -> Iterator[list[str]]:
    """The words after each `caseline` (or `exec caseline`) that starts a simple command of a
    shell script."""
    lexer = shlex.shlex(script, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    command: list[str] = []
    for token in [*lexer, ";"]:
        if token not in _SHELL_OPERATORS:
            command.append(token)
            continue
        words = command[1:] if command[:1] == ["exec"] else command
        if words[:1] == ["caseline"]:
            yield words[1:]
        command = []


def _k8s_env(container: dict[str, Any]) -> dict[str, str]:
    """Each environment variable's value as the manifests give it: literal, from a ConfigMap
    of the manifests, or a placeholder naming a Secret's key (whose existence is asserted)."""
    config_maps, secrets = by_kind("ConfigMap"), by_kind("Secret")
    values = {}
    for variable in container.get("env", []):
        source = variable.get("valueFrom", {})
        if "value" in variable:
            values[variable["name"]] = str(variable["value"])
        elif "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            values[variable["name"]] = config_maps[ref["name"]]["data"][ref["key"]]
        elif "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            assert ref["key"] in _object_keys(secrets[ref["name"]]), \
                f"{container['name']}: no key {ref['key']} in Secret {ref['name']}"
            values[variable["name"]] = f"secret-{ref['name']}-{ref['key']}"
    return values


def _k8s_mounts(pod: dict[str, Any], container: dict[str, Any]) -> tuple[Mount, ...]:
    config_maps, secrets = by_kind("ConfigMap"), by_kind("Secret")
    volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
    mounts = []
    for mount in container.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        files = None
        if "secret" in volume:
            files = _object_keys(secrets[volume["secret"]["secretName"]])
        elif "configMap" in volume:
            files = _object_keys(config_maps[volume["configMap"]["name"]])
        mounts.append(Mount(mount["mountPath"], files))
    return tuple(mounts)


def _k8s_words(container: dict[str, Any], env: Mapping[str, str]) -> list[list[str]]:
    def expand(word: str) -> str:
        return _K8S_VARIABLE.sub(lambda m: env[m.group(1)], word)

    command = [expand(word) for word in container.get("command", [])]
    args = [expand(word) for word in container.get("args", [])]
    if command[:2] == ["sh", "-c"]:
        return list(shell_invocations(" ".join(command[2:] + args[:1])))
    assert not command or command == ["caseline"], f"{container['name']}: runs {command}"
    return [args]


def kubernetes_command_lines() -> list[CommandLine]:
    """Every caseline command line of the containers in deploy/kubernetes (a container of the
    caseline image runs its entrypoint, `caseline`, unless its command says otherwise)."""
    lines = []
    for name, doc in kubernetes_documents():
        pod = doc.get("spec", {}).get("template", {}).get("spec")
        if pod is None:
            continue
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            if not IMAGE.match(container["image"]):
                continue
            where = f"{name}: {doc['metadata']['name']}/{container['name']}"
            mounts = _k8s_mounts(pod, container)
            lines += [CommandLine(where, words, mounts)
                      for words in _k8s_words(container, _k8s_env(container))]
    return lines


def compose_interpolate(text: str) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}: the default where there is
    one, else a placeholder named after the variable."""
    def value(match: re.Match[str]) -> str:
        name, operator, default = match.groups()
        return default if operator in (":-", "-") else f"value-of-{name}"

    return _COMPOSE_VARIABLE.sub(value, text)


def _compose_mounts(compose: dict[str, Any], service: dict[str, Any]) -> tuple[Mount, ...]:
    mounts = [Mount(volume.split(":")[1]) for volume in service.get("volumes", [])]
    mounts += [Mount(f"/run/secrets/{name}", frozenset({""}))
               for name in service.get("secrets", [])]
    mounts += [Mount(path) for path in service.get("tmpfs", [])]
    return tuple(mounts)


def compose_command_lines() -> list[CommandLine]:
    """Every caseline command line of the compose file's services of the caseline image."""
    compose = compose_file()
    lines = []
    for name, service in compose["services"].items():
        if not IMAGE.match(service.get("image", "")):
            continue
        command = [compose_interpolate(word) for word in service.get("command", [])]
        mounts = _compose_mounts(compose, service)
        entrypoint = service.get("entrypoint", ["caseline"])
        if entrypoint == ["sh", "-c"]:
            lines += [CommandLine(f"compose: {name}", words, mounts)
                      for words in shell_invocations(command[0])]
        else:
            assert entrypoint == ["caseline"], f"compose: {name} runs {entrypoint}"
            lines.append(CommandLine(f"compose: {name}", command, mounts))
    return lines


def mounted(path: str, mounts: tuple[Mount, ...]) -> bool:
    """Whether ``path`` is a file the container sees through one of ``mounts``: below a
    volume's mount path, and among its files when they are known."""
    for mount in mounts:
        base = mount.path.rstrip("/")
        if path == base and (mount.files is None or "" in mount.files):
            return True
        if path.startswith(base + "/"):
            rest = path[len(base) + 1:]
            if mount.files is None or rest in mount.files:
                return True
    return False
