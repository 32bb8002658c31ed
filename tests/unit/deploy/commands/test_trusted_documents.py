"""`caseline trusted-documents` and `--trusted-documents`: the shipped manifest is the one
the command builds from the acceptance operations, and a bad manifest stops a command
before anything starts, naming the file and what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from deploy.cli import main
from deploy.commands.trusted_documents import manifest_text
from gateway.trusted_manifest import SHIPPED, document_hash, load_manifests

ROOT = Path(__file__).parents[4]
ACCEPTANCE = ROOT.parent / "shared" / "acceptance"


def test_the_shipped_manifest_is_the_acceptance_operations_built_now() -> None:
    """Regenerate with: caseline trusted-documents build gateway/trusted_documents.json
    ../shared/acceptance"""
    assert SHIPPED.read_bytes() == manifest_text((ACCEPTANCE,)), (
        "gateway/trusted_documents.json is stale: run `caseline trusted-documents build "
        "gateway/trusted_documents.json ../shared/acceptance`")


def test_every_acceptance_operation_is_trusted_exactly_as_written() -> None:
    trusted = load_manifests([SHIPPED])
    files = sorted(ACCEPTANCE.glob("*.graphql"))
    assert files
    for path in files:
        assert trusted.get(document_hash(path.read_text(encoding="utf-8"))) is not None, path


def test_build_then_check(tmp_path: Path) -> None:
    (tmp_path / "ops").mkdir()
    (tmp_path / "ops" / "b.graphql").write_text("query B { viewer { subject } }\n")
    (tmp_path / "ops" / "a.graphql").write_text("mutation A { markAllNotificationsRead }\n")
    out = tmp_path / "manifest.json"
    runner = CliRunner()
    built = runner.invoke(main, ["trusted-documents", "build", str(out), str(tmp_path / "ops")])
    assert built.exit_code == 0, built.output
    assert built.output == f"{out}: 2 documents\n"
    manifest = json.loads(out.read_text())
    assert [(o["name"], o["type"]) for o in manifest["operations"]] == [
        ("A", "mutation"), ("B", "query")]
    checked = runner.invoke(main, ["trusted-documents", "check", str(out), str(SHIPPED)])
    assert checked.exit_code == 0, checked.output
    assert checked.output == f"{2 + len(load_manifests([SHIPPED]))} trusted documents\n"


def test_build_refuses_an_unnamed_operation(tmp_path: Path) -> None:
    (tmp_path / "x.graphql").write_text("{ viewer { subject } }")
    result = CliRunner().invoke(main, ["trusted-documents", "build",
                                       str(tmp_path / "out.json"), str(tmp_path)])
    assert result.exit_code == 1
    assert "x.graphql: the operation has no name" in result.output
    assert not (tmp_path / "out.json").exists()


def test_shipped_prints_the_package_manifest() -> None:
    result = CliRunner().invoke(main, ["trusted-documents", "shipped"])
    assert (result.exit_code, result.output) == (0, f"{SHIPPED}\n")


def _bad_manifest(tmp_path: Path) -> Path:
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps({"0" * 64: "query A { a }"}))
    return path


def test_check_names_the_file_and_the_wrong_id(tmp_path: Path) -> None:
    bad = _bad_manifest(tmp_path)
    result = CliRunner().invoke(main, ["trusted-documents", "check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}: entry '{'0' * 64}': id {'0' * 64} is not the sha256" in result.output


def test_a_bad_manifest_stops_the_demo_before_it_starts(tmp_path: Path) -> None:
    bad = _bad_manifest(tmp_path)
    result = CliRunner().invoke(main, ["demo", "--state-dir", str(tmp_path / "state"),
                                       "--trusted-documents", str(bad)])
    assert result.exit_code == 2
    assert "Invalid value for --trusted-documents" in result.output
    assert not (tmp_path / "state").exists()


def test_a_bad_manifest_stops_gateway_serve_before_it_reads_its_config(tmp_path: Path) -> None:
    bad = _bad_manifest(tmp_path)
    result = CliRunner().invoke(main, [
        "gateway", "serve", "--config", str(tmp_path / "none.toml"),
        "--state-dir", str(tmp_path / "state"), "--jwt-issuer", "https://issuer.example",
        "--jwt-jwks-url", "https://issuer.example/jwks", "--trusted-documents", str(bad)])
    assert result.exit_code == 2, result.output
    assert "Invalid value for --trusted-documents" in result.output
    assert not (tmp_path / "state").exists()
