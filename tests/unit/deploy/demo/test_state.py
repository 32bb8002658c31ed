"""The demo's state directory: the aggregator's layout plus the demo's own files."""

from __future__ import annotations

from pathlib import Path

from aggregator.state import StatePaths
from deploy.demo.state import DemoState

ROOT = Path("/srv/demo")


def test_the_demo_state_is_the_aggregator_layout_plus_its_own_files() -> None:
    """Shared paths come from aggregator.state; the demo adds stores, logs, its sign-in key,
    the seeding lock and the manifest under the same root."""
    state = DemoState(ROOT)
    assert isinstance(state, StatePaths)
    assert (state.ledger, state.jwks) == (StatePaths(ROOT).ledger, StatePaths(ROOT).jwks)
    assert {str(p.relative_to(ROOT)) for p in (
        state.store("courts"), state.log("gateway-2"), state.issuer_key, state.seeding_lock,
        state.manifest)} == {"stores/courts.sqlite3", "logs/gateway-2.log",
                             "keys/demo-issuer.pem", ".seeding.lock", "demo.json"}
