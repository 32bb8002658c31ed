"""The shared acceptance operations, exactly as written, against `caseline demo`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from support.demo_process import ENGINES, Demo, module_demo, start_demo

pytestmark = pytest.mark.integration

CASES = 300


@pytest.fixture(scope="module", params=ENGINES)
def demo(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """One demo for the module on each engine (the operations pass on both), with a small
    generated data set."""
    yield from module_demo(request, tmp_path_factory, CASES)


def _manifest(demo: Demo) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((demo.state_dir / "demo.json").read_text())
    return data


def _persona_number(demo: Demo, persona: str, agency: str) -> str:
    return next(c["number"] for c in _manifest(demo)["personas"][persona]
                if c["agency"] == agency)


def _data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def _aware(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, f"{value} has no zone"
    return parsed


@pytest.mark.parametrize(("persona", "agency"), [
    ("ana", "immigration"), ("ana", "courts"), ("raj", "labor")])
def test_public_status_of_a_case_from_each_agency(demo: Demo, persona: str, agency: str) -> None:
    """Anyone can see a case's category, milestone, title and description without a token."""
    number = _persona_number(demo, persona, agency)
    result = _data(demo.graphql("public_status.graphql", {"number": number}))["caseStatus"]
    assert result["__typename"] == "CaseStatus"
    assert result["number"] == number and result["agency"]["id"] == agency
    assert result["category"] in {"PENDING", "ACTIVE", "APPROVED", "DENIED", "CLOSED"}
    assert result["milestone"] and result["title"] and result["description"]
    _aware(result["updatedAt"])


def test_public_status_in_spanish(demo: Demo) -> None:
    """With language ES the title and description are the Spanish ones."""
    number = _persona_number(demo, "ana", "immigration")
    en = _data(demo.graphql("public_status.graphql", {"number": number}))["caseStatus"]
    es = _data(demo.graphql("public_status.graphql",
                            {"number": number, "language": "ES"}))["caseStatus"]
    assert es["title"] != en["title"] and es["description"] != en["description"]
    assert es["category"] == en["category"]


@pytest.mark.parametrize(("number", "expected"), [
    ("IOE12", "10 digits"),
    ("G-100-24999-123456", "G-100"),
    ("A12", "9 digits"),
    ("hello world", "IOE0912345678"),
])
def test_malformed_numbers_name_the_expected_format(demo: Demo, number: str,
                                                    expected: str) -> None:
    """A malformed number is a CaseLookupError INVALID_NUMBER naming the expected format."""
    result = _data(demo.graphql("public_status.graphql", {"number": number}))["caseStatus"]
    assert result["__typename"] == "CaseLookupError"
    assert result["code"] == "INVALID_NUMBER" and result["number"] == number
    assert expected in result["message"]


def test_unknown_well_formed_number_is_not_found(demo: Demo) -> None:
    """A well-formed number the agency does not hold is NOT_FOUND."""
    result = _data(demo.graphql("public_status.graphql",
                                {"number": "A000000017"}))["caseStatus"]
    assert (result["__typename"], result["code"]) == ("CaseLookupError", "NOT_FOUND")


def test_bulk_status_answers_100_mixed_numbers_in_order(demo: Demo) -> None:
    """100 numbers across agencies, valid and not, come back one per number in order."""
    manifest = _manifest(demo)
    valid = [c["number"] for cs in manifest["personas"].values() for c in cs]
    valid += [n for ns in manifest["samples"].values() for n in ns]
    numbers = [*valid, "IOE12", "A000000017"] * 10
    numbers = numbers[:100]
    results = _data(demo.graphql("bulk_status.graphql", {"numbers": numbers}))["caseStatuses"]
    assert [r["number"] for r in results] == numbers
    by_number = {r["number"]: r for r in results}
    assert all(by_number[n]["__typename"] == "CaseStatus" for n in valid)
    assert by_number["IOE12"]["code"] == "INVALID_NUMBER"
    assert by_number["A000000017"]["code"] == "NOT_FOUND"
    assert {by_number[n]["agency"]["id"] for n in valid} == {"immigration", "labor", "courts"}


def test_bulk_status_refuses_101_numbers_clearly(demo: Demo) -> None:
    """101 numbers is refused with an error saying the limit and what to do."""
    body = demo.graphql("bulk_status.graphql", {"numbers": ["IOE0912345678"] * 101})
    (error,) = body["errors"]  # type: ignore[misc]
    assert error["message"] == ("at most 100 case numbers per request, got 101; "
                                "split the list into several requests")
    assert error["extensions"]["code"] == "TOO_MANY_NUMBERS"


def _timeline(demo: Demo, persona: str, language: str) -> dict[str, Any]:
    viewer: dict[str, Any] = _data(demo.graphql(
        "my_timeline.graphql", {"language": language}, persona=persona))["viewer"]
    return viewer


@pytest.mark.parametrize(("persona", "agencies"), [
    ("ana", {"immigration", "courts"}), ("raj", {"labor", "immigration"})])
def test_my_timeline_merges_every_agency_in_time_order(demo: Demo, persona: str,
                                                       agencies: set[str]) -> None:
    """Events from each agency the persona has cases at, ordered by time, with agency words."""
    viewer = _timeline(demo, persona, "EN")
    events = viewer["timeline"]["events"]
    assert viewer["subject"] == persona
    assert {e["agency"]["id"] for e in events} == agencies
    assert {c["agency"]["id"] for c in viewer["cases"]} == agencies
    times = [_aware(e["at"]) for e in events]
    assert times == sorted(times)
    assert all(e["agencyCode"] and e["category"] and e["title"] for e in events)
    assert viewer["timeline"]["unavailable"] == []


def test_ana_sees_spanish_and_an_action_with_a_due_date(demo: Demo) -> None:
    """In Spanish the titles change while codes stay; at least one event needs action by a date."""
    es = _timeline(demo, "ana", "ES")["timeline"]["events"]
    en = _timeline(demo, "ana", "EN")["timeline"]["events"]
    assert [e["agencyCode"] for e in es] == [e["agencyCode"] for e in en]
    assert sum(a["title"] != b["title"] for a, b in zip(es, en, strict=True)) >= len(es) // 2
    assert any(e["actionRequired"] and e["dueDate"] for e in es)
    names = {e["agency"]["id"]: e["agency"]["name"] for e in es}
    assert names["immigration"] == "Servicio de Ciudadanía e Inmigración de los Estados Unidos"


def test_my_timeline_needs_a_token(demo: Demo) -> None:
    """Without a token the viewer is null with an UNAUTHENTICATED error."""
    body = demo.graphql("my_timeline.graphql")
    assert body["data"] == {"viewer": None}
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"  # type: ignore[index]


def test_agency_down_shows_as_unavailable_while_others_answer(demo: Demo) -> None:
    """A second run of the demo, with courts down, reuses the data: ana still gets
    immigration, courts is unavailable (not answering, or its circuit already open: the
    demo's alerts read the personas' cases at start and find courts down first)."""
    assert demo.stop() == 0
    degraded = start_demo(demo.state_dir, *demo.engine_args, "--down", "courts")
    try:
        viewer = _timeline(degraded, "ana", "EN")
    finally:
        assert degraded.stop() == 0
    assert {e["agency"]["id"] for e in viewer["timeline"]["events"]} == {"immigration"}
    (failure,) = viewer["timeline"]["unavailable"]
    assert failure["agency"]["id"] == "courts"
    assert failure["code"] in {"UNAVAILABLE", "CIRCUIT_OPEN"}
    assert not any("First run" in line for line in degraded.output)
