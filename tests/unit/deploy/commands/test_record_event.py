"""`caseline adapter record-event`: the agency's code or title recorded in the demo store
with its mapped title, the program read from a labor number, and clear refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from adapters.reference.demo_store import DemoStore
from adapters.reference.seed import seed_store
from deploy.cli import main
from deploy.demo.state import DemoState

ANA_RFE = "IOE0990000001"  # ana's I-765, waiting on her answer to an RFE
ANA_I130 = "IOE0990000002"  # ana's I-130, under review
ANA_COURT = "A201555123"
RAJ_PERM = "G-100-24218-604417"
RAJ_LCA = "I-200-26126-471205"
# Yesterday at 20:00 UTC: after every persona event (the newest is days old), never ahead.
YESTERDAY = datetime.combine(date.today() - timedelta(days=1), time(20), UTC)


@pytest.fixture
def state(tmp_path: Path) -> DemoState:
    """A demo state directory with every agency's store seeded (personas + 3 cases)."""
    demo = DemoState(tmp_path)
    for agency in ("immigration", "labor", "courts"):
        seed_store(demo.store(agency), agency, cases=3, seed=1, today=date.today(),
                   progress=False)
    return demo


def _record(state: DemoState, *args: str) -> Result:
    return CliRunner().invoke(main, ["adapter", "record-event", "--state-dir",
                                     str(state.root), *args])


def _last_event(state: DemoState, agency: str, number: str) -> tuple[int, str, date | None]:
    """The case's latest event: its cursor (row id), code and due date."""
    last = DemoStore(state.store(agency)).find_cases([number], with_history=True)[number].events[-1]
    return int(last.event_id), last.code, last.due_date


def test_an_agency_code_is_recorded_and_described(state: DemoState) -> None:
    """A USCIS title as printed is stored as is; the line names code, mapped title, cursor."""
    eastern = YESTERDAY.astimezone(timezone(timedelta(hours=-5))).isoformat()
    result = _record(state, "immigration", ANA_I130, "Case Was Approved", "--at", eastern)
    assert result.exit_code == 0, result.output
    cursor, code, due = _last_event(state, "immigration", ANA_I130)
    assert (code, due) == ("Case Was Approved", None)
    assert result.output == (f"recorded immigration {ANA_I130}: 'Case Was Approved' (Approved)"
                             f" at {YESTERDAY.isoformat()}, cursor {cursor}\n")


def test_a_request_for_evidence_gets_the_agencys_87_day_due_date(state: DemoState) -> None:
    """An RFE written loosely resolves to its code, due 87 days later as USCIS sets it."""
    result = _record(state, "immigration", ANA_I130, "request for evidence sent",
                     "--at", YESTERDAY.isoformat())
    assert result.exit_code == 0, result.output
    _, code, due = _last_event(state, "immigration", ANA_I130)
    expected = YESTERDAY.date() + timedelta(days=87)
    assert (code, due) == ("Request for Evidence Was Sent", expected)
    assert f"due {expected.isoformat()}" in result.output


def test_an_explicit_due_date_wins(state: DemoState) -> None:
    """--due replaces the usual deadline."""
    result = _record(state, "immigration", ANA_I130, "Request for Evidence Was Sent",
                     "--at", YESTERDAY.isoformat(), "--due", "2099-01-15")
    assert result.exit_code == 0, result.output
    assert _last_event(state, "immigration", ANA_I130)[2] == date(2099, 1, 15)


def test_a_due_date_before_the_event_is_refused(state: DemoState) -> None:
    """A deadline cannot precede the notice that sets it."""
    result = _record(state, "immigration", ANA_I130, "Request for Evidence Was Sent",
                     "--at", YESTERDAY.isoformat(), "--due", "2020-01-15")
    assert (result.exit_code, result.output) == (
        1, f"Error: --due 2020-01-15 is before the event ({YESTERDAY.date().isoformat()}); a "
           "due date follows it\n")


def test_a_due_date_on_a_status_that_asks_for_no_action_is_refused(state: DemoState) -> None:
    """An approval sets no deadline: --due with it is refused, saying why, and nothing is
    recorded."""
    before = _last_event(state, "immigration", ANA_I130)
    result = _record(state, "immigration", ANA_I130, "Case Was Approved",
                     "--at", YESTERDAY.isoformat(), "--due", "2099-01-15")
    assert (result.exit_code, result.output) == (
        1, "Error: --due 2099-01-15 given for 'Case Was Approved', which asks for no action at "
           "immigration; a due date goes with a status that asks for one (a request for "
           "evidence, an appointment, a hearing): leave --due out\n")
    assert _last_event(state, "immigration", ANA_I130) == before


def test_a_due_date_on_a_labor_status_names_the_program(state: DemoState) -> None:
    """Under a labor program the refusal says which program's status it read."""
    result = _record(state, "labor", RAJ_PERM, "ANALYST REVIEW", "--at",
                     YESTERDAY.isoformat(), "--due", "2099-01-15")
    assert result.exit_code == 1
    assert "'ANALYST REVIEW', which asks for no action at labor (PERM cases)" in result.output


def test_a_mapped_title_names_the_code(state: DemoState) -> None:
    """Caseline's own title of a status (here in Spanish) records the agency's code."""
    result = _record(state, "courts", ANA_COURT, "Hubo audiencia y el caso sigue")
    assert result.exit_code == 0, result.output
    assert _last_event(state, "courts", ANA_COURT)[1] == "HEARING ADJOURNED"
    assert "(Hearing held, case goes on)" in result.output


def test_a_labor_title_is_read_under_the_program_of_the_case_number(state: DemoState) -> None:
    """CERTIFIED is PERM's on a G-100 number and the LCA's on an I-200 one."""
    perm = _record(state, "labor", RAJ_PERM, "certified - expired")
    lca = _record(state, "labor", RAJ_LCA, "Certified - Withdrawn")
    assert perm.exit_code == 0 and lca.exit_code == 0, perm.output + lca.output
    assert _last_event(state, "labor", RAJ_PERM)[1] == "CERTIFIED - EXPIRED"
    assert _last_event(state, "labor", RAJ_LCA)[1] == "CERTIFIED - WITHDRAWN"
    assert perm.output.startswith(f"recorded labor {RAJ_PERM}: 'CERTIFIED - EXPIRED' (")


def test_an_unknown_status_names_close_candidates(state: DemoState) -> None:
    """A misspelt status fails, nothing is written, and the closest codes are named."""
    before = DemoStore(state.store("labor")).latest_cursor()
    result = _record(state, "labor", RAJ_PERM, "certifed")
    assert result.exit_code == 1
    assert result.output == (
        "Error: labor (PERM cases) has no status 'certifed'; closest: 'CERTIFIED', "
        "'BALCA DECISION - REVERSED', 'CERTIFIED - EXPIRED'. Give the agency's status code "
        "or title as it prints it (`caseline vocab map` shows what a code maps to)\n")
    assert DemoStore(state.store("labor")).latest_cursor() == before


def test_another_programs_status_is_unknown_for_this_case(state: DemoState) -> None:
    """An H-2A deficiency notice is not a status a PERM case can take."""
    result = _record(state, "labor", RAJ_PERM, "NOD RESPONSE RECEIVED")
    assert result.exit_code == 1
    assert result.output.startswith("Error: labor (PERM cases) has no status "
                                    "'NOD RESPONSE RECEIVED'; closest: ")


@pytest.mark.parametrize(("at", "message"), [
    ("yesterday", "Error: --at 'yesterday' is not an ISO 8601 date-time; expected e.g. "
                  "2026-12-02T15:04:05Z or 2026-12-02T10:04:05-05:00\n"),
    ("2026-12-01T15:00:00", "Error: --at '2026-12-01T15:00:00' has no time zone; add one, "
                            "e.g. Z for UTC or -05:00\n"),
    ("9" * 80, "Error: --at is 80 characters; an ISO 8601 date-time is at most 64\n"),
])
def test_a_malformed_time_is_refused(state: DemoState, at: str, message: str) -> None:
    """--at must be ISO 8601 with a zone."""
    result = _record(state, "immigration", ANA_I130, "Case Was Approved", "--at", at)
    assert (result.exit_code, result.output) == (1, message)


def test_a_time_in_the_future_is_refused(state: DemoState) -> None:
    """An agency records what happened, not what will."""
    later = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    result = _record(state, "immigration", ANA_I130, "Case Was Approved",
                     "--at", later.isoformat())
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: --at {later.isoformat()} is in the future (now ")


def test_a_time_before_the_last_event_is_refused(state: DemoState) -> None:
    """Events are recorded in order: not before the case's latest one."""
    result = _record(state, "immigration", ANA_I130, "Case Was Approved",
                     "--at", "2020-01-01T00:00:00Z")
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: --at 2020-01-01T00:00:00+00:00 is before the case's last event ('Case Is "
        "Being Actively Reviewed By USCIS' at ")


def test_an_unknown_case_number_is_refused(state: DemoState) -> None:
    """A well-formed number the agency does not hold."""
    result = _record(state, "courts", "A201555124", "HEARING ADJOURNED")
    assert (result.exit_code, result.output) == (
        1, "Error: courts has no case A201555124 in its store; record events for cases it "
           "holds (`caseline sample-numbers` lists some)\n")


def test_a_malformed_case_number_says_the_format(state: DemoState) -> None:
    """The agency's number format is named."""
    result = _record(state, "courts", "A2015", "HEARING ADJOURNED")
    assert result.exit_code == 1
    assert "expected e.g. A201555123" in result.output


def test_a_state_directory_without_stores_is_refused(tmp_path: Path) -> None:
    """No seeded demo there: said, nothing created."""
    result = _record(DemoState(tmp_path), "courts", ANA_COURT, "HEARING ADJOURNED")
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: no courts store in {tmp_path} (")
    assert not (tmp_path / "stores").exists()
