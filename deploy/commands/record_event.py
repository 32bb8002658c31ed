"""`caseline adapter record-event`: an agency records a status change in the running demo's
store, which the agency's adapter then streams (WatchChanges)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from adapters.reference.catalog import REFERENCE_AGENCIES, profile
from adapters.reference.demo_store import DemoStore
from adapters.reference.progressions import for_agency
from adapters.reference.recording import (
    Recorded,
    RecordError,
    parse_at,
    parse_due,
    record_event,
)
from adapters.sdk.mapping import MappingTable
from deploy.commands.state_options import DEMO_URL, STATE_DIR, state_dir_for
from deploy.demo.state import DemoState

__all__ = ["record_demo_event", "record_event_command"]


def record_demo_event(state: DemoState, agency: str, number: str, status: str, *,
                      at: datetime, due_raw: str | None = None) -> Recorded:
    """Record ``status`` on case ``number`` in the demo store of ``agency`` under ``state``
    (what the command and the demo's activity share); RecordError when it cannot."""
    path = state.store(agency)
    if not path.is_file():
        raise RecordError(f"no {agency} store in {state.root} ({path} is missing): not the "
                          "state directory of a seeded demo; run `caseline demo` first")
    agency_profile = profile(agency)
    table = MappingTable.load(agency_profile.mapping_path)
    return record_event(DemoStore(path), agency_profile, table, for_agency(agency), number,
                        status, at=at, due=parse_due(due_raw))


@click.command("record-event")
@click.argument("agency", type=click.Choice(REFERENCE_AGENCIES))
@click.argument("number")
@click.argument("status")
@click.option("--at", "at_raw", default=None, metavar="ISO-TIME",
              help="When it happened: ISO 8601 with a zone, e.g. 2026-12-02T15:04:05Z "
                   "(default: now). Not in the future, not before the case's last event.")
@click.option("--due", "due_raw", default=None, metavar="YYYY-MM-DD",
              help="Due date of an action or appointment (default: what the agency usually "
                   "gives that step, e.g. 87 days for a USCIS request for evidence).")
@STATE_DIR
@DEMO_URL
def record_event_command(agency: str, number: str, status: str, at_raw: str | None,
                         due_raw: str | None, state_dir: Path | None, url: str) -> None:
    """Record STATUS on case NUMBER in AGENCY's demo store; its adapter streams the change.

    STATUS is the agency's own code or title as it prints it ("Request for Evidence Was
    Sent", "CERTIFIED", "INDIVIDUAL HEARING SCHEDULED"); for labor it is read under the
    case's program. Prints one line saying what was recorded.
    """
    state = DemoState(state_dir_for(state_dir, url))
    try:
        at = parse_at(at_raw, datetime.now(UTC))
        recorded = record_demo_event(state, agency, number, status, at=at, due_raw=due_raw)
    except RecordError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(recorded.describe())
