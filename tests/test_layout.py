"""The layout stays as the README draws it: small modules, unit tests found by the path of
what they test, and dependencies that point one way."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).parents[1]
APPLICATION = ("aggregator", "gateway", "adapters", "deploy")
MAX_LINES = 600
UNIT = ROOT / "tests" / "unit"

# Unit tests that mirror no single module, each with why.
NOT_MIRRORS = {
    "adapters/courts/test_mapping.py": "the mapping table (mapping.toml, data)",
    "adapters/immigration/test_mapping.py": "the mapping table (mapping.toml, data)",
    "adapters/labor/test_mapping.py": "the mapping table (mapping.toml, data)",
    "adapters/sdk/test_readability.py": "every agency's mapping-table texts (data)",
    "aggregator/vault/test_shredding_sqlite.py": "subject keys' shredding in SQLite's files",
    "caseline/v1/lib/test_wycheproof_primitives.py": "the crypto library under the contract",
    "deploy/demo/test_seeding_progress.py": "the demo's seeding steps (seeding + progress)",
    "deploy/test_command_lines.py": "the `caseline` command lines in the manifests (data)",
    "deploy/test_compose.py": "the compose trial (deploy/compose, data)",
    "deploy/test_container.py": "the container image (deploy/container/Dockerfile, data)",
    "deploy/test_kubernetes.py": "the Kubernetes manifests (deploy/kubernetes, data)",
}


def _python_files(*tops: str) -> Iterator[Path]:
    for top in tops:
        yield from sorted((ROOT / top).rglob("*.py"))


def _long_modules() -> dict[str, int]:
    lengths = {str(p.relative_to(ROOT)): len(p.read_text().splitlines())
               for p in _python_files(*APPLICATION)}
    return {path: n for path, n in sorted(lengths.items()) if n > MAX_LINES}


def test_no_application_module_exceeds_600_lines() -> None:
    """Every module in aggregator/, gateway/, adapters/ and deploy/ has at most 600 lines."""
    long = _long_modules()
    assert not long, "over 600 lines: " + ", ".join(f"{p} ({n})" for p, n in long.items())


def _source_root(package: str) -> Path:
    """Where the code a unit test directory mirrors lives: the contract under proto/."""
    return ROOT / "proto" if package == "caseline" else ROOT


def _mirrors(test: Path) -> bool:
    """tests/unit/<path>/test_<name>.py tests <path>/<name>.py, the package <path>/<name>/,
    or, named after its own directory, the package <path> itself (its __init__.py)."""
    relative = test.relative_to(UNIT)
    name = relative.stem.removeprefix("test_")
    directory = _source_root(relative.parts[0]) / relative.parent
    return ((directory / f"{name}.py").is_file() or (directory / name / "__init__.py").is_file()
            or (name == directory.name and (directory / "__init__.py").is_file()))


def test_unit_tests_mirror_the_code_they_test() -> None:
    """Each tests/unit/**/test_X.py mirrors an existing module or package, so a module's tests
    are found by its path; the exceptions are listed with why."""
    tests = {str(p.relative_to(UNIT)): p for p in sorted(UNIT.rglob("test_*.py"))}
    orphans = [t for t, p in tests.items() if t not in NOT_MIRRORS and not _mirrors(p)]
    assert not orphans, f"unit tests that mirror no module or package: {orphans}"
    stale = [t for t in NOT_MIRRORS if t not in tests or _mirrors(tests[t])]
    assert not stale, f"NOT_MIRRORS entries that are gone or now mirror a module: {stale}"


# Which of our packages each layer may import (a layer is the longest prefix listed).
MAY_IMPORT = {
    "caseline": {"caseline"},
    "aggregator": {"aggregator", "caseline"},
    "gateway": {"gateway", "aggregator", "caseline"},
    "adapters.sdk": {"adapters.sdk", "caseline"},
    "adapters": {"adapters", "adapters.sdk", "caseline"},
    "deploy": {"deploy", "gateway", "aggregator", "adapters", "adapters.sdk", "caseline"},
}


def _layer(module: str) -> str | None:
    """The MAY_IMPORT key a dotted module name belongs to, None if it is not ours."""
    parts = module.split(".")
    for length in (2, 1):
        if ".".join(parts[:length]) in MAY_IMPORT:
            return ".".join(parts[:length])
    return None


def _module_name(path: Path) -> str:
    relative = path.relative_to(ROOT / "proto" if path.is_relative_to(ROOT / "proto") else ROOT)
    parts = relative.with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in the file, lazy and TYPE_CHECKING ones too, relative
    ones resolved, and importlib.import_module's literal prefix."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                yield node.lineno, f"{base}.{node.module}" if node.module else base
            else:
                yield node.lineno, str(node.module)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args):
            name = node.args[0]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                yield node.lineno, name.value
            elif (isinstance(name, ast.JoinedStr) and name.values
                  and isinstance(first := name.values[0], ast.Constant)):
                # The whole components before the first placeholder: "adapters.{agency}..."
                yield node.lineno, str(first.value).rpartition(".")[0]


def test_imports_point_one_way() -> None:
    """gateway -> aggregator -> contract and adapters -> SDK -> contract: the aggregator never
    imports the gateway, deploy or adapters; adapters never import the aggregator, gateway or
    deploy; the SDK imports no agency; caseline.v1 imports nothing of ours."""
    broken = []
    for path in _python_files(*APPLICATION, "proto/caseline"):
        layer = _layer(_module_name(path))
        assert layer is not None, f"{path.relative_to(ROOT)} is in no layer"
        for line, imported in _imported(path):
            target = _layer(imported)
            if target is not None and target not in MAY_IMPORT[layer]:
                broken.append(f"{path.relative_to(ROOT)}:{line} ({layer}) imports {imported}")
    assert not broken, "imports against the layering:\n" + "\n".join(broken)
