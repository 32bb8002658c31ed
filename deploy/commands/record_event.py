"""`caseline adapter record-event`: an agency records a status change in the running demo's
store, which the agency's adapter then streams (WatchChanges)."""

from __future__ import annotations

from datetime import UTC, date, datetime
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

__all__ = ["DemoRecorder", "record_event_command"]


class DemoRecorder:
    """Records agency events in the demo stores under one state directory: what the command
    and the demo's activity (deploy/demo/activity.py) both record through. Each agency's
    store and mapping table are opened once."""

    def __init__(self, state: DemoState) -> None:
        self.state = state
        self._stores: dict[str, DemoStore] = {}
        self._tables: dict[str, MappingTable] = {}

    def store(self, agency: str) -> DemoStore:
        """The agency's demo store; RecordError when the state directory has none."""
        if agency not in self._stores:
            path = self.state.store(agency)
            if not path.is_file():
                raise RecordError(f"no {agency} store in {self.state.root} ({path} is "
                                  "missing): not the state directory of a seeded demo; run "
                                  "`caseline demo` first")
            self._stores[agency] = DemoStore(path)
        return self._stores[agency]

    def table(self, agency: str) -> MappingTable:
        """The agency's mapping table."""
        if agency not in self._tables:
            self._tables[agency] = MappingTable.load(profile(agency).mapping_path)
        return self._tables[agency]

    def record(self, agency: str, number: str, status: str, *, at: datetime,
               due: date | None = None) -> Recorded:
        """Record ``status`` on case ``number`` at ``agency``; RecordError when it cannot."""
        return record_event(self.store(agency), profile(agency), self.table(agency),
                            for_agency(agency), number, status, at=at, due=due)


@click.command("record-event")
@click.argument("agency", type=click.Choice(REFERENCE_AGENCIES))
@click.argument("number")
@click.argument("status")
@click.option("--at", "at_raw", default=None, metavar="ISO-TIME",
              help="When it happened: ISO 8601 with a zone, e.g. 2026-12-02T15:04:05Z "
                   "(default: now). Not in the future, not before the case's last event.")
@click.option("--due", "due_raw", default=None, metavar="YYYY-MM-DD",
              help="Due date of an action or appointment (default: what the agency usually "
                   "gives that step, e.g. 87 days for a USCIS request for evidence); refused "
                   "for a status that asks for no action.")
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
        recorded = DemoRecorder(state).record(agency, number, status, at=at,
                                              due=parse_due(due_raw))
    except RecordError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(recorded.describe())
