"""`caseline demo --slow AGENCY` makes that agency slow (deploy.demo.slow_agency installed in its
adapter through the SDK server's interceptor slot): past the deadline it shows up under
`unavailable`, and the others answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from support.demo_process import start_demo

pytestmark = pytest.mark.integration


def test_a_slow_agency_is_cut_at_the_deadline_while_the_others_answer(tmp_path: Path) -> None:
    """With courts slowed by the default 3 s, ana's timeline holds her immigration events
    and lists courts as DEADLINE_EXCEEDED; the banner says courts is slow on purpose."""
    demo = start_demo(tmp_path / "state", "--cases", "50", "--slow", "courts")
    try:
        body = demo.graphql("my_timeline.graphql", {"language": "EN"}, persona="ana")
    finally:
        assert demo.stop() == 0
    assert "errors" not in body, body
    viewer: dict[str, Any] = body["data"]["viewer"]  # type: ignore[index]
    assert {e["agency"]["id"] for e in viewer["timeline"]["events"]} == {"immigration"}
    (failure,) = viewer["timeline"]["unavailable"]
    assert failure["agency"]["id"] == "courts" and failure["code"] == "DEADLINE_EXCEEDED"
    assert any("SLOW on purpose     courts (+3000 ms per call)" in line
               for line in demo.output)
