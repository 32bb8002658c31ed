"""The contract: generated code is fresh, names line up, and the SDK's surface is deliberate."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import adapters.sdk
from caseline.v1 import vocabulary_pb2
from gateway.schema.enums import Milestone, StatusCategory, StatusMatch

ROOT = Path(__file__).parents[1]


def test_generated_code_matches_the_proto_files() -> None:
    """`python proto/generate.py --check` passes: nobody edited .proto without regenerating."""
    result = subprocess.run([sys.executable, str(ROOT / "proto" / "generate.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_graphql_enums_match_the_proto_vocabulary() -> None:
    """GraphQL's short names are exactly the proto enums' names minus prefix and UNSPECIFIED."""
    # .keys() is the enum wrapper's name list (it is not a dict; iterating it fails).
    categories = vocabulary_pb2.StatusCategory.keys()
    milestones = vocabulary_pb2.Milestone.keys()
    proto_categories = [n.removeprefix("STATUS_CATEGORY_") for n in categories][1:]
    proto_milestones = [n.removeprefix("MILESTONE_") for n in milestones][1:]
    assert [c.name for c in StatusCategory] == proto_categories
    assert [m.name for m in Milestone] == proto_milestones


def test_sdk_public_names_are_exactly_all() -> None:
    """Every public name the SDK package exposes is listed in __all__, and vice versa."""
    public = {n for n in vars(adapters.sdk) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(adapters.sdk, n)).__name__ == "module"}
    assert public - modules == set(adapters.sdk.__all__)


def test_sensitive_fields_are_declared_in_the_contract() -> None:
    """The DETAILS fields carry the (caseline.v1.sensitivity) option; the SDK and the gateway
    read it from there, so this is the one place they are listed."""
    from caseline.v1 import case_pb2, vocabulary_pb2
    from caseline.v1.lib.field_scopes import field_scopes

    event = field_scopes(case_pb2.CaseEvent.DESCRIPTOR)
    assert {n for n, s in event.items() if s == "DETAILS"} == {"due_date", "office", "hearing"}
    assert field_scopes(case_pb2.Case.DESCRIPTOR)["office"] == "DETAILS"
    status = field_scopes(vocabulary_pb2.Status.DESCRIPTOR)
    assert status["agency_text"] == "DETAILS" and status["agency_code"] == "STATUS"
    # The agency's wording in its other languages is released exactly as its English is.
    assert status["agency_texts"] == "DETAILS"


def _generated_modules() -> set[str]:
    package = ROOT / "proto" / "caseline" / "v1"
    return {f"caseline.v1.{p.stem}" for p in package.glob("*_pb2*.py")}


def test_mypy_ignores_errors_only_in_generated_modules() -> None:
    """Type errors are ignored in exactly the generated modules; hand-written contract code
    (caseline.v1.lib) is checked like the rest."""
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    ignored = {m for o in mypy["overrides"] if o.get("ignore_errors") for m in o["module"]}
    assert ignored == _generated_modules(), (
        f"ignored but not generated: {sorted(ignored - _generated_modules())}; "
        f"generated but not listed: {sorted(_generated_modules() - ignored)}")
    assert "caseline.v1.lib" in mypy["packages"]


def test_grpc_stubs_only_for_protos_that_define_a_service() -> None:
    """A *_pb2_grpc module exists for each .proto with a service, and for no other."""
    package = ROOT / "proto" / "caseline" / "v1"
    with_service = {p.stem for p in package.glob("*.proto")
                    if re.search(r"^service\s", p.read_text(), re.MULTILINE)}
    stubs = {p.name.removesuffix("_pb2_grpc.py") for p in package.glob("*_pb2_grpc.py")}
    assert stubs == with_service, f"stubs for {sorted(stubs)}, services in {sorted(with_service)}"


def test_graphql_status_match_names_the_proto_match_kinds() -> None:
    """StatusMatch's GraphQL names are the proto StatusMatch names minus prefix and
    UNSPECIFIED (which reads as null)."""
    names = vocabulary_pb2.StatusMatch.keys()  # the enum wrapper's name list, not a dict
    proto = [n.removeprefix("STATUS_MATCH_") for n in names][1:]
    assert [m.name for m in StatusMatch] == proto
