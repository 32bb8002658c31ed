"""Issue 12, item 23: dependencies state true bounds, and the lean executor checks at start
that graphql-core and strawberry are what it overrides, else strawberry's own execution runs
(with a warning) rather than a broken one."""

from __future__ import annotations

import importlib.metadata
import logging
import sys
import tomllib
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest
from packaging.requirements import Requirement
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.schema import execution
from gateway.schema.build import build_schema
from gateway.schema.execution import LeanExecutionContext, lean_execution_problem
from support.http_gateway import gateway_app, serving

ROOT = Path(__file__).parents[2]
QUERY = ('{ agencies { id name } caseStatus(number: "FAK000001") '
         '{ ... on CaseLookupError { code } } }')


def _requirements() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {r.name: r for r in map(Requirement, project["dependencies"])}


def test_what_code_relies_on_is_bounded() -> None:
    """graphql-core and strawberry internals are overridden: both bounded above; the HPKE
    module arrived in cryptography 47."""
    requirements = _requirements()
    assert requirements["graphql-core"].specifier == Requirement("x>=3.3,<3.4").specifier
    assert any(s.operator == "<" for s in requirements["strawberry-graphql"].specifier)
    assert not requirements["cryptography"].specifier.contains("46.0.7")
    assert requirements["cryptography"].specifier.contains("47.0.0")


def test_the_installed_versions_meet_the_bounds() -> None:
    for name, requirement in _requirements().items():
        installed = importlib.metadata.version(name)
        assert requirement.specifier.contains(installed, prereleases=True), (name, installed)


def test_the_key_wrap_module_imports() -> None:
    """proto/caseline/v1/lib/key_wrap.py needs cryptography's HPKE (47 and later)."""
    from caseline.v1.lib import key_wrap

    assert key_wrap.__name__ == "caseline.v1.lib.key_wrap"


def test_the_lean_executor_runs_on_what_it_was_written_for(
        caplog: pytest.LogCaptureFixture) -> None:
    assert lean_execution_problem() is None
    assert build_schema().execution_context_class is LeanExecutionContext
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def _falls_back(caplog: pytest.LogCaptureFixture, tmp_path: Path, reason: str) -> None:
    caplog.set_level(logging.WARNING)
    assert build_schema().execution_context_class is StrawberryGraphQLCoreExecutionContext
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("lean GraphQL execution is off" in w and reason in w for w in warnings), warnings
    # A gateway built now serves with strawberry's own execution, answering as always.
    app, _ = gateway_app(tmp_path)
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        body = (await client.post("/graphql", json={"query": QUERY})).json()
    assert body == {"data": {"agencies": [{"id": "fake", "name": "Fake Agency"}],
                             "caseStatus": {"code": "NOT_FOUND"}}}


async def test_another_graphql_core_minor_falls_back(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        tmp_path: Path) -> None:
    version = graphql.version_info._replace(minor=4, micro=0)
    monkeypatch.setattr(graphql, "version_info", version)
    monkeypatch.setattr(graphql, "version", "3.4.0")
    assert "graphql-core 3.4.0" in str(lean_execution_problem())
    await _falls_back(caplog, tmp_path, "graphql-core 3.4.0")


async def test_a_changed_method_signature_falls_back(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        tmp_path: Path) -> None:
    original = StrawberryGraphQLCoreExecutionContext.execute_fields

    def execute_fields(self: Any, parent_type: Any, source_value: Any, path: Any,
                       fields: Any, position_context: Any) -> Any:
        return original(self, parent_type, source_value, path, fields, position_context)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_fields",
                        execute_fields)
    await _falls_back(caplog, tmp_path, "execute_fields takes")


async def test_a_missing_method_falls_back(monkeypatch: pytest.MonkeyPatch,
                                           caplog: pytest.LogCaptureFixture,
                                           tmp_path: Path) -> None:
    monkeypatch.setitem(execution._METHODS, "renamed_in_a_later_release", ("self",))
    await _falls_back(caplog, tmp_path, "no method renamed_in_a_later_release")


async def test_a_missing_attribute_falls_back(monkeypatch: pytest.MonkeyPatch,
                                              caplog: pytest.LogCaptureFixture,
                                              tmp_path: Path) -> None:
    monkeypatch.setattr(execution, "_ATTRIBUTES", (*execution._ATTRIBUTES, "gone"))
    await _falls_back(caplog, tmp_path, "no attribute gone")


async def test_an_internal_that_moved_falls_back(monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture,
                                                 tmp_path: Path) -> None:
    """An import the lean executor needs fails (as on graphql-core 3.2): fall back too."""
    monkeypatch.setitem(sys.modules, "gateway.schema.execution", None)
    await _falls_back(caplog, tmp_path, "gateway.schema.execution")
