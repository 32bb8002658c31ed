"""journeys.graphql, exactly as written, as raj (and mei, and ana) against `caseline demo`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from support.demo_process import ENGINES, Demo, module_demo

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ANA_I589, ANA_REMOVAL = "IOE0990000003", "A201555123"

@pytest.fixture(scope="module", params=ENGINES)
def demo(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """One demo for the module on each engine (the operations pass on both), with a small
    generated data set."""
    yield from module_demo(request, tmp_path_factory, 50)


def _journeys(demo: Demo, persona: str, language: str = "EN") -> list[dict[str, Any]]:
    body = demo.graphql("journeys.graphql", {"language": language}, persona=persona)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]  # type: ignore[assignment]
    journeys: list[dict[str, Any]] = data["viewer"]["journeys"]
    return journeys


def _seeded_on(demo: Demo) -> date:
    manifest = json.loads((demo.state_dir / "demo.json").read_text())
    return date.fromisoformat(manifest["today"])


def _employment(journeys: list[dict[str, Any]]) -> dict[str, Any]:
    (journey,) = [j for j in journeys if any(s["caseType"] == "PERM" for s in j["steps"])]
    return journey


def test_raj_sees_his_labor_certification_and_petitions_as_one_journey(demo: Demo) -> None:
    """PW -> PERM at labor, then I-140 -> I-485 at immigration (the I-765 and I-131 filed
    with the I-485 after it), each once; the current step is the I-485, the first not
    decided; his LCA, tied to none of them, is not part of it."""
    journey = _employment(_journeys(demo, "raj"))
    assert journey["title"] == "Employment-based green card"
    steps = [(s["agency"]["id"], s["caseNumber"], s["caseType"]) for s in journey["steps"]]
    assert steps[:4] == [("labor", "P-100-23263-318274", "PW"),
                         ("labor", "G-100-24218-604417", "PERM"),
                         ("immigration", "IOE0990000011", "I-140"),
                         ("immigration", "IOE0990000012", "I-485")]
    assert sorted(steps[4:]) == [("immigration", "IOE0990000013", "I-765"),
                                 ("immigration", "IOE0990000014", "I-131")]
    assert [s["current"] for s in journey["steps"]] == [False, False, False, True, False,
                                                        False]
    assert [s["category"] for s in journey["steps"][:3]] == ["APPROVED"] * 3
    assert journey["steps"][3]["category"] in {"PENDING", "ACTIVE"}
    assert all(s["caseType"] != "LCA" for j in _journeys(demo, "raj") for s in j["steps"])
    spanish = _employment(_journeys(demo, "raj", "ES"))
    assert spanish["title"] == "Residencia permanente por empleo"
    assert spanish["steps"] == journey["steps"]


def test_mei_sees_her_wage_determination_and_certified_perm(demo: Demo) -> None:
    """Her journey so far: the wage determination, then the certified PERM (both decided:
    the last is where she stands, its I-140 still to be filed)."""
    journey = _employment(_journeys(demo, "mei"))
    assert [(s["caseType"], s["category"], s["current"]) for s in journey["steps"]] == [
        ("PW", "APPROVED", False), ("PERM", "APPROVED", True)]


def test_raj_journey_shows_the_perm_validity_met(demo: Demo) -> None:
    """The deadline that crosses agencies: the I-140 was filed within the certification's
    180 days (20 CFR 656.30(b)(1)), so it is MET."""
    journey = _employment(_journeys(demo, "raj"))
    (validity,) = [d for d in journey["deadlines"] if d["kind"] == "PERM_VALIDITY"]
    assert validity["state"] == "MET" and "656.30" in validity["basis"]
    assert date.fromisoformat(validity["due"]) < _seeded_on(demo)


def test_raj_journey_shows_his_premium_i140_acted_on_in_time(demo: Demo) -> None:
    """8 CFR 106.4 end to end: the USCIS adapter reads the I-140's premium request from its
    history and sends it (sealed as DETAILS); the aggregator's PREMIUM_PROCESSING deadline,
    USCIS's to meet within 15 business days, was MET by the approval."""
    journey = _employment(_journeys(demo, "raj"))
    (premium,) = [d for d in journey["deadlines"] if d["kind"] == "PREMIUM_PROCESSING"]
    assert premium["state"] == "MET" and "106.4" in premium["basis"]


def test_mei_journey_shows_the_perm_validity_running_within_30_days(demo: Demo) -> None:
    """Her I-140 is not filed yet: the certification's validity is RUNNING and due in 25 to
    27 days from the seeding day, inside the 30-day alert."""
    journey = _employment(_journeys(demo, "mei"))
    (validity,) = [d for d in journey["deadlines"] if d["kind"] == "PERM_VALIDITY"]
    assert validity["state"] == "RUNNING"
    due = date.fromisoformat(validity["due"])
    assert _seeded_on(demo) + timedelta(days=25) <= due <= _seeded_on(demo) + timedelta(days=27)



NEXT_STEPS = """query Next($language: Language = EN) { viewer { journeys(language: $language) {
  steps { caseNumber caseType state }
  deadlines { kind due state }
  nextSteps { agency { id } filing state afterCaseNumber due description
              deadline { kind state due } } } } }"""


def _next_steps(demo: Demo, persona: str, language: str = "EN") -> dict[str, Any]:
    body = demo.graphql(NEXT_STEPS, {"language": language}, persona=persona)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]  # type: ignore[assignment]
    return _employment(data["viewer"]["journeys"])


def test_mei_journey_shows_the_i140_as_the_next_step_not_filed_with_its_date(
        demo: Demo) -> None:
    """What comes next in her journey: the I-140 at immigration, NOT_FILED, after her PERM,
    due the day the certification's validity (RUNNING) ends, in English and Spanish; raj,
    whose steps are all filed, has none."""
    journey = _next_steps(demo, "mei")
    assert [s["state"] for s in journey["steps"]] == ["FILED", "FILED"]
    (validity,) = [d for d in journey["deadlines"] if d["kind"] == "PERM_VALIDITY"]
    (step,) = journey["nextSteps"]
    assert (step["agency"]["id"], step["filing"], step["state"]) == ("immigration", "I-140",
                                                                     "NOT_FILED")
    (perm,) = [s["caseNumber"] for s in journey["steps"] if s["caseType"] == "PERM"]
    assert step["afterCaseNumber"] == perm
    assert step["due"] == validity["due"] and step["deadline"]["state"] == "RUNNING"
    due = date.fromisoformat(step["due"])
    assert f"{due:%B} {due.day}, {due.year}" in step["description"]
    (paso,) = _next_steps(demo, "mei", "ES")["nextSteps"]
    assert paso["description"].startswith("Siguiente") and "I-140" in paso["description"]
    assert _next_steps(demo, "raj")["nextSteps"] == []


def _asylum(journeys: list[dict[str, Any]]) -> dict[str, Any]:
    (journey,) = [j for j in journeys if any(s["caseType"] == "I-589" for s in j["steps"])]
    return journey


def test_ana_sees_her_asylum_application_and_removal_case_as_one_journey(demo: Demo) -> None:
    """Her I-589 at USCIS, referred to the immigration court, then the removal case where the
    judge hears it: the court's case is current (USCIS still shows the I-589 open, sent to the
    court); the court's 180-day asylum clock (8 U.S.C. 1158(d)(5)(A)(iii)), which ran out
    before her hearing, is on it as MISSED; no appeal is expected before a decision. In
    Spanish, the same steps under "Asilo"."""
    journey = _asylum(_journeys(demo, "ana"))
    assert journey["title"] == "Asylum"
    assert [(s["agency"]["id"], s["caseNumber"], s["caseType"], s["category"], s["current"])
            for s in journey["steps"]] == [
        ("immigration", ANA_I589, "I-589", "ACTIVE", False),
        ("courts", ANA_REMOVAL, "REMOVAL", "ACTIVE", True)]
    (clock,) = [d for d in journey["deadlines"] if d["kind"] == "ASYLUM_ADJUDICATION"]
    assert clock["state"] == "MISSED" and "1158(d)(5)(A)(iii)" in clock["basis"]
    assert date.fromisoformat(clock["due"]) < _seeded_on(demo)
    assert {d["kind"] for d in journey["deadlines"]} == {"ASYLUM_ADJUDICATION"}
    spanish = _asylum(_journeys(demo, "ana", "ES"))
    assert spanish["title"] == "Asilo" and spanish["steps"] == journey["steps"]
    assert "180 días" in spanish["deadlines"][0]["basis"]
    assert [j["title"] for j in _journeys(demo, "raj")] == ["Employment-based green card"]


def _record(demo: Demo, *args: str) -> None:
    """`caseline adapter record-event` against the running demo's state, as an operator."""
    result = subprocess.run(
        [sys.executable, "-m", "deploy.cli", "adapter", "record-event", *args,
         "--state-dir", str(demo.state_dir)], capture_output=True, text=True, cwd=ROOT,
        timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def _asylum_next(demo: Demo, language: str = "EN") -> dict[str, Any]:
    body = demo.graphql(NEXT_STEPS, {"language": language}, persona="ana")
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]  # type: ignore[assignment]
    return _asylum(data["viewer"]["journeys"])


# Last in the module: it records the judge's decision on ana's removal case.
def test_after_the_judge_decides_ana_sees_the_bia_window_and_her_departure_date(
        demo: Demo) -> None:
    """The judge grants voluntary departure (recorded as the court would, with the date to
    leave by): the journey now carries the 30 days to appeal to the BIA (8 CFR 1003.38(b),
    RUNNING, due 30 days on or the next business day) and the departure date (8 CFR 1240.26,
    RUNNING), and expects the appeal (EOIR-26) by the window's last day, in both languages."""
    decided = datetime.now(UTC).date()
    leave_by = decided + timedelta(days=60)
    _record(demo, "courts", ANA_REMOVAL, "VOLUNTARY DEPARTURE GRANTED", "--due",
            leave_by.isoformat())
    deadline = time.monotonic() + 30
    journey = _asylum(_journeys(demo, "ana"))
    while time.monotonic() < deadline and not any(
            d["kind"] == "BIA_APPEAL" for d in journey["deadlines"]):
        time.sleep(0.5)
        journey = _asylum(_journeys(demo, "ana"))
    found = {d["kind"]: d for d in journey["deadlines"]}
    appeal, departure = found["BIA_APPEAL"], found["VOLUNTARY_DEPARTURE"]
    assert appeal["state"] == departure["state"] == "RUNNING"
    appeal_due = date.fromisoformat(appeal["due"])
    assert decided + timedelta(days=30) <= appeal_due <= decided + timedelta(days=33)
    assert "1003.38(b)" in appeal["basis"] and "1240.26" in departure["basis"]
    assert date.fromisoformat(departure["due"]) == leave_by
    assert [(s["caseType"], s["category"], s["current"]) for s in journey["steps"]] == [
        ("I-589", "ACTIVE", False), ("REMOVAL", "CLOSED", True)]
    (step,) = _asylum_next(demo)["nextSteps"]
    assert (step["agency"]["id"], step["filing"], step["state"]) == ("courts", "EOIR-26",
                                                                     "NOT_FILED")
    assert step["afterCaseNumber"] == ANA_REMOVAL and step["due"] == appeal["due"]
    assert "Board of Immigration Appeals" in step["description"]
    assert f"{appeal_due:%B} {appeal_due.day}, {appeal_due.year}" in step["description"]
    (paso,) = _asylum_next(demo, "ES")["nextSteps"]
    assert "Junta de Apelaciones de Inmigración" in paso["description"]
